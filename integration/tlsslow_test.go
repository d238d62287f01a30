package integration

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	tlstransport "github.com/tophat-go/tophat/transports/tls"
)

// lateReader delays its first Read, as a client at the far end of a long
// round trip sees the server's first flight late and answers late.
type lateReader struct {
	net.Conn
	delay time.Duration
	done  bool
}

func (c *lateReader) Read(p []byte) (int, error) {
	if !c.done {
		c.done = true
		time.Sleep(c.delay)
	}
	return c.Conn.Read(p)
}

// TestTLSSlowHandshake checks that a TLS client whose handshake takes
// longer than a few hundred milliseconds (a client that pauses before its
// ClientHello, or one at the end of a 300 ms round trip) is served: the
// handshake is bounded by the transport's 10 s handshake timeout, nothing
// shorter. (The core's 200 ms buffer-hold read deadline once applied to a
// stream's first read, which runs the handshake, and broke it for good.)
func TestTLSSlowHandshake(t *testing.T) {
	cert, err := devCert()
	if err != nil {
		t.Fatal(err)
	}
	cfg := cert.ClientConfig()
	cfg.ServerName = "localhost"
	for _, c := range []struct {
		name string
		wrap func(net.Conn) net.Conn
	}{
		{"pause-before-hello", func(c net.Conn) net.Conn { time.Sleep(300 * time.Millisecond); return c }},
		{"rtt-300ms", func(c net.Conn) net.Conn { return &lateReader{Conn: c, delay: 300 * time.Millisecond} }},
	} {
		t.Run(c.name, func(t *testing.T) {
			inner := tcpEndpoint(t)
			ep := tlsOver(t, inner)
			startHostile(t, ep, nil, nil)
			dial := func(ctx context.Context) (net.Conn, error) {
				conn, err := inner.dial(ctx)
				if err != nil {
					return nil, err
				}
				return c.wrap(conn), nil
			}
			tr := tlstransport.Transport(dial, cfg)
			defer tr.CloseIdleConnections()
			req, _ := http.NewRequest("GET", "https://localhost/hello", nil)
			resp, err := do(t, &http.Client{Transport: tr}, req, smallTimeout)
			if err != nil {
				t.Fatalf("a TLS client with a slow handshake was not served: %v", err)
			}
			wantBody(t, resp, 200, "hello")
		})
	}
}
