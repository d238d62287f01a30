package transports_test

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/tophat-go/tophat/transports"
	"github.com/tophat-go/tophat/transports/kcp"
	"github.com/tophat-go/tophat/transports/pipe"
	"github.com/tophat-go/tophat/transports/tcp"
	"github.com/tophat-go/tophat/transports/tls"
	"github.com/tophat-go/tophat/transports/unix"
)

// TestClientTransportsAgree: every way to get an *http.Transport pools,
// waits for 100-continue and avoids proxies alike; they were built by hand
// in five places and disagreed. Only KCP retires idle connections sooner,
// for the reason its package gives.
func TestClientTransportsAgree(t *testing.T) {
	noDial := func(context.Context) (net.Conn, error) { return nil, net.ErrClosed }
	mustTransport := func(address string) *http.Transport {
		tr, err := transports.Transport(address, nil)
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	for name, tr := range map[string]*http.Transport{
		"tcp":                         tcp.Transport("127.0.0.1:1", nil),
		"unix":                        unix.Transport("/tmp/x.sock", nil),
		"pipe":                        pipe.Transport("x", nil),
		"kcp":                         kcp.Transport("127.0.0.1:1", nil),
		"tls":                         tls.Transport(noDial, nil),
		"transports tcp://":           mustTransport("tcp://127.0.0.1:1"),
		"transports unix://":          mustTransport("unix:///tmp/x.sock"),
		"transports pipe://x":         mustTransport("pipe://x"),
		"transports kcp://":           mustTransport("kcp://127.0.0.1:1"),
		"transports tls+tcp://":       mustTransport("tls+tcp://127.0.0.1:1"),
		"transports tls+kcp://?idle=": mustTransport("tls+kcp://127.0.0.1:1?idle=1m"),
	} {
		idle := 90 * time.Second
		switch name {
		case "kcp", "transports kcp://":
			idle = kcp.DefaultIdleTimeout / 2
		case "transports tls+kcp://?idle=":
			idle = 30 * time.Second
		}
		if tr.MaxIdleConns != 100 || tr.IdleConnTimeout != idle || tr.ExpectContinueTimeout != time.Second ||
			tr.TLSHandshakeTimeout != 10*time.Second || tr.Proxy != nil || tr.ForceAttemptHTTP2 || tr.DialContext == nil {
			t.Errorf("%s: MaxIdleConns %d IdleConnTimeout %v (want %v) ExpectContinueTimeout %v TLSHandshakeTimeout %v "+
				"Proxy %v ForceAttemptHTTP2 %v", name, tr.MaxIdleConns, tr.IdleConnTimeout, idle, tr.ExpectContinueTimeout,
				tr.TLSHandshakeTimeout, tr.Proxy != nil, tr.ForceAttemptHTTP2)
		}
	}
}
