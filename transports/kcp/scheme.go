package kcp

import (
	"context"
	"net"
	"net/url"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports"
)

// Importing this package registers the kcp:// scheme with package
// transports, as importing a database/sql driver registers it; a program
// that never imports it never links kcp-go. The address's query parameters
// are those of ParseQuery, applied over the *Config found in
// transports.Options.Configs.
func init() {
	transports.Register(transports.Scheme{
		Name:       "kcp",
		Syntax:     "kcp://HOST:PORT",
		HostPort:   true,
		ListenAddr: true,
		Params:     QueryParams(),
		Secret:     []string{"key"},
		Parse: func(location string, q url.Values) (string, error) {
			_, err := schemeConfig(q, nil)
			return location, err
		},
		Listen: func(a *transports.Address, o *transports.Options) (core.Listener, error) {
			cfg, err := schemeConfig(a.Query, o)
			if err != nil {
				return nil, err
			}
			return Listen(a.Location, cfg)
		},
		Dialer: func(a *transports.Address, o *transports.Options) (*transports.Dialer, error) {
			cfg, err := schemeConfig(a.Query, o)
			if err != nil {
				return nil, err
			}
			s, err := cfg.resolve()
			if err != nil {
				return nil, err
			}
			block, err := newBlockCrypt(s.key) // derived once, not per dial
			if err != nil {
				return nil, err
			}
			return &transports.Dialer{
				Dial: func(ctx context.Context) (net.Conn, error) {
					c, err := dial(ctx, a.Location, s, block)
					if err != nil {
						return nil, err // not a nil *Conn inside net.Conn
					}
					return c, nil
				},
				IdleConnTimeout: clientIdleTimeout(s.idleTimeout),
				Silence:         "is the server running, with the same key as this client?",
			}, nil
		},
	})
}

// schemeConfig applies the kcp parameters of q over the *Config in o.
func schemeConfig(q url.Values, o *transports.Options) (*Config, error) {
	var c Config
	if base := transports.FindConfig[*Config](o); base != nil {
		c = *base
	}
	if err := c.applyQuery(q); err != nil {
		return nil, err
	}
	return &c, nil
}
