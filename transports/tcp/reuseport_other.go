//go:build !linux

package tcp

import "syscall"

// SO_REUSEPORT exists on the BSDs too, but without Linux's load balancing
// between the sockets, which is what ReusePort is for.
const reusePortSupported = false

func setReusePort(_, _ string, _ syscall.RawConn) error { return ErrReusePortUnsupported }
