package tls

import "errors"

// Errors returned by this package. Errors from crypto/tls and the inner
// transport are passed on unchanged or wrapped with %w.
var (
	// ErrNoCertificate is returned by Wrap and Listen when the Config names
	// no certificate source: no TLSConfig certificates, GetCertificate or
	// GetConfigForClient, no CertFile and no Autocert. SelfSigned makes one
	// for development.
	ErrNoCertificate = errors.New("tls: no certificate configured")

	// ErrInvalidConfig is wrapped by errors for a Config that cannot work,
	// such as a CertFile without a KeyFile.
	ErrInvalidConfig = errors.New("tls: invalid configuration")

	// ErrNotNetConn is wrapped by Accept when the inner listener hands out a
	// stream that is not a net.Conn. crypto/tls needs a net.Conn, and every
	// stream of a given transport has the same type, so this is a wiring
	// mistake: the error is neither temporary nor a timeout and ends
	// Server.Serve rather than failing each connection in turn.
	ErrNotNetConn = errors.New("tls: inner stream is not a net.Conn")

	// ErrHandshakeTimeout is returned by the first Read or Write of a server
	// stream whose client did not finish the handshake within
	// Config.HandshakeTimeout. The stream's transport is closed by then. It
	// is a net.Error whose Timeout method reports true.
	ErrHandshakeTimeout error = &timeoutError{msg: "tls: handshake timed out"}

	// ErrNilListener is returned by Wrap when the inner listener is nil.
	ErrNilListener = errors.New("tls: nil inner listener")

	// ErrNilDial is returned by Dial, and by the dialers of Transport, when
	// the dial function is nil.
	ErrNilDial = errors.New("tls: nil dial function")
)

// timeoutError is a net.Error, so callers that look for Timeout() treat an
// abandoned handshake like any other deadline.
type timeoutError struct{ msg string }

func (e *timeoutError) Error() string   { return e.msg }
func (e *timeoutError) Timeout() bool   { return true }
func (e *timeoutError) Temporary() bool { return true }
