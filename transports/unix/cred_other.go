//go:build !linux && !darwin && !freebsd

package unix

import (
	"errors"
	"fmt"
	"net"
	"runtime"
)

// peerCredentials reports that this system offers no way to ask, or none
// this package implements (Windows has none for AF_UNIX).
func peerCredentials(*net.UnixConn) (Credentials, error) {
	return Credentials{}, fmt.Errorf("%w: not available on %s (%w)", ErrNoCredentials, runtime.GOOS, errors.ErrUnsupported)
}
