package transports

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/tophat-go/tophat/transports/internal/httpclient"
	"github.com/tophat-go/tophat/transports/tls"
)

// Dial connects to the server at address with the transport it names; for a
// tls+ address it also runs the client handshake, trusting the roots that
// Options and the cafile parameter give (see Options.RootCAs) and checking
// the name described at Options. opts may be nil. "pipe://" without a name
// cannot be dialed.
func Dial(ctx context.Context, address string, opts *Options) (net.Conn, error) {
	a, err := ParseAddress(address)
	if err != nil {
		return nil, err
	}
	d, err := lookupScheme(a.Network).Dialer(a, opts)
	if err != nil {
		return nil, err
	}
	if !a.TLS {
		return d.Dial(ctx)
	}
	tc, err := a.tlsClientConfig(opts)
	if err != nil {
		return nil, err
	}
	c, err := tls.Dial(ctx, d.Dial, tc)
	if err != nil {
		if d.Silence != "" && errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("transports: TLS handshake with %s got no answer: %w; %s", a.Redacted(), err, d.Silence)
		}
		return nil, err
	}
	return c, nil
}

// Transport returns an *http.Transport that reaches the server at address
// for every request, whatever host the request URL names, so
//
//	t, err := transports.Transport("unix:///run/app.sock", nil)
//	resp, err := (&http.Client{Transport: t}).Get("http://app/status")
//
// works for every transport. For a tls+ address the requests go over TLS
// whether the URL says http or https. It pools as http.DefaultTransport does
// and uses no proxy. Call CloseIdleConnections when done.
func Transport(address string, opts *Options) (*http.Transport, error) {
	a, err := ParseAddress(address)
	if err != nil {
		return nil, err
	}
	d, err := lookupScheme(a.Network).Dialer(a, opts)
	if err != nil {
		return nil, err
	}
	var t *http.Transport
	if a.TLS {
		tc, err := a.tlsClientConfig(opts)
		if err != nil {
			return nil, err
		}
		t = tls.Transport(d.Dial, tc)
	} else {
		t = httpclient.New(func(ctx context.Context, _ string) (net.Conn, error) { return d.Dial(ctx) })
	}
	if d.IdleConnTimeout > 0 {
		t.IdleConnTimeout = d.IdleConnTimeout
	}
	return t, nil
}
