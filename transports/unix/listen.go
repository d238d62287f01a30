//go:build linux

package unix

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	xunix "golang.org/x/sys/unix"

	"github.com/tophat-go/tophat/core"
)

const (
	// DefaultMode lets only the owner's processes connect: an HTTP socket is
	// an API, and widening access to a group or everyone should be a choice.
	DefaultMode os.FileMode = 0o600

	// maxPathLen is sun_path (108 bytes on Linux) less the NUL that ends a
	// file name; Go refuses longer names with EINVAL.
	maxPathLen = 107

	// maxAbstractLen is all of sun_path: an abstract name has no NUL
	// terminator, and its leading "@" stands for the NUL that marks it.
	maxAbstractLen = 108

	// staleProbeTimeout bounds the connect that tells a live socket from a
	// stale one. A Unix connect succeeds or fails at once; this only guards
	// against a wedged kernel or file system.
	staleProbeTimeout = 2 * time.Second

	// stagingPattern names the private directory in which the socket is bound
	// and given its mode before it appears under its final name. The leading
	// dot keeps it out of casual listings for the microseconds it exists.
	stagingPattern = ".tophat-unix-*"

	// stagingName is the socket's name inside the staging directory; short so
	// that the staged path fits sun_path whenever the final path does.
	stagingName = "s"
)

// Config configures Listen and Dial. A nil *Config means all defaults.
type Config struct {
	// Mode is the permission of the socket file; connecting needs write
	// permission on it. Zero means DefaultMode (0600); use 0o660 to admit
	// the file's group or 0o666 for everyone. Only permission bits are
	// allowed. The mode is applied exactly, regardless of the umask.
	// Abstract names have no file and ignore Mode. Dial ignores it.
	Mode os.FileMode
}

func (c *Config) mode() (os.FileMode, error) {
	if c == nil || c.Mode == 0 {
		return DefaultMode, nil
	}
	if c.Mode&^fs.ModePerm != 0 {
		return 0, fmt.Errorf("%w: %v (only permission bits 0777 are allowed)", ErrInvalidMode, c.Mode)
	}
	return c.Mode, nil
}

// A Listener accepts Unix stream connections as [*Conn] values. It satisfies
// core.Listener.
type Listener struct {
	ln   *net.UnixListener
	addr *net.UnixAddr

	// file is the absolute path of the socket file, empty for abstract
	// names; absolute so that Close finds it after a chdir.
	file string
	// id identifies the file Listen created, so Close never removes a file
	// another server put in its place.
	id os.FileInfo

	closeOnce sync.Once
}

var _ core.Listener = (*Listener)(nil)

// Listen listens on the Unix socket address: a file path, or a Linux abstract
// name starting with "@". See the package documentation for how the socket
// file is created, how a stale file is replaced and when Listen refuses.
func Listen(address string, cfg *Config) (*Listener, error) {
	mode, err := cfg.mode()
	if err != nil {
		return nil, err
	}
	if err := checkAddress(address); err != nil {
		return nil, err
	}
	addr := &net.UnixAddr{Name: address, Net: "unix"}
	if isAbstract(address) {
		ln, err := net.ListenUnix("unix", addr)
		if err != nil {
			return nil, listenError(address, err)
		}
		return &Listener{ln: ln, addr: addr}, nil
	}

	file, err := filepath.Abs(address)
	if err != nil {
		return nil, fmt.Errorf("unix: listen %s: %w", address, err)
	}
	unlock, err := lockDir(filepath.Dir(file))
	if err != nil {
		return nil, fmt.Errorf("unix: listen %s: %w", address, err)
	}
	defer unlock()
	if err := removeStale(address); err != nil {
		return nil, err
	}
	ln, id, err := bindPrivately(file, mode)
	if err != nil {
		return nil, err
	}
	return &Listener{ln: ln, addr: addr, file: file, id: id}, nil
}

