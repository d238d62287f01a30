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
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/tophat-go/tophat/core"
)

const (
	// DefaultMode lets only the owner's processes connect: an HTTP socket is
	// an API, and widening access to a group or everyone should be a choice.
	DefaultMode os.FileMode = 0o600

	// staleProbeTimeout bounds the connect that tells a live socket from a
	// stale one. A Unix connect succeeds or fails at once; this only guards
	// against a wedged kernel or file system.
	staleProbeTimeout = 2 * time.Second
)

// Config configures Listen and Dial. A nil *Config means all defaults.
type Config struct {
	// Mode is the permission of the socket file; connecting needs write
	// permission on it. Zero means DefaultMode (0600); use 0o660 to admit
	// the file's group or 0o666 for everyone. Only permission bits are
	// allowed. The mode is applied exactly, regardless of the umask.
	// Abstract names have no file and ignore Mode. Dial ignores it.
	//
	// Windows has no permission bits: there the socket file's access
	// follows the ACL of its directory, and a non-zero Mode is refused with
	// an error matching ErrInvalidMode and errors.ErrUnsupported.
	Mode os.FileMode
}

func (c *Config) mode() (os.FileMode, error) {
	if c == nil || c.Mode == 0 {
		return DefaultMode, nil
	}
	if extra := c.Mode &^ fs.ModePerm; extra != 0 {
		return 0, fmt.Errorf("%w: %O sets %s; a socket file takes permission bits only (0o777), such as 0o660",
			ErrInvalidMode, uint32(c.Mode), describeModeBits(extra))
	}
	if !modeSupported {
		return 0, fmt.Errorf("%w: %O: %s has no permission bits; leave Mode zero and set the directory's ACL (%w)",
			ErrInvalidMode, uint32(c.Mode), runtime.GOOS, errors.ErrUnsupported)
	}
	return c.Mode, nil
}

// describeModeBits names the bits of a mode beyond the permissions, in both
// spellings: chmod's octal (04000, which os.FileMode does not use) and Go's
// os.ModeSetuid and friends. Printing the mode with FileMode.String would
// hide chmod's bits and show a valid-looking "-rwxrwxrwx".
func describeModeBits(extra os.FileMode) string {
	var names []string
	for _, b := range []struct {
		bit  os.FileMode
		name string
	}{
		{0o4000, "chmod's setuid bit 04000"},
		{0o2000, "chmod's setgid bit 02000"},
		{0o1000, "chmod's sticky bit 01000"},
		{os.ModeSetuid, "os.ModeSetuid"},
		{os.ModeSetgid, "os.ModeSetgid"},
		{os.ModeSticky, "os.ModeSticky"},
	} {
		if extra&b.bit != 0 {
			names = append(names, b.name)
			extra &^= b.bit
		}
	}
	if extra != 0 {
		names = append(names, fmt.Sprintf("file type or other bits (%v)", extra))
	}
	return strings.Join(names, " and ")
}

// A Listener accepts Unix stream connections as [*Conn] values. It satisfies
// core.Listener.
type Listener struct {
	ln   *net.UnixListener
	addr *net.UnixAddr

	// file is the path of the socket file, empty for abstract names.
	file string
	// id identifies the file Listen created, so Close never removes a file
	// another server put in its place.
	id os.FileInfo

	closeOnce sync.Once
}

var _ core.Listener = (*Listener)(nil)

// Listen listens on the Unix socket address: an absolute file path, or a
// Linux abstract name starting with "@". See the package documentation for how the socket
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

	file := filepath.Clean(address)
	unlock, err := lockDir(filepath.Dir(file))
	if err != nil {
		return nil, fmt.Errorf("unix: listen %s: %w", address, err)
	}
	defer unlock()
	if err := removeStale(address); err != nil {
		return nil, err
	}
	ln, id, err := bindSocket(file, mode)
	if err != nil {
		return nil, err
	}
	return &Listener{ln: ln, addr: addr, file: file, id: id}, nil
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
	case !isRefused(err):
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
		problem = "empty; want an absolute path such as /run/app.sock" + abstractHint
	case strings.IndexByte(address, 0) >= 0:
		problem = "contains a NUL byte"
	case address == "@":
		problem = "empty abstract name"
	case isAbstract(address) && !abstractSupported:
		return fmt.Errorf("%w: %q: abstract names (@name) exist only on Linux, not on %s; use a socket file path (%w)",
			ErrInvalidAddress, address, runtime.GOOS, errors.ErrUnsupported)
	case isAbstract(address) && len(address) > sunPathLen:
		problem = fmt.Sprintf("abstract name longer than %d bytes", sunPathLen)
	case isAbstract(address):
		return nil
	case !filepath.IsAbs(address):
		// Server and clients meet at the path, and they rarely share a
		// working directory; a relative path also hides the common slip
		// of "unix://run/app.sock" for "unix:///run/app.sock".
		problem = "relative path; give an absolute one, such as filepath.Abs makes"
	case len(address) > maxPathLen:
		problem = fmt.Sprintf("path of %d bytes, longer than the %d a socket address holds on %s", len(address), maxPathLen, runtime.GOOS)
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

// CheckAddress reports whether address can name a Unix socket on this
// system, with the error (matching ErrInvalidAddress) that Listen and Dial
// would return: an absolute path short enough for sun_path, or an abstract
// name on Linux. It opens nothing.
func CheckAddress(address string) error { return checkAddress(address) }
