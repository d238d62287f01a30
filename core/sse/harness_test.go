package sse_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports/pipe"
	"github.com/tophat-go/tophat/transports/tcp"
)

// A server under test: a core.Server on one transport, and a net/http
// client that reaches it.
type server struct {
	srv    *core.Server
	client *http.Client
	served chan error
}

// transportsUnderTest lists the transports every end-to-end test runs on.
var transportsUnderTest = []struct {
	name   string
	listen func(t *testing.T) (core.Listener, *http.Client)
}{
	{"pipe", func(t *testing.T) (core.Listener, *http.Client) {
		l, err := pipe.Listen("", nil)
		if err != nil {
			t.Fatal(err)
		}
		return l, l.Client()
	}},
	{"tcp", func(t *testing.T) (core.Listener, *http.Client) {
		l, err := tcp.Listen("127.0.0.1:0", nil)
		if err != nil {
			t.Fatal(err)
		}
		return l, &http.Client{Transport: tcp.Transport(l.Addr().String(), nil)}
	}},
}

// forEachTransport runs body once per transport as a subtest.
func forEachTransport(t *testing.T, body func(t *testing.T, listen func(core.Handler) *server)) {
	for _, tr := range transportsUnderTest {
		t.Run(tr.name, func(t *testing.T) {
			body(t, func(h core.Handler) *server {
				l, client := tr.listen(t)
				s := &server{srv: &core.Server{Handler: h}, client: client, served: make(chan error, 1)}
				go func() { s.served <- s.srv.Serve(l) }()
				t.Cleanup(func() { s.stop(t) })
				return s
			})
		})
	}
}

// stop shuts the server down (again, if a test already did) and waits for
// Serve to return, so no goroutine outlives the test.
func (s *server) stop(t *testing.T) {
	s.client.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		s.srv.Close()
		t.Errorf("Shutdown: %v", err)
	}
	if s.served != nil {
		if err := <-s.served; !errors.Is(err, core.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
		s.served = nil
	}
}

// get opens an event stream and checks its head.
func (s *server) get(t *testing.T, ctx context.Context, header ...string) (*http.Response, *eventReader) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, "GET", "http://sse.test/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-cache" {
		t.Fatalf("Cache-Control %q", cc)
	}
	return resp, newEventReader(resp.Body)
}

// nextEvent returns the next event, skipping comments.
func nextEvent(t *testing.T, r *eventReader) item {
	t.Helper()
	for {
		it, err := r.next()
		if err != nil {
			t.Fatalf("reading event: %v", err)
		}
		if !it.comment {
			return it
		}
	}
}

// expectCleanEnd reads the rest of the stream and fails unless it ends
// with the terminating chunk (net/http reports a cut-off chunked body as
// io.ErrUnexpectedEOF).
func expectCleanEnd(t *testing.T, r *eventReader) []item {
	t.Helper()
	var rest []item
	for {
		it, err := r.next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatalf("stream did not end cleanly: %v", err)
			}
			return rest
		}
		if !it.comment {
			rest = append(rest, it)
		}
	}
}
