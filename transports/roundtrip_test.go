package transports_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports"
	"github.com/tophat-go/tophat/transports/kcp"
	"github.com/tophat-go/tophat/transports/tls"
)

// show answers with the path and whether the stream is TLS.
func show(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
	return w.SendString(200, fmt.Sprintf("%s tls=%t", req.Path(), req.TLS() != nil))
}

// serve runs a core.Server on l until the test ends.
func serve(t *testing.T, l core.Listener) {
	t.Helper()
	srv := &core.Server{Handler: core.HandlerFunc(show)}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-served; !errors.Is(err, core.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
}

// get fetches url through a client for address and returns the body.
func get(t *testing.T, address string, opts *transports.Options, url string) string {
	t.Helper()
	tr, err := transports.Transport(address, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %q %v", resp.StatusCode, body, err)
	}
	return string(body)
}

// quietLogs sends warnings to the test log.
func quietLogs(t *testing.T) *transports.Options {
	return &transports.Options{Logger: testLogger(t)}
}

// TestRoundTrips serves HTTP with core.Server on every scheme and fetches
// a page through Transport, then once more over a raw Dial.
func TestRoundTrips(t *testing.T) {
	dir := t.TempDir()
	abstract := "@tophat-transports-test-" + rand.Text()
	for _, address := range []string{
		"tcp://127.0.0.1:0",
		"tcp://127.0.0.1:0?keepalive=off",
		"unix://" + filepath.Join(dir, "plain.sock") + "?mode=0600",
		"unix://" + abstract,
		// linger=200ms: a KCP client that closes right after reading often
		// frees its session before its last ACK leaves, and the server's
		// Close at the end of the test would wait the whole default linger
		// (5s) for that ACK.
		"kcp://127.0.0.1:0?linger=200ms",
		"kcp://127.0.0.1:0?preset=lossy&key=s3cret&linger=200ms",
		"kcp://127.0.0.1:0?preset=normal&fec=10,3&linger=200ms",
		"pipe://",
		"tls+tcp://127.0.0.1:0",
		"tls+unix://" + filepath.Join(dir, "tls.sock"),
		"tls+kcp://127.0.0.1:0?preset=lossy&linger=200ms",
		"tls+pipe://",
		// Behind a load balancer: Dial and Transport send the PROXY header
		// a balancer would.
		"proxy+tcp://127.0.0.1:0",
		"proxy+unix://" + filepath.Join(dir, "proxy.sock"),
		"tls+proxy+tcp://127.0.0.1:0",
	} {
		t.Run(address, func(t *testing.T) {
			l, err := transports.Listen(address, quietLogs(t))
			if err != nil {
				t.Fatal(err)
			}
			serve(t, l)
			a := l.Address()
			wantTLS := strings.HasPrefix(address, "tls+")
			if a.TLS != wantTLS || (l.DevCertificate() != nil) != wantTLS {
				t.Fatalf("Address().TLS %v, DevCertificate %v", a.TLS, l.DevCertificate())
			}
			if strings.Contains(a.String(), ":0?") || strings.HasSuffix(a.String(), ":0") || a.String() == "pipe://" {
				t.Errorf("Address() %q does not name the real port or pipe", a)
			}
			opts := &transports.Options{}
			if wantTLS {
				opts.RootCAs = l.DevCertificate().Pool
			}
			if got := get(t, a.String(), opts, "http://any.host/some/path"); got != fmt.Sprintf("/some/path tls=%t", wantTLS) {
				t.Errorf("body %q", got)
			}

			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			conn, err := transports.Dial(ctx, a.String(), opts)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(10 * time.Second))
			if _, err := io.WriteString(conn, "GET /raw HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			if string(body) != fmt.Sprintf("/raw tls=%t", wantTLS) {
				t.Errorf("raw body %q", body)
			}
		})
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("socket files left behind: %v", entries)
	}
}