// lockDir takes an exclusive flock on dir, shared by every Listen and Close
// of this package in any process. Without it, two servers replacing one stale
// socket can interleave so that the second deletes the first's fresh file
// between its own check and unlink, and both believe they own the path. The
// lock is advisory and best effort: where the file system refuses flock
// (some network file systems), Listen proceeds without it.
func lockDir(dir string) (unlock func(), err error) {
	d, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	raw, err := d.SyscallConn()
	if err != nil {
		d.Close()
		return nil, err
	}
	_ = raw.Control(func(fd uintptr) {
		for xunix.Flock(int(fd), xunix.LOCK_EX) == xunix.EINTR {
		}
	})
	// Closing the descriptor releases the lock.
	return func() { d.Close() }, nil
}

// removeStale clears the way for Listen at file: nothing there, or a socket
// whose server is gone. Anything else is refused. file is the address as
// given, which checkAddress has already found short enough to connect to.
func removeStale(file string) error {
	before, err := os.Lstat(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("unix: listen %s: %w", file, err)
	}
	if before.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("%w: %s is %s", ErrNotSocket, file, describe(before.Mode()))
	}

	ctx, cancel := context.WithTimeout(context.Background(), staleProbeTimeout)
	defer cancel()
	var d net.Dialer
	probe, err := d.DialContext(ctx, "unix", file)
	switch {
	case err == nil:
		probe.Close()
		return fmt.Errorf("%w: %s: a server is accepting on it (%w)", ErrAddrInUse, file, syscall.EADDRINUSE)
	case errors.Is(err, syscall.EAGAIN):
		// The backlog is full: alive, merely busy.
		return fmt.Errorf("%w: %s: its server is busy (%w)", ErrAddrInUse, file, syscall.EADDRINUSE)
	case errors.Is(err, syscall.ENOENT):
		return nil // removed while we looked
	case !errors.Is(err, syscall.ECONNREFUSED):
		// EACCES and friends: we cannot tell, so we must not delete it.
		return fmt.Errorf("unix: listen %s: cannot tell whether the existing socket is live: %w", file, err)
	}

	// Delete only the file we probed: if another server replaced it while we
	// were connecting, that one is live and not ours to remove.
	after, err := os.Lstat(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("unix: listen %s: %w", file, err)
	}
	if !os.SameFile(before, after) {
		return fmt.Errorf("%w: %s was replaced while being checked", ErrAddrInUse, file)
	}
	if err := os.Remove(file); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("unix: listen %s: removing stale socket: %w", file, err)
	}
	return nil
}

// bindPrivately creates the listening socket at file with exactly mode: it is
// bound and chmod-ed inside a private directory, then hard-linked into place.
// It returns the file's identity for Close.
func bindPrivately(file string, mode os.FileMode) (_ *net.UnixListener, _ os.FileInfo, err error) {
	dir, err := os.MkdirTemp(filepath.Dir(file), stagingPattern)
	if err != nil {
		return nil, nil, fmt.Errorf("unix: listen %s: %w", file, err)
	}
	staged := filepath.Join(dir, stagingName)
	defer func() {
		os.Remove(staged)
		os.Remove(dir)
	}()

	// bind is the one call limited to sun_path. When the staged path is too
	// long, reach the directory through its descriptor's /proc name instead.
	bindName := staged
	if len(staged) > maxPathLen {
		d, err := os.Open(dir)
		if err != nil {
			return nil, nil, fmt.Errorf("unix: listen %s: %w", file, err)
		}
		defer d.Close()
		bindName = fmt.Sprintf("/proc/self/fd/%d/%s", d.Fd(), stagingName)
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: bindName, Net: "unix"})
	if err != nil {
		return nil, nil, fmt.Errorf("unix: listen %s: %w", file, err)
	}
	// The staged name dies below; Close removes the final one itself.
	ln.SetUnlinkOnClose(false)
	defer func() {
		if err != nil {
			ln.Close()
		}
	}()

	if err := os.Chmod(staged, mode); err != nil {
		return nil, nil, fmt.Errorf("unix: listen %s: %w", file, err)
	}
	id, err := os.Lstat(staged)
	if err != nil {
		return nil, nil, fmt.Errorf("unix: listen %s: %w", file, err)
	}
	if err := os.Link(staged, file); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, nil, fmt.Errorf("%w: %s was taken while listening (%w)", ErrAddrInUse, file, syscall.EADDRINUSE)
		}
		return nil, nil, fmt.Errorf("unix: listen %s: %w", file, err)
	}
	return ln, id, nil
}

