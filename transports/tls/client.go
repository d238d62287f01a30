package tls

import (
	"context"
	stdtls "crypto/tls"
	"net"
	"net/http"
	"slices"

	"github.com/tophat-go/tophat/transports/internal/httpclient"
)

// clientTLSConfig copies cfg with the package's defaults: TLS 1.2 at least
// and ALPN "http/1.1" unless the caller chose protocols.
func clientTLSConfig(cfg *stdtls.Config) (*stdtls.Config, error) {
	tc := &stdtls.Config{}
	if cfg != nil {
		tc = cfg.Clone()
		tc.NextProtos = slices.Clone(tc.NextProtos)
	}
	if err := applyVersionFloor(tc); err != nil {
		return nil, err
	}
	if len(tc.NextProtos) == 0 {
		tc.NextProtos = []string{protoHTTP1}
	}
	return tc, nil
}

// Client returns the client side of a TLS stream over conn, with cfg's
// settings plus this package's defaults (TLS 1.2 minimum, ALPN "http/1.1").
// The handshake runs on first use, or call HandshakeContext. cfg must name
// the server (ServerName) unless it sets InsecureSkipVerify. A cfg whose
// MaxVersion is below TLS 1.2 is rejected with ErrInvalidConfig.
func Client(conn net.Conn, cfg *stdtls.Config) (*stdtls.Conn, error) {
	tc, err := clientTLSConfig(cfg)
	if err != nil {
		return nil, err
	}
	return stdtls.Client(conn, tc), nil
}

// Dial connects with dial and performs the client handshake over the result,
// bounded by ctx. On failure the dialed connection is closed.
func Dial(ctx context.Context, dial func(ctx context.Context) (net.Conn, error), cfg *stdtls.Config) (*stdtls.Conn, error) {
	if dial == nil {
		return nil, ErrNilDial
	}
	tc, err := clientTLSConfig(cfg)
	if err != nil {
		return nil, err
	}
	conn, err := dial(ctx)
	if err != nil {
		return nil, err
	}
	c := stdtls.Client(conn, tc)
	if err := c.HandshakeContext(ctx); err != nil {
		_ = conn.Close()
		return nil, err
	}
	return c, nil
}

// Transport returns an *http.Transport that reaches a TLS server through
// dial, whatever host the URL names, and speaks HTTP/1.1 over TLS.
//
// The certificate is checked against cfg.ServerName or, if that is empty,
// against the URL's host, so with ServerName set any URL host works. The
// server at the other end speaks only TLS, so http:// URLs are sent over TLS
// as well; use https:// to have Response.TLS filled in. It pools as
// http.DefaultTransport does and uses no proxy.
func Transport(dial func(ctx context.Context) (net.Conn, error), cfg *stdtls.Config) *http.Transport {
	cfg = cfg.Clone() // later changes by the caller must not reach live dials
	dialTLS := func(ctx context.Context, addr string) (net.Conn, error) {
		tc := cfg
		if cfg == nil || cfg.ServerName == "" {
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				host = addr
			}
			if cfg != nil {
				tc = cfg.Clone()
			} else {
				tc = &stdtls.Config{}
			}
			tc.ServerName = host
		}
		return Dial(ctx, dial, tc)
	}
	t := httpclient.New(dialTLS)
	// https URLs too: the stream is TLS already, whatever the URL says.
	t.DialTLSContext = t.DialContext
	return t
}
