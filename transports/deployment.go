package transports

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports/inherit"
	"github.com/tophat-go/tophat/transports/proxyproto"
	"github.com/tophat-go/tophat/transports/tcp"
	"github.com/tophat-go/tophat/transports/unix"
)

// The schemes for deployments: sockets inherited from systemd or from the
// process a restart replaced (fd://, systemd://), and TCP and Unix sockets
// behind a load balancer that sends the PROXY protocol (proxy+tcp://,
// proxy+unix://). Their packages use the standard library alone, so every
// program has them.
func init() {
	Register(Scheme{
		Name:   "fd",
		Syntax: "fd://N",
		Parse: func(location string, _ url.Values) (string, error) {
			n, err := strconv.Atoi(location)
			if err != nil || n < 3 || strconv.Itoa(n) != location {
				return "", fmt.Errorf("descriptor %q is not a number from 3 up (0 to 2 are stdin, stdout and stderr); want fd://3", location)
			}
			return location, nil
		},
		Listen: func(a *Address, _ *Options) (core.Listener, error) {
			n, _ := strconv.Atoi(a.Location) // checked by Parse
			return inherit.ListenFD(n)
		},
		Dialer: inheritedDialer,
	})
	Register(Scheme{
		Name:   "systemd",
		Syntax: "systemd://NAME",
		Parse: func(location string, _ url.Values) (string, error) {
			name, err := url.PathUnescape(location)
			if err != nil || name == "" || strings.ContainsAny(name, ":/") {
				return "", fmt.Errorf("socket name %q is not a FileDescriptorName=; want systemd://web", location)
			}
			return name, nil
		},
		Listen: func(a *Address, _ *Options) (core.Listener, error) {
			return inherit.ListenName(a.Location)
		},
		Dialer: inheritedDialer,
	})
	proxyParams := []string{"proxytimeout", "proxytrusted"}
	Register(Scheme{
		Name:       "proxy+tcp",
		Syntax:     "proxy+tcp://HOST:PORT",
		HostPort:   true,
		ListenAddr: true,
		Params:     append([]string{"keepalive", "reuseport"}, proxyParams...),
		Parse: func(location string, q url.Values) (string, error) {
			if _, err := tcpConfig(q, nil); err != nil {
				return "", err
			}
			_, err := proxyConfig(q, nil)
			return location, err
		},
		Listen: func(a *Address, o *Options) (core.Listener, error) {
			cfg, _ := tcpConfig(a.Query, o) // checked by Parse
			inner, err := tcp.Listen(a.Location, cfg)
			if err != nil {
				return nil, err
			}
			return wrapProxy(inner, a, o)
		},
		Dialer: func(a *Address, o *Options) (*Dialer, error) {
			cfg, _ := tcpConfig(a.Query, o)
			return &Dialer{Dial: func(ctx context.Context) (net.Conn, error) {
				return proxiedDial(tcp.Dial(ctx, a.Location, cfg))
			}}, nil
		},
	})
	Register(Scheme{
		Name:   "proxy+unix",
		Syntax: "proxy+unix:///PATH",
		Params: append([]string{"mode"}, proxyParams...),
		Parse: func(location string, q url.Values) (string, error) {
			p, err := parseUnix(location, q)
			if err != nil {
				return "", err
			}
			_, err = proxyConfig(q, nil)
			return p, err
		},
		Listen: func(a *Address, o *Options) (core.Listener, error) {
			cfg, _ := unixConfig(a.Query, o)
			inner, err := unix.Listen(a.Location, cfg)
			if err != nil {
				return nil, err
			}
			return wrapProxy(inner, a, o)
		},
		Dialer: func(a *Address, o *Options) (*Dialer, error) {
			cfg, _ := unixConfig(a.Query, o)
			return &Dialer{Dial: func(ctx context.Context) (net.Conn, error) {
				return proxiedDial(unix.Dial(ctx, a.Location, cfg))
			}}, nil
		},
	})
}

// inheritedDialer refuses to dial fd:// and systemd:// addresses, which name
// a socket only this process holds.
func inheritedDialer(a *Address, _ *Options) (*Dialer, error) {
	return nil, &AddressError{Address: a.String(), Err: ErrInvalidAddress,
		Reason: "an inherited socket can be listened on, not dialed; dial the address it was opened on (tcp://HOST:PORT or unix:///PATH)"}
}

// proxyConfig returns the *proxyproto.Config of Options.Configs with the
// address's proxytimeout and proxytrusted (comma-separated CIDRs) applied.
func proxyConfig(q url.Values, o *Options) (*proxyproto.Config, error) {
	var c proxyproto.Config
	if base := FindConfig[*proxyproto.Config](o); base != nil {
		c = *base
	}
	if v := q.Get("proxytimeout"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("proxytimeout=%q: want a positive duration such as 5s", v)
		}
		c.HeaderTimeout = d
	}
	if v := q.Get("proxytrusted"); v != "" {
		c.Trusted = nil
		for _, s := range strings.Split(v, ",") {
			p, err := netip.ParsePrefix(s)
			if err != nil {
				return nil, fmt.Errorf("proxytrusted=%q: %q is not a network such as 10.0.0.0/8", v, s)
			}
			c.Trusted = append(c.Trusted, p)
		}
	}
	return &c, nil
}

func wrapProxy(inner core.Listener, a *Address, o *Options) (core.Listener, error) {
	cfg, _ := proxyConfig(a.Query, o)
	if cfg.Logger == nil {
		cfg.Logger = o.logger()
	}
	l, err := proxyproto.Wrap(inner, cfg)
	if err != nil {
		inner.Close()
		return nil, err
	}
	return l, nil
}

// proxiedDial sends, on a new connection, the version 2 header a load
// balancer would: the connection's own addresses, so that the server sees
// this client as it is. It lets Dial and Transport reach proxy+ addresses
// the way a proxy would, for tests and health checks.
func proxiedDial(c net.Conn, err error) (net.Conn, error) {
	if err != nil {
		return nil, err
	}
	h := proxyproto.Header{Source: c.LocalAddr(), Destination: c.RemoteAddr()}
	b, err := h.AppendBinary(nil)
	if err != nil {
		// Addresses the header cannot carry (an unnamed Unix client):
		// PROXY with the UNSPEC family, which keeps the socket's own.
		b, _ = (&proxyproto.Header{}).AppendBinary(nil)
	}
	if _, err := c.Write(b); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}
