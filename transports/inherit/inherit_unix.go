//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package inherit

import (
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
)

func readEnv() (inheritance, error) {
	in, err := parseEnv(os.LookupEnv, os.Getpid(), os.Getppid())
	for _, k := range []string{envPID, envFDs, envNames, envParentPID, envReadyFD} {
		os.Unsetenv(k)
	}
	if err != nil {
		return in, err
	}
	// Inherited descriptors arrive without close-on-exec; they must not
	// leak into children this process starts (Handover passes them on
	// explicitly).
	for _, s := range in.sockets {
		syscall.CloseOnExec(s.FD)
	}
	if in.readyFD >= 0 {
		syscall.CloseOnExec(in.readyFD)
	}
	return in, nil
}

// listenFD checks that s is a listening socket, then turns it into a
// net.Listener. The net package works on a duplicate, so the original
// descriptor is closed.
func listenFD(s Socket) (net.Listener, error) {
	accepting, err := syscall.GetsockoptInt(s.FD, syscall.SOL_SOCKET, syscall.SO_ACCEPTCONN)
	switch {
	case errors.Is(err, syscall.ENOTSOCK):
		return nil, fmt.Errorf("%w: descriptor %d (%s)", ErrNotSocket, s.FD, s.Name)
	case errors.Is(err, syscall.EBADF):
		return nil, fmt.Errorf("%w: descriptor %d (%s) is not open", ErrNotInherited, s.FD, s.Name)
	case err != nil:
		return nil, fmt.Errorf("inherit: descriptor %d (%s): %w", s.FD, s.Name, err)
	case accepting == 0:
		return nil, fmt.Errorf("%w: descriptor %d (%s)", ErrNotListening, s.FD, s.Name)
	}
	f := os.NewFile(uintptr(s.FD), s.Name)
	ln, err := net.FileListener(f)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("%w: descriptor %d (%s): %w", ErrUnsupportedSocket, s.FD, s.Name, err)
	}
	switch ln.(type) {
	case *net.TCPListener, *net.UnixListener:
		return ln, nil
	}
	ln.Close()
	return nil, fmt.Errorf("%w: descriptor %d (%s) is %T", ErrUnsupportedSocket, s.FD, s.Name, ln)
}

const supported = true
