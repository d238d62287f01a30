package transports

import (
	"context"
	"net"
	"net/http"

	"github.com/tophat-go/tophat/transports/kcp"
	"github.com/tophat-go/tophat/transports/pipe"
	"github.com/tophat-go/tophat/transports/tcp"
	"github.com/tophat-go/tophat/transports/tls"
	"github.com/tophat-go/tophat/transports/unix"
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
	dial, err := a.dialer(opts)
	if err != nil {
		return nil, err
	}
	if !a.TLS {
		return dial(ctx)
	}
	tc, err := a.tlsClientConfig(opts)
	if err != nil {
		return nil, err
	}
	return tls.Dial(ctx, dial, tc)
}

// Transport returns an *http.Transport that reaches the server at address
// for every request, whatever host the request URL names, so
//
//	t, err := transports.Transport("unix:///run/app.sock", nil)
//	resp, err := (&http.Client{Transport: t}).Get("http://app/status")
//
// works for every transport. For a tls+ address the requests go over TLS
// whether the URL says http or https. Call CloseIdleConnections when done.
func Transport(address string, opts *Options) (*http.Transport, error) {
	a, err := ParseAddress(address)
	if err != nil {
		return nil, err
	}
	if a.Network == networkPipe && a.Location == "" {
		return nil, noPipeName(a)
	}
	if !a.TLS {
		switch a.Network {
		case networkTCP:
			return tcp.Transport(a.Location, a.tcpConfig(opts)), nil
		case networkUnix:
			return unix.Transport(a.Location, a.unixConfig(opts)), nil
		case networkKCP:
			cfg, err := a.kcpConfig(opts)
			if err != nil {
				return nil, err
			}
			return kcp.Transport(a.Location, cfg), nil
		default:
			return pipe.Transport(a.Location, a.pipeConfig(opts)), nil
		}
	}
	dial, err := a.dialer(opts)
	if err != nil {
		return nil, err
	}
	tc, err := a.tlsClientConfig(opts)
	if err != nil {
		return nil, err
	}
	t := tls.Transport(dial, tc)
	if a.Network == networkKCP {
		// As kcp.Transport does: the server forgets a silent session
		// without telling the client, so an idle connection must be retired
		// before the server's idle timeout (assumed equal to ours) ends it.
		cfg, _ := a.kcpConfig(opts) // checked by dialer
		idle := cfg.IdleTimeout
		if idle <= 0 {
			idle = kcp.DefaultIdleTimeout
		}
		t.IdleConnTimeout = idle / 2
	}
	return t, nil
}

// dialer returns a function that opens a plain stream to the address.
func (a *Address) dialer(opts *Options) (func(context.Context) (net.Conn, error), error) {
	switch a.Network {
	case networkTCP:
		cfg := a.tcpConfig(opts)
		return func(ctx context.Context) (net.Conn, error) { return tcp.Dial(ctx, a.Location, cfg) }, nil
	case networkUnix:
		cfg := a.unixConfig(opts)
		return func(ctx context.Context) (net.Conn, error) { return unix.Dial(ctx, a.Location, cfg) }, nil
	case networkKCP:
		cfg, err := a.kcpConfig(opts)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context) (net.Conn, error) { return kcp.Dial(ctx, a.Location, cfg) }, nil
	default:
		if a.Location == "" {
			return nil, noPipeName(a)
		}
		cfg := a.pipeConfig(opts)
		return func(ctx context.Context) (net.Conn, error) { return pipe.Dial(ctx, a.Location, cfg) }, nil
	}
}

func noPipeName(a *Address) error {
	return &AddressError{Address: a.String(), Err: ErrInvalidAddress,
		Reason: "a pipe without a name can be listened on (a fresh name is chosen) but not dialed; want pipe://NAME"}
}
