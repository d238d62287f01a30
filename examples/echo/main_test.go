package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports"
	"github.com/tophat-go/tophat/transports/pipe"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// No goroutine is ignored: the program does not link kcp-go, whose
	// package starts some that never end.
	goleak.VerifyTestMain(m)
}

func TestEcho(t *testing.T) {
	l, err := pipe.Listen("", nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := &core.Server{Handler: handler(true)}
	go srv.Serve(l)
	defer srv.Close()
	c := l.Client()
	defer c.CloseIdleConnections()

	do := func(req *http.Request) (int, string) {
		t.Helper()
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}

	req, _ := http.NewRequest("GET", "http://echo/echo", nil)
	req.Header.Set("X-First", "one")
	req.Header.Add("X-Multi", "a")
	req.Header.Add("X-Multi", "b")
	if _, body := do(req); !strings.Contains(body, "Host: echo\n") || !strings.Contains(body, "X-First: one\n") ||
		!strings.Contains(body, "X-Multi: a\nX-Multi: b\n") {
		t.Fatalf("/echo:\n%s", body)
	}

	req, _ = http.NewRequest("GET", "http://echo/cookie", nil)
	req.AddCookie(&http.Cookie{Name: "session", Value: "abc"})
	req.AddCookie(&http.Cookie{Name: "theme", Value: "dark"})
	if _, body := do(req); body != "session=abc\ntheme=dark\n" {
		t.Fatalf("/cookie: %q", body)
	}

	payload := make([]byte, 1<<20)
	rand.Read(payload)
	req, _ = http.NewRequest("POST", "http://echo/upload", bytes.NewReader(payload))
	if _, body := do(req); body != string(payload) {
		t.Fatalf("POST with Content-Length: %d bytes back, want %d", len(body), len(payload))
	}
	req, _ = http.NewRequest("POST", "http://echo/upload", io.MultiReader(bytes.NewReader(payload))) // unknown length: chunked
	if _, body := do(req); body != string(payload) {
		t.Fatalf("chunked POST: %d bytes back, want %d", len(body), len(payload))
	}

	req, _ = http.NewRequest("PUT", "http://echo/anything", strings.NewReader("ignored"))
	if status, body := do(req); status != 200 || body != "OK" {
		t.Fatalf("PUT: %d %q", status, body)
	}
}

// TestEchoRun runs the program's run in-process on a TLS Unix socket with a
// development certificate, echoes a body through it, and cancels it.
func TestEchoRun(t *testing.T) {
	dir := t.TempDir()
	sock, devCert := filepath.Join(dir, "echo.sock"), filepath.Join(dir, "dev.pem")
	address := "tls+unix://" + sock
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, address, devCert, true) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("left behind: %v", entries)
		}
	}()

	// The certificate file is written before the server accepts.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if _, err := os.Stat(devCert); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the server did not start")
		}
	}
	tr, err := transports.Transport(address, &transports.Options{DevCertFile: devCert})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	resp, err := c.Post("https://echo/any", "text/plain", strings.NewReader("over tls+unix"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "over tls+unix" || resp.TLS == nil {
		t.Fatalf("body %q, TLS %v", body, resp.TLS != nil)
	}
}

func TestEchoRunBadAddress(t *testing.T) {
	err := run(context.Background(), "tcp://127.0.0.1", "", true)
	if !errors.Is(err, transports.ErrInvalidAddress) || !strings.Contains(err.Error(), "missing port") {
		t.Fatalf("run: %v", err)
	}
}