// TestDevCertFile follows the laptop story: a tls+tcp listener with no
// certificate writes its development certificate where Options say, and a
// client given the same Options trusts it; one without does not.
func TestDevCertFile(t *testing.T) {
	var logs strings.Builder
	file := filepath.Join(t.TempDir(), "dev.pem")
	opts := &transports.Options{DevCertFile: file, Logger: bufferLogger(&logs)}
	l, err := transports.Listen("tls+tcp://127.0.0.1:0", opts)
	if err != nil {
		t.Fatal(err)
	}
	serve(t, l)
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "self-signed development certificate") ||
		!strings.Contains(logs.String(), "cacert="+file) {
		t.Errorf("warning not logged as expected: %s", logs.String())
	}
	pem, err := os.ReadFile(file)
	if err != nil || string(pem) != string(l.DevCertificate().CertPEM) {
		t.Fatalf("dev cert file: %v", err)
	}
	if !strings.HasPrefix(l.URL(), "https://127.0.0.1:") {
		t.Errorf("URL() = %q", l.URL())
	}
	if got := get(t, l.Address().String(), &transports.Options{DevCertFile: file}, l.URL()+"x"); got != "/x tls=true" {
		t.Errorf("body %q", got)
	}
	if got := get(t, l.Address().String()+"?cafile="+file, nil, "http://h/y"); got != "/y tls=true" {
		t.Errorf("body %q", got)
	}

	tr, err := transports.Transport(l.Address().String(), nil) // system roots only
	if err != nil {
		t.Fatal(err)
	}
	defer tr.CloseIdleConnections()
	if _, err := (&http.Client{Transport: tr}).Get(l.URL()); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("a client without the dev root got %v, want a certificate error", err)
	}
}

// TestConfiguredCertificate serves a certificate given by file parameters:
// no development certificate, no warning.
func TestConfiguredCertificate(t *testing.T) {
	dev, err := tls.SelfSigned("app.test")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, dev.CertPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, dev.KeyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder
	address := "tls+unix://" + filepath.Join(dir, "s.sock") + "?certfile=" + certFile + "&keyfile=" + keyFile
	l, err := transports.Listen(address, &transports.Options{Logger: bufferLogger(&logs)})
	if err != nil {
		t.Fatal(err)
	}
	serve(t, l)
	if l.DevCertificate() != nil || logs.Len() != 0 {
		t.Errorf("development certificate made although one was configured: %s", logs.String())
	}
	// The same address, server parameters and all, configures the client.
	if got := get(t, address+"&servername=app.test&cafile="+certFile, nil, "http://x/ok"); got != "/ok tls=true" {
		t.Errorf("body %q", got)
	}

	// The parameter's own name, not the Go field's, says what is missing.
	_, err = transports.Listen("tls+tcp://127.0.0.1:0?certfile="+certFile, nil)
	if !errors.Is(err, transports.ErrInvalidAddress) || !strings.Contains(err.Error(), "certfile= needs keyfile=") {
		t.Errorf("certfile without keyfile: %v", err)
	}
	_, err = transports.Listen("tls+tcp://127.0.0.1:0?keyfile="+keyFile, nil)
	if !errors.Is(err, transports.ErrInvalidAddress) || !strings.Contains(err.Error(), "keyfile= needs certfile=") {
		t.Errorf("keyfile without certfile: %v", err)
	}
}

// TestKCPKeyFromOptions: the key may come from Options rather than the
// address (so it stays out of logs and process listings); a client with
// another key never gets an answer.
func TestKCPKeyFromOptions(t *testing.T) {
	server := &transports.Options{Configs: []any{&kcp.Config{Key: "from-options", IdleTimeout: 5 * time.Second}}}
	l, err := transports.Listen("kcp://127.0.0.1:0?preset=lossy&linger=200ms", server)
	if err != nil {
		t.Fatal(err)
	}
	serve(t, l)
	if strings.Contains(l.Address().String(), "from-options") {
		t.Errorf("Address() %q shows the key", l.Address())
	}
	if got := get(t, l.Address().String(), server, "http://k/key"); got != "/key tls=false" {
		t.Errorf("body %q", got)
	}

	tr, err := transports.Transport("kcp://"+l.Addr().String()+"?preset=lossy&key=wrong&linger=0s", server) // linger: nothing is ever acknowledged
	if err != nil {
		t.Fatal(err)
	}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 300 * time.Millisecond}
	if resp, err := c.Get("http://k/"); err == nil {
		resp.Body.Close()
		t.Error("a client with the wrong key got an answer")
	}
}

