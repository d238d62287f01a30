//go:build linux

package tcp

import (
	"syscall"

	"golang.org/x/sys/unix"
)

const reusePortSupported = true

// setReusePort is a net.ListenConfig.Control function: SO_REUSEPORT must be
// set before bind, which only Control can reach.
func setReusePort(_, _ string, raw syscall.RawConn) error {
	var sockErr error
	err := raw.Control(func(fd uintptr) {
		sockErr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
	})
	if err != nil {
		return err
	}
	return sockErr
}
