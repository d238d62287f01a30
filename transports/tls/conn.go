package tls

import (
	"context"
	stdtls "crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

// Conn is a server-side TLS stream handed out by Listener.Accept. The
// handshake has not run when Accept returns it: the first Read or Write runs
// it, bounded by the listener's handshake timeout, so the cost lands on the
// goroutine serving this stream and nowhere else.
//
// Every method of *crypto/tls.Conn is available, notably ConnectionState,
// CloseWrite and the deadline methods. ConnectionState reports
// HandshakeComplete false until the handshake has finished.
type Conn struct {
	*stdtls.Conn

	handshakeTimeout time.Duration // zero: no bound beyond deadlines
	handshakeOnce    sync.Once
	handshakeErr     error // written once inside handshakeOnce
}

var _ net.Conn = (*Conn)(nil)

// BackgroundReadable reports whether the stream under the TLS session may
// have its deadlines changed while another goroutine reads (see package
// core's Options.Go): a TLS session's deadlines are its stream's.
func (c *Conn) BackgroundReadable() bool {
	if b, ok := c.Conn.NetConn().(interface{ BackgroundReadable() bool }); ok {
		return b.BackgroundReadable()
	}
	return true
}

// Read runs the handshake if it has not run yet, then reads decrypted data.
func (c *Conn) Read(p []byte) (int, error) {
	if err := c.handshake(); err != nil {
		return 0, err
	}
	return c.Conn.Read(p)
}

// Write runs the handshake if it has not run yet, then writes p encrypted.
func (c *Conn) Write(p []byte) (int, error) {
	if err := c.handshake(); err != nil {
		return 0, err
	}
	return c.Conn.Write(p)
}

// Handshake runs the handshake now, under the same timeout as a first Read
// or Write would. It is safe to call more than once; later calls return the
// first result.
func (c *Conn) Handshake() error {
	return c.handshake()
}

func (c *Conn) handshake() error {
	c.handshakeOnce.Do(func() { c.handshakeErr = c.runHandshake() })
	return c.handshakeErr
}

func (c *Conn) runHandshake() error {
	ctx := context.Background()
	if c.handshakeTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.handshakeTimeout)
		defer cancel()
	}
	// On expiry crypto/tls closes the inner connection itself, which is what
	// frees the goroutine blocked reading from a silent client.
	err := c.Conn.HandshakeContext(ctx)
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return ErrHandshakeTimeout
	case err != nil:
		return err
	case c.Conn.ConnectionState().NegotiatedProtocol == protoACME:
		// RFC 8737: once a TLS-ALPN-01 handshake is done, no application
		// data follows. io.EOF makes the server close the stream quietly.
		return io.EOF
	}
	return nil
}
