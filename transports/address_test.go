package transports

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

// The kcp:// cases need the kcp scheme, which the external tests of this
// package register by importing transports/kcp (an internal test cannot:
// transports/kcp imports this package).

func TestParseAddress(t *testing.T) {
	for _, tc := range []struct {
		in       string
		scheme   string
		location string
		query    url.Values
		str      string // String(), if not in
	}{
		{in: "tcp://127.0.0.1:8080", scheme: "tcp", location: "127.0.0.1:8080"},
		{in: "tcp://[::1]:0", scheme: "tcp", location: "[::1]:0"},
		{in: "tcp://:8080", scheme: "tcp", location: ":8080"},
		{in: "TCP://localhost:80", scheme: "tcp", location: "localhost:80", str: "tcp://localhost:80"},
		{in: "tcp://[fe80::1%eth0]:80", scheme: "tcp", location: "[fe80::1%eth0]:80"},
		{in: "tcp://127.0.0.1:80?reuseport=1&keepalive=30s", scheme: "tcp", location: "127.0.0.1:80",
			query: url.Values{"reuseport": {"1"}, "keepalive": {"30s"}}, str: "tcp://127.0.0.1:80?keepalive=30s&reuseport=1"},
		{in: "tcp://127.0.0.1:80?keepalive=off", scheme: "tcp", location: "127.0.0.1:80", query: url.Values{"keepalive": {"off"}}},
		{in: "unix:///run/app.sock", scheme: "unix", location: "/run/app.sock"},
		{in: "unix:///run/app.sock?mode=0660", scheme: "unix", location: "/run/app.sock", query: url.Values{"mode": {"0660"}}},
		{in: "unix:///run/app.sock?mode=0o660", scheme: "unix", location: "/run/app.sock", query: url.Values{"mode": {"0o660"}}},
		{in: "unix://@abstract", scheme: "unix", location: "@abstract"},
		{in: "unix:///tmp/a%3Fb%20c.sock", scheme: "unix", location: "/tmp/a?b c.sock"},
		{in: "kcp://127.0.0.1:9000", scheme: "kcp", location: "127.0.0.1:9000"},
		{in: "kcp://127.0.0.1:9000?preset=fast&fec=10,3&key=s3cret", scheme: "kcp", location: "127.0.0.1:9000",
			query: url.Values{"preset": {"fast"}, "fec": {"10,3"}, "key": {"s3cret"}}, str: "kcp://127.0.0.1:9000?fec=10,3&key=s3cret&preset=fast"},
		{in: "pipe://app", scheme: "pipe", location: "app"},
		{in: "pipe://my%20app%3F", scheme: "pipe", location: "my app?"},
		{in: "pipe://", scheme: "pipe", location: ""},
		{in: "tls+tcp://example.com:443", scheme: "tls+tcp", location: "example.com:443"},
		{in: "tls+tcp://127.0.0.1:8443?certfile=/c.pem&keyfile=/k.pem", scheme: "tls+tcp", location: "127.0.0.1:8443",
			query: url.Values{"certfile": {"/c.pem"}, "keyfile": {"/k.pem"}}},
		{in: "tls+unix:///run/app.sock?mode=0600&cafile=/ca.pem", scheme: "tls+unix", location: "/run/app.sock",
			query: url.Values{"mode": {"0600"}, "cafile": {"/ca.pem"}}, str: "tls+unix:///run/app.sock?cafile=/ca.pem&mode=0600"},
		{in: "tls+kcp://127.0.0.1:9000?preset=lossy&servername=app", scheme: "tls+kcp", location: "127.0.0.1:9000",
			query: url.Values{"preset": {"lossy"}, "servername": {"app"}}, str: "tls+kcp://127.0.0.1:9000?preset=lossy&servername=app"},
		{in: "tls+pipe://p", scheme: "tls+pipe", location: "p"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			a, err := ParseAddress(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if a.Scheme() != tc.scheme || a.Location != tc.location {
				t.Errorf("scheme %q location %q, want %q %q", a.Scheme(), a.Location, tc.scheme, tc.location)
			}
			if tc.query == nil {
				tc.query = url.Values{}
			}
			if a.Query.Encode() != tc.query.Encode() {
				t.Errorf("query %v, want %v", a.Query, tc.query)
			}
			want := tc.str
			if want == "" {
				want = tc.in
			}
			if a.String() != want {
				t.Errorf("String() = %q, want %q", a.String(), want)
			}
			again, err := ParseAddress(a.String())
			if err != nil || again.String() != a.String() {
				t.Errorf("String() does not parse back: %v, %v", again, err)
			}
		})
	}
}

