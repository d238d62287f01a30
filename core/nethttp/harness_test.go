package nethttp_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports/pipe"
)

// testTimeout bounds every exchange, so a hang fails the test instead of
// the run.
const testTimeout = 20 * time.Second

// A server is a core.Server on a fresh pipe Listener.
type server struct {
	ln     *pipe.Listener
	srv    *core.Server
	client *http.Client
}

// serve serves h on a pipe until the test ends, and returns a client bound
// to it.
func serve(t testing.TB, h core.Handler) *server {
	t.Helper()
	return serveWith(t, h, core.Options{})
}

// serveWith is serve with options.
func serveWith(t testing.TB, h core.Handler, opts core.Options) *server {
	t.Helper()
	ln, err := pipe.Listen("", nil)
	if err != nil {
		t.Fatal(err)
	}
	s := &server{ln: ln, srv: &core.Server{Handler: h, Options: opts}, client: ln.Client()}
	s.client.Timeout = testTimeout
	done := make(chan error, 1)
	go func() { done <- s.srv.Serve(ln) }()
	t.Cleanup(func() {
		s.client.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		if err := s.srv.Shutdown(ctx); err != nil {
			s.srv.Close()
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-done; !errors.Is(err, core.ErrServerClosed) {
			t.Errorf("Serve returned %v", err)
		}
	})
	return s
}

// get sends a request and reads the whole response.
func (s *server) do(t testing.TB, method, url string, body io.Reader, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, url, err)
	}
	return resp, string(b)
}

func (s *server) get(t testing.TB, url string, header ...string) (*http.Response, string) {
	t.Helper()
	return s.do(t, "GET", url, nil, header...)
}

func want(t testing.TB, resp *http.Response, body string, status int, wantBody string) {
	t.Helper()
	if resp.StatusCode != status || body != wantBody {
		if len(body) > 300 {
			body = body[:300] + "..."
		}
		t.Fatalf("got %d %q, want %d %q", resp.StatusCode, body, status, wantBody)
	}
}

func contains(t testing.TB, body, sub string) {
	t.Helper()
	if !strings.Contains(body, sub) {
		if len(body) > 300 {
			body = body[:300] + "..."
		}
		t.Fatalf("body %q does not contain %q", body, sub)
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
