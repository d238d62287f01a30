package proxyproto

import (
	"errors"
	"fmt"
	"net"
)

// Errors reported by streams whose header could not be read, always inside
// a *HeaderError; test with errors.Is.
var (
	// ErrNoHeader reports a stream that does not start with a PROXY
	// protocol signature although its source must send one: a client that
	// reached the server directly, or a proxy not configured to send it.
	ErrNoHeader = errors.New("proxyproto: no PROXY protocol header")

	// ErrMalformed reports a header that starts with a signature but breaks
	// the protocol; the wrapping error says where.
	ErrMalformed = errors.New("proxyproto: malformed header")

	// ErrTooLong reports a header longer than Config.MaxHeaderBytes (or a
	// version 1 line longer than the 107 bytes the protocol allows).
	ErrTooLong = errors.New("proxyproto: header too long")

	// ErrUnsupported reports a well-formed version 2 header for a transport
	// this package cannot serve: datagrams (UDP, SOCK_DGRAM).
	ErrUnsupported = errors.New("proxyproto: unsupported protocol in header")

	// ErrHeaderTimeout reports a peer that did not send a whole header
	// within Config.HeaderTimeout. It is a net.Error whose Timeout() is
	// true.
	ErrHeaderTimeout error = timeoutError{}

	// ErrNotNetConn is returned by Accept when the inner listener hands out
	// a stream that is not a net.Conn; the stream is closed. TCP, Unix and
	// pipe streams are net.Conn values.
	ErrNotNetConn = errors.New("proxyproto: inner stream is not a net.Conn")

	// ErrNilListener is returned by Wrap for a nil inner listener.
	ErrNilListener = errors.New("proxyproto: nil inner listener")

	// ErrInvalidConfig is returned by Wrap for a Config with a value out of
	// range; the wrapping error names the field.
	ErrInvalidConfig = errors.New("proxyproto: invalid config")
)

type timeoutError struct{}

func (timeoutError) Error() string   { return "proxyproto: timeout reading header" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

var _ net.Error = timeoutError{}

// A HeaderError is what Read, Write, Header and the address methods of a
// Conn report when its header could not be read. The stream is closed by
// then. Proxy is the address of the peer that sent the bytes, so a log line
// tells a misconfigured proxy from a client that bypassed it.
type HeaderError struct {
	Proxy net.Addr
	Err   error // wraps one of the package's sentinels, or a read error
}

func (e *HeaderError) Error() string {
	return fmt.Sprintf("proxyproto: header from %v: %v", e.Proxy, trimPrefix(e.Err.Error()))
}

func (e *HeaderError) Unwrap() error { return e.Err }

// trimPrefix keeps "proxyproto: " from appearing twice in one message.
func trimPrefix(s string) string {
	const prefix = "proxyproto: "
	if len(s) > len(prefix) && s[:len(prefix)] == prefix {
		return s[len(prefix):]
	}
	return s
}