func TestParseAddressErrors(t *testing.T) {
	for _, tc := range []struct {
		in       string
		sentinel error
		says     []string // what the message must mention
	}{
		{"", ErrInvalidAddress, []string{"empty", "tcp://HOST:PORT"}},
		{"127.0.0.1:8080", ErrUnknownScheme, []string{"no scheme", "tcp://127.0.0.1:8080"}},
		// A scheme without its slashes: suggest the address meant, not
		// tcp://unix:/tmp/x.sock.
		{"unix:/tmp/x.sock", ErrUnknownScheme, []string{"needs :// after it; write unix:///tmp/x.sock"}},
		{"unix:tmp/x.sock", ErrUnknownScheme, []string{"write unix:///tmp/x.sock"}},
		{"unix:@name", ErrUnknownScheme, []string{"write unix://@name"}},
		{"tcp:127.0.0.1:80", ErrUnknownScheme, []string{"write tcp://127.0.0.1:80"}},
		{"TLS+TCP:127.0.0.1:80", ErrUnknownScheme, []string{"write tls+tcp://127.0.0.1:80"}},
		{"/tmp/x.sock", ErrUnknownScheme, []string{"for a Unix socket write unix:///tmp/x.sock"}},
		{"x.sock", ErrUnknownScheme, []string{"unix:///ABSOLUTE/PATH.sock"}},
		{"@name", ErrUnknownScheme, []string{"write unix://@name"}},
		{"8080", ErrUnknownScheme, []string{"tcp://:8080", "tcp://127.0.0.1:8080"}},
		{"/run/app.sock", ErrUnknownScheme, []string{"no scheme", "unix:///run/app.sock"}},
		{"http://127.0.0.1:80", ErrUnknownScheme, []string{`"http"`, "tcp://HOST:PORT, unix:///PATH, unix://@NAME, pipe://NAME, fd://N, systemd://NAME, proxy+tcp://HOST:PORT, proxy+unix:///PATH, kcp://HOST:PORT"}},
		{"tls+http://127.0.0.1:80", ErrUnknownScheme, []string{`"tls+http"`}},
		{"tls+tls+tcp://127.0.0.1:80", ErrUnknownScheme, []string{"tls+tls+tcp"}},
		{"udp://127.0.0.1:80", ErrUnknownScheme, []string{"accepted"}},
		{"tcp://localhost", ErrInvalidAddress, []string{"missing port", "HOST:PORT"}},
		{"tcp://127.0.0.1:http", ErrInvalidAddress, []string{`port "http"`}},
		{"tcp://127.0.0.1:65536", ErrInvalidAddress, []string{"0 to 65535"}},
		{"tcp://127.0.0.1:-1", ErrInvalidAddress, []string{"0 to 65535"}},
		{"tcp://127.0.0.1:80/path", ErrInvalidAddress, []string{"path is not allowed"}},
		{"tcp://user@host:80", ErrInvalidAddress, []string{`'@'`}},
		{"tcp://[zz::1]:80", ErrInvalidAddress, []string{"IPv6"}},
		{"tcp://127.0.0.1:80#frag", ErrInvalidAddress, []string{"fragment"}},
		{"tcp://127.0.0.1:80?mode=0660", ErrInvalidAddress, []string{`unknown parameter "mode"`, "keepalive, reuseport"}},
		{"tcp://127.0.0.1:80?keepalive=5", ErrInvalidAddress, []string{"keepalive", "15s"}},
		{"tcp://127.0.0.1:80?reuseport=yes", ErrInvalidAddress, []string{"reuseport", "0 or 1"}},
		{"tcp://127.0.0.1:80?reuseport=1&reuseport=0", ErrInvalidAddress, []string{"given 2 times"}},
		{"tcp://127.0.0.1:80?keepalive=", ErrInvalidAddress, []string{"no value"}},
		{"tcp://127.0.0.1:80?%zz=1", ErrInvalidAddress, []string{"query"}},
		{"unix://run/app.sock", ErrInvalidAddress, []string{"not absolute", "unix:///absolute/path.sock"}},
		{"unix://", ErrInvalidAddress, []string{"no socket path"}},
		{"unix://@", ErrInvalidAddress, []string{"no socket path"}},
		{"unix:///" + strings.Repeat("x", 110), ErrInvalidAddress, []string{"longer than the 107"}},
		{"unix:///tmp/a%00b", ErrInvalidAddress, []string{"NUL"}},
		{"unix:///tmp/a%zz", ErrInvalidAddress, []string{"escape"}},
		{"unix:///tmp/s?mode=0999", ErrInvalidAddress, []string{"mode", "octal"}},
		{"unix:///tmp/s?mode=01777", ErrInvalidAddress, []string{"mode"}},
		{"unix:///tmp/s?preset=fast", ErrInvalidAddress, []string{`unknown parameter "preset"`, "unix:// accepts mode"}},
		{"unix:///tmp/s?certfile=/c", ErrInvalidAddress, []string{`unknown parameter "certfile"`}},
		{"kcp://127.0.0.1:9000?preset=turbo", ErrInvalidAddress, []string{"preset", "fast, normal, lossy or bulk"}},
		{"kcp://127.0.0.1:9000?fec=10", ErrInvalidAddress, []string{"fec", "DATA,PARITY"}},
		{"kcp://127.0.0.1:9000?mode=0600", ErrInvalidAddress, []string{`unknown parameter "mode"`, "preset, dup, fec, key"}},
		{"kcp://127.0.0.1", ErrInvalidAddress, []string{"missing port"}},
		{"pipe://a/b", ErrInvalidAddress, []string{"pipe name"}},
		{"pipe://a%2Fb", ErrInvalidAddress, []string{"pipe name"}},
		{"pipe://a?x=1", ErrInvalidAddress, []string{`unknown parameter "x"`}},
		{"tls+tcp://127.0.0.1:443?key=x", ErrInvalidAddress, []string{`unknown parameter "key"`, "certfile, keyfile, cafile, servername"}},
	} {
		t.Run(tc.in, func(t *testing.T) {
			a, err := ParseAddress(tc.in)
			if err == nil {
				t.Fatalf("accepted as %v", a)
			}
			if !errors.Is(err, tc.sentinel) {
				t.Errorf("error %v does not match %v", err, tc.sentinel)
			}
			var ae *AddressError
			if !errors.As(err, &ae) || ae.Address != tc.in {
				t.Errorf("error %#v is not an *AddressError for the address", err)
			}
			for _, s := range tc.says {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
		})
	}
}

func TestRedacted(t *testing.T) {
	a, err := ParseAddress("tls+kcp://127.0.0.1:9000?key=s3cret&preset=lossy")
	if err != nil {
		t.Fatal(err)
	}
	if got := a.Redacted(); got != "tls+kcp://127.0.0.1:9000?key=xxxxx&preset=lossy" {
		t.Errorf("Redacted() = %q", got)
	}
	_, err = ParseAddress("kcp://127.0.0.1:9000?key=s3cret&bogus=1")
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error %v shows the key", err)
	}
	// An empty key is shown empty: hidden, it would hide the mistake.
	_, err = ParseAddress("kcp://127.0.0.1:9000?key=")
	if err == nil || !strings.Contains(err.Error(), `"kcp://127.0.0.1:9000?key=": parameter "key" has no value`) {
		t.Errorf("empty key: %v", err)
	}
}

