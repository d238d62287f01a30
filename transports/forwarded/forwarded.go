// Package forwarded finds a request's client address behind HTTP reverse
// proxies, from the Forwarded header (RFC 7239) or X-Forwarded-For, and
// believes those headers only as far as they were written by proxies the
// program trusts.
//
// Any client can send these headers, so the zero Config trusts nobody and
// ClientAddr returns the socket's peer. With a list of trusted proxies,
// ClientAddr walks the chain from the nearest hop outwards and stops at the
// first address that is not a trusted proxy: that is the client. A proxy
// that must be trusted has to overwrite or append to the header, as nginx
// ("proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for") and
// HAProxy ("option forwardfor") do.
//
//	resolve, err := forwarded.New(forwarded.Config{
//		Trusted: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")},
//		Header:  forwarded.XForwardedFor,
//	})
//	...
//	client, ok := resolve.ClientAddr(req)
//
// Load balancers that speak the PROXY protocol instead (at the TCP level,
// for any protocol) are served by package
// github.com/tophat-go/tophat/transports/proxyproto, which changes the
// stream's RemoteAddr itself; the two compose.
package forwarded

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/tophat-go/tophat/core"
)

// Errors returned by New; test with errors.Is.
var (
	// ErrInvalidConfig reports a Config value out of range; the wrapping
	// error names the field.
	ErrInvalidConfig = errors.New("forwarded: invalid config")
)

// A Header names the request header the trusted proxies write.
type Header int

const (
	// Forwarded is RFC 7239's header: for=192.0.2.60;proto=https, with
	// IPv6 addresses and ports quoted ("[2001:db8::1]:4711").
	Forwarded Header = iota
	// XForwardedFor is the de facto X-Forwarded-For: a list of addresses,
	// the client first and each proxy appending the peer it saw.
	XForwardedFor
)

// String returns the header's field name.
func (h Header) String() string {
	switch h {
	case Forwarded:
		return "Forwarded"
	case XForwardedFor:
		return "X-Forwarded-For"
	}
	return fmt.Sprintf("Header(%d)", int(h))
}

// Config says which proxies to trust and which header they write. The zero
// Config trusts no proxy.
type Config struct {
	// Trusted lists the networks of the proxies whose header is believed.
	Trusted []netip.Prefix

	// TrustNonIPPeers believes the header when the stream's peer has no IP
	// address: a Unix socket or an in-memory pipe, whose access the file
	// system or the program controls. Use it when a proxy on the same host
	// connects over a Unix socket.
	TrustNonIPPeers bool

	// Header is the header the proxies write. Only one is read: a client
	// could forge the other, which no trusted proxy would overwrite.
	Header Header
}

// A Resolver finds client addresses under one Config. It is safe for
// concurrent use.
type Resolver struct {
	trusted    []netip.Prefix
	trustNonIP bool
	field      string
	parse      func(fields []string) []node
}

