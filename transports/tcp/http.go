package tcp

import (
	"context"
	"net"
	"net/http"

	"github.com/tophat-go/tophat/transports/internal/httpclient"
)

// Transport returns an *http.Transport that connects to address for every
// request, whatever host the request URL names, so
// (&http.Client{Transport: tcp.Transport(addr, nil)}).Get("http://app/x")
// reaches the server at addr. It speaks HTTP/1.1 (HTTPS too, over TLS to that
// address), uses no proxy and pools as http.DefaultTransport does. Like any
// http.Transport it keeps idle connections per URL host, so requests naming
// two hosts open two connections. Call its CloseIdleConnections when done.
func Transport(address string, cfg *Config) *http.Transport {
	dialCfg := cfg.orDefault() // later changes to *cfg must not reach a running Transport
	return httpclient.New(func(ctx context.Context, _ string) (net.Conn, error) {
		return Dial(ctx, address, &dialCfg)
	})
}
