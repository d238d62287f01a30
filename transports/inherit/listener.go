package inherit

import (
	"fmt"
	"io"
	"net"
	"os"
	"sync"

	"github.com/tophat-go/tophat/core"
)

// A Listener serves an inherited socket, or one this process created and
// may hand over, to core.Server. Its streams are the *net.TCPConn or
// *net.UnixConn values of the socket, so the core finds deadlines,
// addresses and CloseWrite on them and transports/tls can wrap it.
type Listener struct {
	ln   net.Listener // *net.TCPListener or *net.UnixListener
	name string
}

var _ core.Listener = (*Listener)(nil)

// Wrap makes a Listener of a socket this process created, so that
// Handover can pass it on under name. ln must be a *net.TCPListener or a
// *net.UnixListener. Closing the Listener closes ln.
func Wrap(name string, ln net.Listener) (*Listener, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	switch ln.(type) {
	case *net.TCPListener, *net.UnixListener:
	default:
		return nil, fmt.Errorf("%w: %T", ErrUnsupportedSocket, ln)
	}
	return &Listener{ln: ln, name: name}, nil
}

// Accept waits for the next connection. After Close it returns an error
// matching net.ErrClosed.
func (l *Listener) Accept() (io.ReadWriteCloser, error) {
	c, err := l.ln.Accept()
	if err != nil {
		return nil, err // not a typed nil in the interface
	}
	return c, nil
}

// AcceptConn is Accept for callers that want a net.Conn, such as a TLS
// wrapper.
func (l *Listener) AcceptConn() (net.Conn, error) { return l.ln.Accept() }

// Close stops this process listening. The socket lives on in any other
// process that holds it (the one a Handover started, or systemd). The file
// of an inherited Unix socket is never removed here: systemd owns it, or,
// after a handover, no process knows whether it is the last to serve it,
// so the last one leaves it behind and the next fresh start must replace
// it (transports/unix replaces such a stale socket). A socket this process
// created and passed to Wrap keeps its file until Close unless it was
// handed over.
func (l *Listener) Close() error { return l.ln.Close() }

// Addr returns the socket's address.
func (l *Listener) Addr() net.Addr { return l.ln.Addr() }

// Name returns the socket's name: its LISTEN_FDNAMES entry, or the name
// given to Wrap.
func (l *Listener) Name() string { return l.name }

// Unwrap returns the net.Listener.
func (l *Listener) Unwrap() net.Listener { return l.ln }

// file returns a duplicate of the socket's descriptor for a child process.
func (l *Listener) file() (*os.File, error) {
	type filer interface{ File() (*os.File, error) }
	return l.ln.(filer).File()
}

// keepFile stops a Unix socket's file being removed when this process
// closes its listener, since another process now serves it.
func (l *Listener) keepFile() {
	if ul, ok := l.ln.(*net.UnixListener); ok {
		ul.SetUnlinkOnClose(false)
	}
}

// The sockets this process inherited, read from the environment once.
var (
	inheritOnce sync.Once
	inherited   inheritance
	inheritErr  error

	mu      sync.Mutex
	claimed = map[int]bool{}
)

// Sockets returns the sockets passed to this process, by systemd's socket
// activation (LISTEN_PID, LISTEN_FDS, LISTEN_FDNAMES) or by a Handover, in
// descriptor order; none when the variables are absent or meant for
// another process. The first call reads the variables and removes them
// from the environment, so that child processes do not take the sockets
// for theirs (as sd_listen_fds(1) does), and marks the descriptors
// close-on-exec; later calls return the same sockets.
func Sockets() ([]Socket, error) {
	inheritOnce.Do(func() {
		inherited, inheritErr = readEnv()
	})
	return append([]Socket(nil), inherited.sockets...), inheritErr
}

// ListenFD returns a Listener for the inherited descriptor fd (3 or more).
// The descriptor must have been passed to this process (see Sockets), be
// a listening TCP or Unix stream socket, and not have been taken already.
func ListenFD(fd int) (*Listener, error) {
	sockets, err := Sockets()
	if err != nil {
		return nil, err
	}
	for _, s := range sockets {
		if s.FD == fd {
			return claim(s)
		}
	}
	return nil, fmt.Errorf("%w: descriptor %d %s", ErrNotInherited, fd, describe(sockets))
}

// ListenName returns a Listener for the inherited socket named name in
// LISTEN_FDNAMES (systemd's FileDescriptorName=, by default the name of the
// .socket unit). Exactly one inherited socket must have that name.
func ListenName(name string) (*Listener, error) {
	sockets, err := Sockets()
	if err != nil {
		return nil, err
	}
	var found []Socket
	for _, s := range sockets {
		if s.Name == name {
			found = append(found, s)
		}
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("%w: name %q %s", ErrNotInherited, name, describe(sockets))
	case 1:
		return claim(found[0])
	}
	return nil, fmt.Errorf("%w: %q names descriptors %d and %d; give each ListenStream= its own FileDescriptorName= or use fd://N", ErrAmbiguous, name, found[0].FD, found[1].FD)
}

func describe(sockets []Socket) string {
	if len(sockets) == 0 {
		return "(this process inherited no sockets: LISTEN_FDS is unset or meant for another process)"
	}
	s := "(inherited:"
	for _, k := range sockets {
		s += fmt.Sprintf(" %d=%s", k.FD, k.Name)
	}
	return s + ")"
}

func claim(s Socket) (*Listener, error) {
	mu.Lock()
	defer mu.Unlock()
	if claimed[s.FD] {
		return nil, fmt.Errorf("%w: descriptor %d (%s)", ErrInUse, s.FD, s.Name)
	}
	ln, err := listenFD(s)
	if err != nil {
		return nil, err
	}
	claimed[s.FD] = true
	return &Listener{ln: ln, name: s.Name}, nil
}