// New validates cfg and returns a Resolver for it.
func New(cfg Config) (*Resolver, error) {
	r := &Resolver{trustNonIP: cfg.TrustNonIPPeers}
	switch cfg.Header {
	case Forwarded:
		r.parse = parseForwarded
	case XForwardedFor:
		r.parse = parseXForwardedFor
	default:
		return nil, fmt.Errorf("%w: Header %d is neither Forwarded nor XForwardedFor", ErrInvalidConfig, int(cfg.Header))
	}
	r.field = cfg.Header.String()
	for i, p := range cfg.Trusted {
		if !p.IsValid() {
			return nil, fmt.Errorf("%w: Trusted[%d] is not a valid prefix", ErrInvalidConfig, i)
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		r.trusted = append(r.trusted, p.Masked())
	}
	return r, nil
}

// ClientAddr returns the address of the client that sent req: the socket's
// peer, unless that is a trusted proxy, in which case the nearest address
// in the proxies' header that is not itself a trusted proxy (or the
// farthest one, if all are). The port is zero where the proxies did not
// report one.
//
// ok is false when the address is unknown: the peer has no IP address and
// is not trusted, or a trusted proxy reported the next hop as "unknown",
// obfuscated, or in a form that does not parse.
func (r *Resolver) ClientAddr(req *core.Request) (addr netip.AddrPort, ok bool) {
	var fields []string
	if r.peerTrusted(req.RemoteAddr()) {
		fields = req.Header().Values(r.field)
	}
	return r.resolve(req.RemoteAddr(), fields)
}

func (r *Resolver) peerTrusted(peer net.Addr) bool {
	ap, ok := ipOf(peer)
	if !ok {
		return r.trustNonIP
	}
	return r.isTrusted(ap.Addr())
}

func (r *Resolver) isTrusted(a netip.Addr) bool {
	for _, p := range r.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// resolve walks fields, the values of the header from a trusted peer (nil
// from any other), from the nearest hop outwards.
func (r *Resolver) resolve(peer net.Addr, fields []string) (netip.AddrPort, bool) {
	current, ok := ipOf(peer)
	if !r.peerTrusted(peer) {
		return current, ok
	}
	nodes := r.parse(fields)
	for i := len(nodes) - 1; i >= 0; i-- {
		if !nodes[i].ok {
			return netip.AddrPort{}, false
		}
		current, ok = nodes[i].addr, true
		if !r.isTrusted(current.Addr()) {
			break
		}
	}
	return current, ok
}

func ipOf(a net.Addr) (netip.AddrPort, bool) {
	var ap netip.AddrPort
	switch a := a.(type) {
	case nil:
		return ap, false
	case *net.TCPAddr:
		ap = a.AddrPort()
	default:
		var err error
		if ap, err = netip.ParseAddrPort(a.String()); err != nil {
			return netip.AddrPort{}, false
		}
	}
	return netip.AddrPortFrom(ap.Addr().Unmap().WithZone(""), ap.Port()), ap.IsValid()
}

// A node is one hop of the chain; ok is false for "unknown", obfuscated
// and malformed entries, past which nothing can be believed.
type node struct {
	addr netip.AddrPort
	ok   bool
}

// parseXForwardedFor reads "client, proxy1, proxy2" lists; an entry is an
// IP address, optionally with a port ("192.0.2.1:80", "[2001:db8::1]:80").
func parseXForwardedFor(fields []string) []node {
	var nodes []node
	for _, f := range fields {
		for entry := range strings.SplitSeq(f, ",") {
			entry = strings.Trim(entry, " \t")
			if entry == "" {
				continue // empty list elements are allowed (RFC 9110 5.6.1)
			}
			nodes = append(nodes, parseNode(entry, true))
		}
	}
	return nodes
}

// parseNode parses an address with an optional port. bareIPv6 allows an
// IPv6 address without brackets, as X-Forwarded-For writes it; Forwarded
// requires the brackets.
func parseNode(s string, bareIPv6 bool) node {
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" && (a.Is4() || bareIPv6) {
		return node{addr: netip.AddrPortFrom(a.Unmap(), 0), ok: true}
	}
	if len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']' {
		if a, err := netip.ParseAddr(s[1 : len(s)-1]); err == nil && a.Is6() && a.Zone() == "" {
			return node{addr: netip.AddrPortFrom(a.Unmap(), 0), ok: true}
		}
		return node{}
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return node{}
	}
	a, err := netip.ParseAddr(host)
	if err != nil || a.Zone() != "" || (a.Is6() && !strings.HasPrefix(s, "[")) {
		return node{}
	}
	if strings.HasPrefix(port, "_") {
		// An obfuscated port (RFC 7239 6.3) hides only the port.
		return node{addr: netip.AddrPortFrom(a.Unmap(), 0), ok: true}
	}
	p, ok := parsePort(port)
	if !ok {
		return node{}
	}
	return node{addr: netip.AddrPortFrom(a.Unmap(), p), ok: true}
}

func parsePort(s string) (uint16, bool) {
	if len(s) == 0 || len(s) > 5 {
		return 0, false
	}
	var n uint32
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + uint32(s[i]-'0')
	}
	return uint16(n), n <= 65535
}
