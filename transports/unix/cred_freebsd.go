package unix

import (
	"fmt"
	"net"

	xunix "golang.org/x/sys/unix"
)

// peerCredentials reads LOCAL_PEERCRED, what getpeereid uses. FreeBSD keeps
// the peer's pid in a union that x/sys does not expose, so PID is 0.
func peerCredentials(c *net.UnixConn) (Credentials, error) {
	var cred Credentials
	err := control(c, func(fd int) error {
		x, err := xunix.GetsockoptXucred(fd, xunix.SOL_LOCAL, xunix.LOCAL_PEERCRED)
		if err != nil {
			return err
		}
		cred = fromXucred(x)
		return nil
	})
	if err != nil {
		return Credentials{}, fmt.Errorf("unix: peer credentials: %w", err)
	}
	return cred, nil
}
