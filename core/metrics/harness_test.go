package metrics_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/metrics"
	"github.com/tophat-go/tophat/core/router"
	"github.com/tophat-go/tophat/transports/pipe"
)

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

// routes is the handler the tests serve, each route a kind of receipt.
func routes(release <-chan struct{}) core.Handler {
	r := router.New()
	r.HandleFunc("GET /hello/{name}", func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return w.SendString(200, "hello")
	})
	r.HandleFunc("POST /things", func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return w.SendStatus(201)
	})
	r.HandleFunc("GET /panic", func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		panic("on purpose")
	})
	r.HandleFunc("GET /none", func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return core.ResponseWritten{}
	})
	r.HandleFunc("GET /short", func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		// Declares more than it has (core.ErrContentLength), and more than
		// the core reads before the head goes out.
		return w.SendReader(200, strings.NewReader(strings.Repeat("x", 64<<10)), 128<<10)
	})
	r.HandleFunc("GET /endless", func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		s := w.Begin(200)
		chunk := make([]byte, 16<<10)
		for {
			if _, err := s.Write(chunk); err != nil {
				return s.Finish()
			}
		}
	})
	r.HandleFunc("GET /wait", func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		<-release
		return w.SendStatus(204)
	})
	return r
}

// testServer is a Server instrumented by a Recorder, on a pipe.
type testServer struct {
	t    *testing.T
	rec  *metrics.Recorder
	srv  *core.Server
	ln   *pipe.Listener
	done chan error
}

func start(t *testing.T, cfg metrics.Config, h core.Handler, opts core.Options) *testServer {
	t.Helper()
	rec, err := metrics.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := pipe.Listen("", nil)
	if err != nil {
		t.Fatal(err)
	}
	opts.ErrorLog = quietLog
	s := &testServer{t: t, rec: rec, srv: &core.Server{Handler: h, Options: opts}, ln: ln, done: make(chan error, 1)}
	rec.Instrument(s.srv)
	go func() { s.done <- s.srv.Serve(ln) }()
	t.Cleanup(func() {
		s.srv.Close()
		<-s.done
	})
	return s
}

// dial opens a stream to the server.
func (s *testServer) dial() *pipe.Conn {
	s.t.Helper()
	c, err := pipe.DialPipe(context.Background(), s.ln.Addr().String(), nil)
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { c.Close() })
	return c
}

// exchange sends raw on a new stream, half-closes it (so that the server
// need not wait to drain it) and reads until the server closes it.
func (s *testServer) exchange(raw string) string {
	s.t.Helper()
	c := s.dial()
	if _, err := io.WriteString(c, raw); err != nil {
		s.t.Fatal(err)
	}
	c.CloseWrite()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	b, err := io.ReadAll(c)
	if err != nil {
		s.t.Fatalf("reading the answer to %q: %v", raw, err)
	}
	return string(b)
}

// stop shuts the server down, which waits for every handler and stream
// to end, so that everything is recorded, and returns the counts.
func (s *testServer) stop() metrics.Snapshot {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		s.t.Fatal(err)
	}
	return s.rec.Snapshot()
}

// get is a request on a stream of its own.
func get(target string) string {
	return "GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
}

// waitFor polls the Recorder until done says yes, and returns that
// snapshot.
func (s *testServer) waitFor(what string, done func(metrics.Snapshot) bool) metrics.Snapshot {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		snap := s.rec.Snapshot()
		if done(snap) {
			return snap
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("waiting for %s: %+v", what, snap)
		}
		time.Sleep(time.Millisecond)
	}
}
