//go:build linux || darwin || freebsd

package unix

import "net"

// control runs f on the descriptor of c and returns f's error or the error
// of reaching the descriptor.
func control(c *net.UnixConn, f func(fd int) error) error {
	raw, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := raw.Control(func(fd uintptr) { ferr = f(int(fd)) }); err != nil {
		return err
	}
	return ferr
}
