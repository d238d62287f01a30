package transports

import (
	"io"
	"net"

	"github.com/tophat-go/tophat/core"
)

// A NetListener serves the connections of any net.Listener to a
// core.Server: one that a library hands out (tsnet, a QUIC stream listener,
// a listener inherited from a parent process), one wrapped by other
// middleware, or one a test builds. Its streams are the net.Conn values the
// listener returns, so the core finds deadlines, addresses, CloseWrite and
// TLS state on them as it would on this module's own transports.
//
// Accept, Close and Addr are those of the net.Listener; after Close, Accept
// returns the listener's own error, which for the standard library's
// listeners matches net.ErrClosed as core.Server expects.
type NetListener struct {
	ln net.Listener
}

var _ core.Listener = (*NetListener)(nil)

// FromNetListener adapts ln to core.Listener. It takes ln over: closing the
// NetListener closes ln.
func FromNetListener(ln net.Listener) *NetListener {
	return &NetListener{ln: ln}
}

// Accept waits for the next connection of the net.Listener.
func (l *NetListener) Accept() (io.ReadWriteCloser, error) { return l.ln.Accept() }

// AcceptConn is Accept for callers that want the net.Conn, such as a TLS
// wrapper.
func (l *NetListener) AcceptConn() (net.Conn, error) { return l.ln.Accept() }

// Close closes the net.Listener.
func (l *NetListener) Close() error { return l.ln.Close() }

// Addr returns the net.Listener's address.
func (l *NetListener) Addr() net.Addr { return l.ln.Addr() }

// Unwrap returns the net.Listener.
func (l *NetListener) Unwrap() net.Listener { return l.ln }
