package pipe

import (
	"context"
	"net"
	"net/http"

	"github.com/tophat-go/tophat/transports/internal/httpclient"
)

// Transport returns an *http.Transport that dials the Listener named name for
// every connection, whatever host the request URL names, so
// (&http.Client{Transport: pipe.Transport("app", nil)}).Get("http://app/x")
// reaches it without a socket. It speaks HTTP/1.1, uses no proxy and pools as
// http.DefaultTransport does, so a test reuses connections as a real client
// would. Like any
// http.Transport it keeps idle connections per URL host, so requests naming
// two hosts open two pipes. Call its CloseIdleConnections when done, or its
// idle pipes stay open.
func Transport(name string, cfg *Config) *http.Transport {
	var dialCfg Config
	if cfg != nil {
		dialCfg = *cfg // later changes to *cfg must not reach a running Transport
	}
	return httpclient.New(func(ctx context.Context, _ string) (net.Conn, error) {
		return Dial(ctx, name, &dialCfg)
	})
}

// Client returns an *http.Client whose requests reach this Listener, whatever
// host their URL names. Call its CloseIdleConnections when done.
func (l *Listener) Client() *http.Client {
	return &http.Client{Transport: Transport(string(l.name), &l.cfg)}
}