func TestListenErrors(t *testing.T) {
	_, err := transports.Listen("tcp://localhost", nil)
	if !errors.Is(err, transports.ErrInvalidAddress) {
		t.Errorf("Listen: %v", err)
	}
	_, err = transports.Dial(context.Background(), "gopher://x:1", nil)
	if !errors.Is(err, transports.ErrUnknownScheme) {
		t.Errorf("Dial: %v", err)
	}
	for _, f := range []func() error{
		func() error { _, err := transports.Dial(context.Background(), "pipe://", nil); return err },
		func() error { _, err := transports.Transport("tls+pipe://", nil); return err },
	} {
		if err := f(); !errors.Is(err, transports.ErrInvalidAddress) || !strings.Contains(err.Error(), "pipe://NAME") {
			t.Errorf("unnamed pipe: %v", err)
		}
	}
	_, err = transports.Dial(context.Background(), "pipe://nobody-listens", nil)
	if err == nil {
		t.Error("dialed a pipe nobody listens on")
	}

	// A live listener's address is refused, and the first listener is
	// untouched by the failure.
	l, err := transports.Listen("tcp://127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := transports.Listen("tls+"+l.Address().String(), quietLogs(t)); err == nil {
		t.Error("listened twice on one port")
	}
	var opErr *net.OpError
	if _, err := transports.Listen(l.Address().String(), nil); !errors.As(err, &opErr) {
		t.Errorf("second Listen: %v, want the *net.OpError of the transport", err)
	}
	if l.URL() != "http://"+l.Addr().String()+"/" {
		t.Errorf("URL() = %q", l.URL())
	}
}

// TestPipeWarns: "-listen pipe://x" in a standalone program listens where
// no other program can reach it; the log says so.
func TestPipeWarns(t *testing.T) {
	var logs strings.Builder
	l, err := transports.Listen("pipe://", &transports.Options{Logger: bufferLogger(&logs)})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "reachable only from inside this process") ||
		!strings.Contains(logs.String(), "addr="+l.Address().String()) {
		t.Errorf("log: %s", logs.String())
	}
}

func TestDevCertPath(t *testing.T) {
	dir := os.TempDir()
	for address, want := range map[string]string{
		"tls+tcp://127.0.0.1:8443":                 "tophat-devcert-tls+tcp-127.0.0.1-8443.pem",
		"tls+tcp://127.0.0.1:8443?certfile=x":      "tophat-devcert-tls+tcp-127.0.0.1-8443.pem",
		"TLS+TCP://[::1]:8443":                     "tophat-devcert-tls+tcp-1-8443.pem",
		"tls+unix:///run/app.sock":                 "tophat-devcert-tls+unix-run-app.sock.pem",
		"tls+unix://@name":                         "tophat-devcert-tls+unix-@name.pem",
		"tls+pipe://../../etc/passwd":              "tophat-devcert-tls+pipe-..-..-etc-passwd.pem",
		"tls+kcp://0.0.0.0:9000?preset=lossy&key=": "tophat-devcert-tls+kcp-0.0.0.0-9000.pem",
	} {
		got := transports.DevCertPath(address)
		if got != filepath.Join(dir, want) {
			t.Errorf("DevCertPath(%q) = %q, want %q in %s", address, got, want, dir)
		}
		if filepath.Dir(got) != filepath.Clean(dir) {
			t.Errorf("DevCertPath(%q) = %q leaves the temporary directory", address, got)
		}
	}
}
