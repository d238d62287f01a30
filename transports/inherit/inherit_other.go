//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package inherit

import "net"

func readEnv() (inheritance, error) { return inheritance{readyFD: -1}, ErrUnsupported }

func listenFD(Socket) (net.Listener, error) { return nil, ErrUnsupported }

const supported = false