func TestTCPAndUnixParameters(t *testing.T) {
	a, _ := ParseAddress("tcp://127.0.0.1:1?keepalive=off&reuseport=1")
	if c, err := tcpConfig(a.Query, nil); err != nil || c.KeepAlive >= 0 || !c.ReusePort {
		t.Errorf("tcp config %+v %v", c, err)
	}
	for _, mode := range []string{"0660", "0o660", "660"} {
		a, err := ParseAddress("unix:///tmp/s?mode=" + mode)
		if err != nil {
			t.Fatal(err)
		}
		if c, err := unixConfig(a.Query, nil); err != nil || c.Mode != 0o660 {
			t.Errorf("mode=%s: unix mode %v %v", mode, c.Mode, err)
		}
	}
}

func TestClientServerName(t *testing.T) {
	for in, want := range map[string]string{
		"tls+tcp://127.0.0.1:1":                 "127.0.0.1",
		"tls+tcp://example.com:1":               "example.com",
		"tls+tcp://0.0.0.0:1":                   "localhost",
		"tls+tcp://:1":                          "localhost",
		"tls+unix:///tmp/s":                     "localhost",
		"tls+kcp://[::1]:1?servername=app.test": "app.test",
	} {
		a, err := ParseAddress(in)
		if err != nil {
			t.Fatal(err)
		}
		tc, err := a.tlsClientConfig(nil)
		if err != nil || tc.ServerName != want {
			t.Errorf("%s: ServerName %q (%v), want %q", in, tc.ServerName, err, want)
		}
	}
}

func FuzzParseAddress(f *testing.F) {
	for _, s := range []string{"tcp://127.0.0.1:80", "unix:///a?mode=0600", "unix://@x", "kcp://h:1?fec=1,1&key=k",
		"tls+pipe://p", "pipe://", "tcp://[::1]:0?keepalive=off"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAddress(s)
		if err != nil {
			var ae *AddressError
			if !errors.As(err, &ae) {
				t.Fatalf("error %v is not an *AddressError", err)
			}
			return
		}
		// What parses prints back to the same address.
		b, err := ParseAddress(a.String())
		if err != nil {
			t.Fatalf("%q parsed, its String %q does not: %v", s, a.String(), err)
		}
		if b.String() != a.String() {
			t.Fatalf("%q -> %q -> %q", s, a.String(), b.String())
		}
	})
}
