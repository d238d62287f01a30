package main

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports"
	"github.com/tophat-go/tophat/transports/kcp"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// kcp-go's package-level scheduler, started when it loads and never
		// stopped.
		goleak.IgnoreTopFunction("github.com/xtaci/kcp-go/v5.(*TimedSched).sched"),
		goleak.IgnoreTopFunction("github.com/xtaci/kcp-go/v5.(*TimedSched).prepend"),
	)
}

func TestSplitURL(t *testing.T) {
	for _, tc := range []struct{ in, address, path string }{
		{"kcp://127.0.0.1:9000/hello?preset=lossy", "kcp://127.0.0.1:9000?preset=lossy", "/hello"},
		{"kcp://127.0.0.1:9000?preset=lossy", "kcp://127.0.0.1:9000?preset=lossy", "/"},
		{"tls+kcp://[::1]:9000/a/b?cafile=/tmp/x.pem", "tls+kcp://[::1]:9000?cafile=/tmp/x.pem", "/a/b"},
		{"tcp://127.0.0.1:80/", "tcp://127.0.0.1:80", "/"},
		{"unix:///run/app.sock", "unix:///run/app.sock", "/"},
		{"tls+unix:///run/app.sock?mode=0600", "tls+unix:///run/app.sock?mode=0600", "/"},
		{"127.0.0.1:80/x", "127.0.0.1:80/x", "/"}, // rejected later, with the address error
	} {
		if a, p := splitURL(tc.in); a != tc.address || p != tc.path {
			t.Errorf("splitURL(%q) = %q, %q; want %q, %q", tc.in, a, p, tc.address, tc.path)
		}
	}
}

func TestSummary(t *testing.T) {
	var l []time.Duration
	for i := 100; i >= 1; i-- {
		l = append(l, time.Duration(i)*time.Millisecond)
	}
	if got := summary(l, 2); got != "requests=102 ok=100 errors=2 min=1ms p50=50ms p99=99ms max=100ms" {
		t.Errorf("summary: %s", got)
	}
	if got := summary([]time.Duration{3 * time.Millisecond}, 0); got != "requests=1 ok=1 errors=0 min=3ms p50=3ms p99=3ms max=3ms" {
		t.Errorf("summary of one: %s", got)
	}
	if got := summary(nil, 3); got != "requests=3 ok=0 errors=3" {
		t.Errorf("summary of none: %s", got)
	}
}

// linger shortens the server's KCP linger: the client closes its session
// right after reading, before its last ACK leaves, and the server's Close
// would otherwise wait the default five seconds for that ACK when the test
// ends.
const linger = "&linger=200ms"

// server serves a small handler on address until the test ends.
func server(t *testing.T, address string, opts *transports.Options) *transports.Listener {
	t.Helper()
	l, err := transports.Listen(address, opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := &core.Server{Handler: core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		if req.Method() == "POST" {
			return w.SendReader(200, req.Body(), req.ContentLength())
		}
		return w.SendString(200, "at "+req.Path())
	})}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	return l
}

// withPath puts path between HOST:PORT and the query of an address.
func withPath(address, path string) string {
	base, query, _ := strings.Cut(address, "?")
	return base + path + "?" + query
}

// TestRunOverKCP runs the client against a server on a random port with the
// lossy preset (every datagram sent four times) and a key given the way the
// flags give it.
func TestRunOverKCP(t *testing.T) {
	l := server(t, "kcp://127.0.0.1:0?preset=lossy"+linger, &transports.Options{Configs: []any{&kcp.Config{Key: "pw"}}})
	url := withPath(l.Address().String(), "/hello")

	var out strings.Builder
	if err := run(context.Background(), config{url: url, key: "pw", n: 1, timeout: 10 * time.Second}, &out); err != nil {
		t.Fatal(err)
	}
	if out.String() != "200 at /hello\n" {
		t.Errorf("one request printed %q", out.String())
	}

	out.Reset()
	if err := run(context.Background(), config{url: url, key: "pw", n: 50, quiet: true, timeout: 10 * time.Second}, &out); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^requests=50 ok=50 errors=0 min=\S+ p50=\S+ p99=\S+ max=\S+\n$`).MatchString(out.String()) {
		t.Errorf("summary %q", out.String())
	}

	out.Reset()
	if err := run(context.Background(), config{url: url, path: "/echo", key: "pw", data: "posted", n: 1, timeout: 10 * time.Second}, &out); err != nil {
		t.Fatal(err)
	}
	if out.String() != "200 posted\n" {
		t.Errorf("POST printed %q", out.String())
	}
}

// TestRunOverTLSKCP trusts the server's development certificate through
// ?cafile= in -url.
func TestRunOverTLSKCP(t *testing.T) {
	devCert := t.TempDir() + "/dev.pem"
	l := server(t, "tls+kcp://127.0.0.1:0?preset=lossy"+linger, &transports.Options{DevCertFile: devCert, Logger: discard()})
	var out strings.Builder
	url := withPath(l.Address().String(), "/secure") + "&cafile=" + devCert
	if err := run(context.Background(), config{url: url, n: 3, timeout: 10 * time.Second}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "200 at /secure\n200 at /secure\n200 at /secure\nrequests=3 ok=3") {
		t.Errorf("printed %q", out.String())
	}
}

// TestRunWrongKey: KCP has no handshake, so a wrong key is a timeout, and
// the error says what to check.
func TestRunWrongKey(t *testing.T) {
	l := server(t, "kcp://127.0.0.1:0?preset=lossy", &transports.Options{Configs: []any{&kcp.Config{Key: "pw"}}})
	var out strings.Builder
	err := run(context.Background(), config{url: withPath(l.Address().String(), "/"), key: "wrong", n: 1, timeout: 200 * time.Millisecond}, &out)
	if err == nil || !strings.Contains(err.Error(), "same key") {
		t.Fatalf("wrong key: %v", err)
	}
}

func TestRunBadFlags(t *testing.T) {
	for _, cfg := range []config{
		{url: "kcp://127.0.0.1:1", n: 0},
		{url: "kcp://127.0.0.1", n: 1},
		{url: "tcp://127.0.0.1:1/x", key: "pw", n: 1},
		{url: "kcp://127.0.0.1:1/x?key=a", key: "pw", n: 1},
	} {
		if err := run(context.Background(), cfg, new(strings.Builder)); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
	err := run(context.Background(), config{url: "kcp://localhost/x", n: 1}, new(strings.Builder))
	if !errors.Is(err, transports.ErrInvalidAddress) {
		t.Errorf("bad address: %v", err)
	}
}
