package unix

import (
	"fmt"
	"net"

	xunix "golang.org/x/sys/unix"
)

// peerCredentials reads LOCAL_PEERCRED (what getpeereid uses) and
// LOCAL_PEERPID, which macOS fills in at connect.
func peerCredentials(c *net.UnixConn) (Credentials, error) {
	var cred Credentials
	err := control(c, func(fd int) error {
		x, err := xunix.GetsockoptXucred(fd, xunix.SOL_LOCAL, xunix.LOCAL_PEERCRED)
		if err != nil {
			return err
		}
		pid, err := xunix.GetsockoptInt(fd, xunix.SOL_LOCAL, xunix.LOCAL_PEERPID)
		if err != nil {
			return err
		}
		cred = fromXucred(x)
		cred.PID = int32(pid)
		return nil
	})
	if err != nil {
		return Credentials{}, fmt.Errorf("unix: peer credentials: %w", err)
	}
	return cred, nil
}
