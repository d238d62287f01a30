package tls

import (
	stdtls "crypto/tls"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports/internal/wrapping"
)

// Listener hands out server-side TLS streams over the streams of an inner
// listener. It satisfies core.Listener.
type Listener struct {
	inner            core.Listener
	config           *stdtls.Config
	handshakeTimeout time.Duration
	closed           atomic.Bool
}

var _ core.Listener = (*Listener)(nil)

// Wrap returns a Listener that serves TLS over the streams of inner, which
// must be net.Conn values. A nil cfg, or one without a certificate source,
// gives ErrNoCertificate. Certificate files are read now. Closing the
// returned Listener closes inner.
func Wrap(inner core.Listener, cfg *Config) (*Listener, error) {
	if inner == nil {
		return nil, ErrNilListener
	}
	tc, err := cfg.serverTLSConfig()
	if err != nil {
		return nil, err
	}
	return &Listener{inner: inner, config: tc, handshakeTimeout: cfg.handshakeTimeout()}, nil
}

// Listen is a shortcut for TLS over plain TCP with the standard library's
// socket defaults, listening on address (for example "127.0.0.1:8443").
// To choose socket options, wrap a listener from transports/tcp instead.
func Listen(address string, cfg *Config) (*Listener, error) {
	tc, err := cfg.serverTLSConfig()
	if err != nil {
		return nil, err
	}
	nl, err := net.Listen("tcp", address)
	if err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	return &Listener{inner: netListener{nl}, config: tc, handshakeTimeout: cfg.handshakeTimeout()}, nil
}

// Accept waits for the next stream of the inner listener and returns it as a
// *Conn, without running the handshake. After Close it returns an error
// matching net.ErrClosed. A stream that is not a net.Conn is closed and
// reported with an error wrapping ErrNotNetConn.
func (l *Listener) Accept() (io.ReadWriteCloser, error) {
	return l.AcceptConn()
}

// AcceptConn is Accept with the stream typed as a net.Conn; its dynamic type
// is *Conn.
func (l *Listener) AcceptConn() (net.Conn, error) {
	nc, err := wrapping.AcceptNetConn(l.inner, &l.closed, "tls", ErrNotNetConn)
	if err != nil {
		return nil, err
	}
	return &Conn{Conn: stdtls.Server(nc, l.config), handshakeTimeout: l.handshakeTimeout}, nil
}

// Close closes the inner listener; blocked and later Accept calls return an
// error matching net.ErrClosed. Streams already accepted stay open.
func (l *Listener) Close() error {
	l.closed.Store(true)
	return l.inner.Close()
}

// Addr returns the inner listener's address.
func (l *Listener) Addr() net.Addr {
	return l.inner.Addr()
}

// netListener lets Listen use a standard library listener as the inner
// core.Listener.
type netListener struct{ net.Listener }

func (l netListener) Accept() (io.ReadWriteCloser, error) {
	return l.Listener.Accept()
}
