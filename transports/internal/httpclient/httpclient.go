// Package httpclient builds the *http.Transport that every transport
// package hands to Go's net/http client, so that all of them behave alike
// (they were five hand-built copies that disagreed, e.g. on
// ExpectContinueTimeout).
package httpclient

import (
	"context"
	"net"
	"net/http"
	"time"
)

// The limits of http.DefaultTransport, so that a client reaching tophat
// over any transport pools and waits as Go users expect of it. Every
// request goes to one address, so the per-host limits are the real ones.
const (
	MaxIdleConns          = 100
	IdleConnTimeout       = 90 * time.Second
	TLSHandshakeTimeout   = 10 * time.Second
	ExpectContinueTimeout = 1 * time.Second
)

// New returns an *http.Transport that opens every connection with dial,
// whatever host the request URL names (the host still goes out in the Host
// header). It uses no proxy: one from the environment would receive
// requests meant for the fixed address. It speaks HTTP/1.1, which is what
// tophat serves.
func New(dial func(ctx context.Context, addr string) (net.Conn, error)) *http.Transport {
	return &http.Transport{
		DialContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
			return dial(ctx, addr)
		},
		MaxIdleConns:          MaxIdleConns,
		IdleConnTimeout:       IdleConnTimeout,
		TLSHandshakeTimeout:   TLSHandshakeTimeout,
		ExpectContinueTimeout: ExpectContinueTimeout,
	}
}
