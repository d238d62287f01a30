package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

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

// The test clients close their sessions right after reading, before their
// last ACK leaves; without a short linger the server's Close would wait five
// seconds for that ACK at shutdown.
const testListen = "kcp://127.0.0.1:0?preset=lossy&linger=200ms"

// TestServe runs the server in-process on a random port with the lossy
// preset and a -key, and drives every handler through package transports.
func TestServe(t *testing.T) {
	l, err := listenAndLog(testListen, "pw", filepath.Join(t.TempDir(), "dev.pem"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, l, true) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()

	tr, err := transports.Transport(l.Address().String(), &transports.Options{Configs: []any{&kcp.Config{Key: "pw"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	do := func(method, path, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, "http://kcp"+path, strings.NewReader(body))
		req.Header.Set("X-Test", "yes")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(b)
	}
	for _, tc := range []struct{ method, path, body, want string }{
		{"GET", "/", "", "Hello, World!"},
		{"GET", "/hello", "", "Hello, World!"},
		{"POST", "/echo", "bytes over KCP", "bytes over KCP"},
		{"GET", "/echo", "", "X-Test: yes\n"},
		{"GET", "/missing", "", "Not Found\n"},
	} {
		if _, got := do(tc.method, tc.path, tc.body); !strings.Contains(got, tc.want) {
			t.Errorf("%s %s: %q, want %q", tc.method, tc.path, got, tc.want)
		}
	}
	big := strings.Repeat("0123456789", 50_000) // many KCP packets, each sent four times
	if status, got := do("POST", "/echo", big); status != 200 || got != big {
		t.Errorf("large echo: %d, %d bytes", status, len(got))
	}
}

// TestServeTLS serves tls+kcp with a development certificate written to
// -devcert, which a client then trusts.
func TestServeTLS(t *testing.T) {
	devCert := filepath.Join(t.TempDir(), "dev.pem")
	l, err := listenAndLog("tls+"+testListen, "", devCert)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, l, true) }()
	defer func() {
		cancel()
		<-done
	}()
	if _, err := os.Stat(devCert); err != nil || l.DevCertificate() == nil {
		t.Fatalf("no development certificate: %v", err)
	}
	tr, err := transports.Transport(l.Address().String()+"&cafile="+devCert, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Get("https://kcp/hello")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "Hello, World!" || resp.TLS == nil {
		t.Errorf("body %q, TLS %v", body, resp.TLS != nil)
	}
}

func TestKeyOptions(t *testing.T) {
	for _, tc := range []struct{ address, key, says string }{
		{"kcp://127.0.0.1:0?key=a", "b", "twice"},
		{"tcp://127.0.0.1:0", "b", "kcp"},
		{"kcp://127.0.0.1", "b", "missing port"},
	} {
		if _, err := options(tc.address, tc.key); err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("options(%q, %q): %v, want an error about %s", tc.address, tc.key, err, tc.says)
		}
	}
	if o, err := options("tls+kcp://127.0.0.1:0", "k"); err != nil || transports.FindConfig[*kcp.Config](o).Key != "k" {
		t.Errorf("tls+kcp with -key: %+v %v", o, err)
	}
}
