package unix

import (
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"

	"golang.org/x/sys/windows"
)

// modeSupported: Windows has no permission bits on a socket file; its
// access follows the ACL inherited from the directory.
const modeSupported = false

// lockDir does nothing: Windows has no flock, and LockFileEx locks byte
// ranges of open files, not directories. Two servers replacing one stale
// socket at the same moment are not serialised here.
func lockDir(string) (unlock func(), err error) { return func() {}, nil }

// isRefused reports the error of connecting to a socket file nobody
// listens on any more: WSAECONNREFUSED.
func isRefused(err error) bool {
	return errors.Is(err, windows.WSAECONNREFUSED) || errors.Is(err, syscall.ECONNREFUSED)
}

// bindSocket binds at file directly. Without permission bits there is
// nothing to set before clients can see the file, so the private staging
// directory of the Unix version has no purpose.
func bindSocket(file string, _ os.FileMode) (_ *net.UnixListener, _ os.FileInfo, err error) {
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: file, Net: "unix"})
	if err != nil {
		return nil, nil, listenError(file, err)
	}
	// Close removes the file itself, after checking it is still ours.
	ln.SetUnlinkOnClose(false)
	id, err := os.Lstat(file)
	if err != nil {
		ln.Close()
		return nil, nil, fmt.Errorf("unix: listen %s: %w", file, err)
	}
	return ln, id, nil
}
