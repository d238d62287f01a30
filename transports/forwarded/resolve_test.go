package forwarded

import (
	"errors"
	"net"
	"net/netip"
	"testing"

	"github.com/tophat-go/tophat/transports/pipe"
)

func TestResolve(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8:ffff::/48")}
	peerProxy := &net.TCPAddr{IP: net.ParseIP("10.0.0.1"), Port: 1000}
	peerClient := &net.TCPAddr{IP: net.ParseIP("192.0.2.50"), Port: 2000}
	tests := []struct {
		name   string
		cfg    Config
		peer   net.Addr
		fields []string
		want   string // "" for not ok
	}{
		{"zero config ignores the header", Config{}, peerProxy, []string{"for=192.0.2.1"}, "10.0.0.1:1000"},
		{"untrusted peer", Config{Trusted: proxies}, peerClient, []string{"for=203.0.113.9"}, "192.0.2.50:2000"},
		{"one proxy", Config{Trusted: proxies}, peerProxy, []string{"for=192.0.2.1"}, "192.0.2.1:0"},
		{"no header from a trusted proxy", Config{Trusted: proxies}, peerProxy, nil, "10.0.0.1:1000"},
		{"forged entries left of the client are ignored", Config{Trusted: proxies}, peerProxy,
			[]string{"for=198.51.100.66, for=192.0.2.1;proto=https, for=10.0.0.2"}, "192.0.2.1:0"},
		{"several fields in order", Config{Trusted: proxies}, peerProxy,
			[]string{"for=198.51.100.66", "for=192.0.2.1", "for=10.0.0.2"}, "192.0.2.1:0"},
		{"quoted IPv6 with port", Config{Trusted: proxies}, peerProxy,
			[]string{`for="[2001:db8::17]:4711"`}, "[2001:db8::17]:4711"},
		{"IPv4 with port and case-insensitive name", Config{Trusted: proxies}, peerProxy,
			[]string{`For="192.0.2.43:47011"; by=10.0.0.1`}, "192.0.2.43:47011"},
		{"obfuscated port", Config{Trusted: proxies}, peerProxy, []string{`for="192.0.2.43:_abc"`}, "192.0.2.43:0"},
		{"quoted string holding a comma", Config{Trusted: proxies}, peerProxy,
			[]string{`for=192.0.2.7;ext="a,b;c", for=10.0.0.3`}, "192.0.2.7:0"},
		{"all trusted gives the farthest", Config{Trusted: proxies}, peerProxy,
			[]string{`for=10.1.1.1, for="[2001:db8:ffff::1]"`}, "10.1.1.1:0"},
		{"unknown stops the walk", Config{Trusted: proxies}, peerProxy, []string{"for=192.0.2.1, for=unknown"}, ""},
		{"obfuscated node stops the walk", Config{Trusted: proxies}, peerProxy, []string{"for=_hidden"}, ""},
		{"unquoted IPv6 is malformed", Config{Trusted: proxies}, peerProxy, []string{"for=[2001:db8::1]"}, ""},
		{"element without for", Config{Trusted: proxies}, peerProxy, []string{"for=192.0.2.1, proto=https"}, ""},
		{"element with two for", Config{Trusted: proxies}, peerProxy, []string{"for=192.0.2.1;for=192.0.2.2"}, ""},
		{"unterminated quote", Config{Trusted: proxies}, peerProxy, []string{`for="192.0.2.1`}, ""},
		{"junk after a value", Config{Trusted: proxies}, peerProxy, []string{`for=192.0.2.1 x`}, ""},
		{"a malformed hop beyond the client does not matter", Config{Trusted: proxies}, peerProxy,
			[]string{`for=unknown, for=192.0.2.1`}, "192.0.2.1:0"},
		{"xff", Config{Trusted: proxies, Header: XForwardedFor}, peerProxy,
			[]string{"198.51.100.66, 192.0.2.1,10.0.0.2"}, "192.0.2.1:0"},
		{"xff bare IPv6 and ports", Config{Trusted: proxies, Header: XForwardedFor}, peerProxy,
			[]string{"2001:db8::9, [2001:db8::8]:80, 192.0.2.4:81"}, "192.0.2.4:81"},
		{"xff empty elements", Config{Trusted: proxies, Header: XForwardedFor}, peerProxy,
			[]string{", 192.0.2.5 ,"}, "192.0.2.5:0"},
		{"xff garbage", Config{Trusted: proxies, Header: XForwardedFor}, peerProxy, []string{"192.0.2.1, evil"}, ""},
		{"xff zone", Config{Trusted: proxies, Header: XForwardedFor}, peerProxy, []string{"fe80::1%eth0"}, ""},
		{"mapped IPv4 proxy prefix", Config{Trusted: []netip.Prefix{netip.MustParsePrefix("::ffff:10.0.0.0/104")}}, peerProxy,
			[]string{"for=192.0.2.1"}, "192.0.2.1:0"},
		{"non-IP peer untrusted", Config{Trusted: proxies}, pipe.Addr("p"), []string{"for=192.0.2.1"}, ""},
		{"non-IP peer trusted", Config{TrustNonIPPeers: true}, pipe.Addr("p"), []string{"for=192.0.2.1"}, "192.0.2.1:0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := New(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			var fields []string
			if r.peerTrusted(tt.peer) {
				fields = tt.fields
			}
			got, ok := r.resolve(tt.peer, fields)
			if tt.want == "" {
				if ok {
					t.Fatalf("got %v, want unknown", got)
				}
				return
			}
			if !ok || got.String() != tt.want {
				t.Fatalf("got %v, %v; want %s", got, ok, tt.want)
			}
		})
	}
}

func TestNewValidates(t *testing.T) {
	for _, cfg := range []Config{{Header: 7}, {Trusted: []netip.Prefix{{}}}} {
		if _, err := New(cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%+v: %v, want ErrInvalidConfig", cfg, err)
		}
	}
}

func TestElementsBounded(t *testing.T) {
	long := ""
	for range 1000 {
		long += "for=192.0.2.1,"
	}
	if n := len(parseForwarded([]string{long})); n != maxElements {
		t.Fatalf("%d nodes, want %d", n, maxElements)
	}
}

// FuzzForwarded checks that no field value panics the parser, that it
// stays within its bound, and that every node it accepts is a valid
// address.
func FuzzForwarded(f *testing.F) {
	for _, s := range []string{
		`for=192.0.2.60;proto=http;by=203.0.113.43`,
		`for="[2001:db8:cafe::17]:4711"`,
		`for=unknown, for="_mdn";by=_x`,
		`for=192.0.2.1;ext="a\"b,c", for=10.0.0.1`,
		`for="unterminated`,
		`;;, ,for=1.2.3.4`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		nodes := parseForwarded([]string{s})
		if len(nodes) > maxElements {
			t.Fatalf("%d nodes", len(nodes))
		}
		for _, n := range nodes {
			if n.ok && (!n.addr.IsValid() || n.addr.Addr().Is4In6() || n.addr.Addr().Zone() != "") {
				t.Fatalf("accepted node %v", n.addr)
			}
		}
		for _, n := range parseXForwardedFor([]string{s}) {
			if n.ok && !n.addr.IsValid() {
				t.Fatalf("accepted node %v", n.addr)
			}
		}
	})
}