// Accept waits for the next connection and returns it as a [*Conn]. After
// Close it returns an error matching net.ErrClosed.
func (l *Listener) Accept() (io.ReadWriteCloser, error) {
	c, err := l.AcceptUnix()
	if err != nil {
		return nil, err // never a typed nil inside the interface
	}
	return c, nil
}

// AcceptConn is Accept for callers that want a net.Conn; the value is a
// [*Conn].
func (l *Listener) AcceptConn() (net.Conn, error) {
	c, err := l.AcceptUnix()
	if err != nil {
		return nil, err
	}
	return c, nil
}

// AcceptUnix is Accept with the concrete type.
func (l *Listener) AcceptUnix() (*Conn, error) {
	c, err := l.ln.AcceptUnix()
	if err != nil {
		return nil, l.renameError(err)
	}
	return &Conn{UnixConn: c, local: l.addr}, nil
}

// renameError makes a net.OpError name the address given to Listen rather
// than the staging name the kernel knows the socket by.
func (l *Listener) renameError(err error) error {
	var op *net.OpError
	if !errors.As(err, &op) {
		return err
	}
	renamed := *op
	renamed.Addr = l.addr
	return &renamed
}

// Addr returns the address given to Listen.
func (l *Listener) Addr() net.Addr { return l.addr }

// Close stops listening and removes the socket file if it is still the one
// Listen created. Calls after the first do nothing and return nil.
func (l *Listener) Close() error {
	var err error
	l.closeOnce.Do(func() {
		// Unlink before closing, so no client ever finds a file whose
		// server is gone and mistakes it for a crashed one.
		var removeErr error
		if l.file != "" {
			removeErr = l.removeFile()
		}
		closeErr := l.ln.Close()
		if closeErr != nil {
			closeErr = l.renameError(closeErr)
		}
		err = errors.Join(closeErr, removeErr)
	})
	return err
}

func (l *Listener) removeFile() error {
	// A Listen replacing the file must not slip between our check and unlink.
	if unlock, err := lockDir(filepath.Dir(l.file)); err == nil {
		defer unlock()
	}
	now, err := os.Lstat(l.file)
	if err != nil || !os.SameFile(now, l.id) {
		return nil // gone, or someone else's now
	}
	if err := os.Remove(l.file); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("unix: removing socket file: %w", err)
	}
	return nil
}

func isAbstract(address string) bool { return strings.HasPrefix(address, "@") }

func checkAddress(address string) error {
	var problem string
	switch {
	case address == "":
		problem = "empty"
	case strings.IndexByte(address, 0) >= 0:
		problem = "contains a NUL byte"
	case address == "@":
		problem = "empty abstract name"
	case isAbstract(address) && len(address) > maxAbstractLen:
		problem = fmt.Sprintf("abstract name longer than %d bytes", maxAbstractLen)
	case !isAbstract(address) && len(address) > maxPathLen:
		problem = fmt.Sprintf("path longer than %d bytes", maxPathLen)
	default:
		return nil
	}
	return fmt.Errorf("%w: %q: %s", ErrInvalidAddress, address, problem)
}

func listenError(address string, err error) error {
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("%w: %s (%w)", ErrAddrInUse, address, err)
	}
	return fmt.Errorf("unix: listen %s: %w", address, err)
}

func describe(m fs.FileMode) string {
	switch m.Type() {
	case 0:
		return "a regular file"
	case fs.ModeDir:
		return "a directory"
	case fs.ModeSymlink:
		return "a symbolic link"
	default:
		return "a " + m.Type().String() + " file"
	}
}
