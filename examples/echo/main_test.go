package main

import (
	"bytes"
	"crypto/rand"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports/pipe"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

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
