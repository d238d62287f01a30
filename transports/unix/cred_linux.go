package unix

import (
	"fmt"
	"net"

	xunix "golang.org/x/sys/unix"
)

// peerCredentials reads SO_PEERCRED, which Linux fills in at connect.
func peerCredentials(c *net.UnixConn) (Credentials, error) {
	var ucred *xunix.Ucred
	err := control(c, func(fd int) (err error) {
		ucred, err = xunix.GetsockoptUcred(fd, xunix.SOL_SOCKET, xunix.SO_PEERCRED)
		return err
	})
	if err != nil {
		return Credentials{}, fmt.Errorf("unix: peer credentials: %w", err)
	}
	return Credentials{UID: ucred.Uid, GID: ucred.Gid, PID: ucred.Pid}, nil
}
