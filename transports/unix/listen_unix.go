//go:build unix

package unix

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"syscall"

	xunix "golang.org/x/sys/unix"
)

const (
	// stagingPattern names the private directory in which the socket is bound
	// and given its mode before it appears under its final name. The leading
	// dot keeps it out of casual listings for the microseconds it exists.
	stagingPattern = ".tophat-unix-*"

	// stagingName is the socket's name inside the staging directory; short
	// so that the staged path is only a little longer than the final one.
	stagingName = "s"
)

// modeSupported: Unix file systems apply permission bits to socket files,
// and connect checks for write permission.
const modeSupported = true

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

// isRefused reports the error of connecting to a socket file nobody
// listens on any more.
func isRefused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }

// bindSocket creates the listening socket at file with exactly mode: it is
// bound and chmod-ed inside a private directory, then hard-linked into place.
// It returns the file's identity for Close.
func bindSocket(file string, mode os.FileMode) (_ *net.UnixListener, _ os.FileInfo, err error) {
	dir, err := os.MkdirTemp(filepath.Dir(file), stagingPattern)
	if err != nil {
		return nil, nil, fmt.Errorf("unix: listen %s: %w", file, err)
	}
	staged := filepath.Join(dir, stagingName)
	defer func() {
		os.Remove(staged)
		os.Remove(dir)
	}()

	// bind is the one call limited to sun_path, and the staged path is
	// longer than the final one.
	bindName := staged
	if len(staged) > maxPathLen {
		name, release, err := shortBindName(dir)
		if err != nil {
			return nil, nil, fmt.Errorf("unix: listen %s: the private name %s it is bound under first is %d bytes, "+
				"more than the %d a socket address holds on %s: use a path at most %d bytes long: %w",
				file, staged, len(staged), maxPathLen, runtime.GOOS, maxPathLen-(len(staged)-len(file)), err)
		}
		defer release()
		bindName = name
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
