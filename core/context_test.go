package core_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports/pipe"
)

func TestContextCancelledWhenHandlerReturns(t *testing.T) {
	ctxs := make(chan context.Context, 2)
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		ctxs <- req.Context()
		return w.SendStatus(204)
	})
	x := serve(t, nil, h)
	x.send("GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n")
	x.response("GET")
	x.response("GET")
	x.result() // the handlers have returned
	first, second := <-ctxs, <-ctxs
	if first == second {
		t.Fatal("two requests share a context")
	}
	for i, ctx := range []context.Context{first, second} {
		if ctx.Err() == nil || !errors.Is(context.Cause(ctx), core.ErrResponseOver) {
			t.Errorf("request %d: context %v, cause %v after the handler returned", i+1, ctx.Err(), context.Cause(ctx))
		}
	}
}

// TestContextCancelledWhenClientCloses: a Server watches the stream while
// a handler that asked for its context runs, as net/http does.
func TestContextCancelledWhenClientCloses(t *testing.T) {
	entered := make(chan struct{})
	cause := make(chan error, 1)
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		ctx := req.Context()
		close(entered)
		select {
		case <-ctx.Done():
			cause <- context.Cause(ctx)
		case <-time.After(10 * time.Second):
			cause <- nil
		}
		return w.SendStatus(204)
	})
	l := startServer(t, &core.Server{Handler: h})
	c := dial(t, l)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: h\r\n\r\n")
	<-entered
	c.Close()
	if err := <-cause; !errors.Is(err, core.ErrClientGone) {
		t.Fatalf("cause %v, want ErrClientGone", err)
	}
}

// TestWatchKeepsPipelinedRequests: the background read must not lose what
// the client sends next.
func TestWatchKeepsPipelinedRequests(t *testing.T) {
	proceed := make(chan struct{})
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		ctx := req.Context()
		if req.Path() == "/1" {
			<-proceed
		}
		if ctx.Err() != nil {
			return w.SendString(500, "cancelled")
		}
		return w.SendString(200, req.Path())
	})
	l := startServer(t, &core.Server{Handler: h})
	c := dial(t, l)
	io.WriteString(c, "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n")
	time.Sleep(20 * time.Millisecond) // let the handler start watching
	io.WriteString(c, "GET /2 HTTP/1.1\r\nHost: h\r\n\r\n")
	time.Sleep(20 * time.Millisecond)
	close(proceed)
	x := &exchange{t: t, client: c, br: bufio.NewReader(c)}
	for _, want := range []string{"/1", "/2"} {
		if resp := x.response("GET"); resp.StatusCode != 200 || resp.body != want {
			t.Fatalf("got %d %q, want %q", resp.StatusCode, resp.body, want)
		}
	}
}

func TestContextCancelledWhenWriteFails(t *testing.T) {
	var cause error
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		ctx := req.Context()
		rw := w.SendString(200, "lost")
		cause = context.Cause(ctx)
		return rw
	})
	core.ServeConn(failingStream{strings.NewReader(getRoot)}, h, &core.Options{ErrorLog: quietLog})
	if !errors.Is(cause, core.ErrClientGone) {
		t.Fatalf("cause %v after a failed write, want ErrClientGone", cause)
	}
}

func TestSetContextCarriesValues(t *testing.T) {
	type key struct{}
	var seen any
	var derived context.Context
	inner := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		seen = req.Context().Value(key{})
		derived = req.Context()
		return w.SendStatus(204)
	})
	withValue := func(next core.Handler) core.Handler {
		return core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
			req.SetContext(context.WithValue(req.Context(), key{}, "v"))
			return next.Serve(req, w)
		})
	}
	x := serve(t, nil, core.Chain(inner, withValue))
	x.send(getRoot)
	x.response("GET")
	x.result()
	if seen != "v" {
		t.Fatalf("value %v", seen)
	}
	if derived.Err() == nil {
		t.Fatal("a derived context outlived its request")
	}
}

// TestShutdownEndsLongLivedHandlers: a handler streaming events ends when
// Shutdown begins, so Shutdown returns without waiting for its deadline.
func TestShutdownEndsLongLivedHandlers(t *testing.T) {
	streaming := make(chan struct{})
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		b := w.Begin(200)
		b.WriteString("data: hello\n\n")
		b.Flush()
		close(streaming)
		select {
		case <-req.ShuttingDown():
			b.WriteString("event: bye\n\n")
		case <-req.Context().Done():
		}
		return b.Finish()
	})
	srv := &core.Server{Handler: h}
	var hooked bool
	srv.RegisterOnShutdown(func() { hooked = true })
	l := startServer(t, srv)
	c := dial(t, l)
	io.WriteString(c, "GET /events HTTP/1.1\r\nHost: h\r\n\r\n")
	<-streaming
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if !hooked {
		t.Error("the RegisterOnShutdown hook was not called")
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	rest, _ := io.ReadAll(c)
	if !bytes.Contains(rest, []byte("event: bye")) || !bytes.HasSuffix(rest, []byte("0\r\n\r\n")) {
		t.Fatalf("the stream did not end cleanly: %q", rest)
	}
}

func TestOnRejectSeesRefusedRequests(t *testing.T) {
	var mu sync.Mutex
	var got []core.Rejection
	opts := &core.Options{ErrorLog: quietLog, MaxBodyBytes: 4, OnReject: func(r core.Rejection) {
		mu.Lock()
		got = append(got, r)
		mu.Unlock()
	}}
	for _, tt := range []struct {
		raw    string
		status int
		line   string
	}{
		{"GET / HTTP/1.1\r\n\r\n", 400, "GET / HTTP/1.1"},
		{"GET / HTTP/3.0\r\nHost: h\r\n\r\n", 505, ""},
		{"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello", 413, "POST / HTTP/1.1"},
		{"POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400, "POST /c HTTP/1.1"},
	} {
		mu.Lock()
		got = nil
		mu.Unlock()
		x := serve(t, opts, echoBody)
		x.send(tt.raw)
		if resp := x.response("GET"); resp.StatusCode != tt.status {
			t.Fatalf("%q: status %d", tt.raw, resp.StatusCode)
		}
		x.expectClosed()
		x.result()
		mu.Lock()
		if len(got) != 1 || got[0].Status != tt.status || !got[0].Answered || got[0].RemoteAddr == nil ||
			got[0].RequestLine != tt.line {
			t.Errorf("%q: rejections %+v", tt.raw, got)
		}
		mu.Unlock()
	}
}

func TestOptionsValidate(t *testing.T) {
	for _, o := range []core.Options{
		{MaxHeaderBytes: -1},
		{MaxBodyBytes: -2},
		{MaxDrainBytes: -5},
		{MaxChunkLineBytes: 4},
		{MaxRequestLineBytes: 64 << 10},
	} {
		err := o.Validate()
		if err == nil || !strings.HasPrefix(err.Error(), "tophat: Options.") {
			t.Errorf("%+v: %v", o, err)
		}
		server, client := pipe.New(nil)
		if err := core.ServeConn(server, echo, &o); err == nil {
			t.Errorf("ServeConn accepted %+v", o)
		}
		client.Close()
	}
	for _, o := range []core.Options{{}, {MaxBodyBytes: -1, MaxDrainBytes: -1, ReadHeaderTimeout: -1}} {
		if err := o.Validate(); err != nil {
			t.Errorf("%+v: %v", o, err)
		}
	}
}

func TestServerWithoutHandler(t *testing.T) {
	l, err := pipe.Listen("", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := (&core.Server{}).Serve(l); !errors.Is(err, core.ErrNoHandler) {
		t.Fatalf("Serve: %v", err)
	}
	if err := (&core.Server{Handler: echo, Options: core.Options{MaxHeaderFields: -1}}).Serve(l); err == nil {
		t.Fatal("Serve accepted invalid options")
	}
}

func TestPanicIsLoggedWithStack(t *testing.T) {
	var logs bytes.Buffer
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		panic("kaboom")
	})
	x := serve(t, &core.Options{ErrorLog: slog.New(slog.NewTextHandler(&logs, nil))}, h)
	x.send(getRoot)
	if resp := x.response("GET"); resp.StatusCode != 500 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	x.result()
	if !strings.Contains(logs.String(), "kaboom") || !strings.Contains(logs.String(), "context_test.go") {
		t.Fatalf("log has no stack: %s", logs.String())
	}
}

func TestPathValuesAndPattern(t *testing.T) {
	var kept *core.Request
	var got [3]string
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		if req.Path() == "/users/7" {
			req.SetPattern("GET /users/{id}")
			req.SetPathValue("id", "7")
			req.SetPathValue("id", "8") // replaced, not added
			got = [3]string{req.Pattern(), req.PathValue("id"), req.PathValue("missing")}
			kept = req
		} else if kept.PathValue("id") != "" || kept.Pattern() != "" {
			t.Error("a dead request still shows path values")
		}
		return w.SendStatus(204)
	})
	x := serve(t, nil, h)
	x.send("GET /users/7 HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n")
	x.response("GET")
	x.response("GET")
	if got != [3]string{"GET /users/{id}", "8", ""} {
		t.Fatalf("got %q", got)
	}
}

// lateListener hands out one stream only once told to, even after it was
// closed: a stream the kernel accepted just as Shutdown began.
type lateListener struct {
	accepting chan struct{}
	release   chan io.ReadWriteCloser
	closed    chan struct{}
	once      sync.Once
}

func (l *lateListener) Accept() (io.ReadWriteCloser, error) {
	select {
	case l.accepting <- struct{}{}:
	default:
	}
	if s, ok := <-l.release; ok {
		return s, nil
	}
	return nil, net.ErrClosed
}

func (l *lateListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *lateListener) Addr() net.Addr { return pipe.Addr("late") }

// TestStreamAcceptedDuringShutdownIsServed: a stream accepted while
// Shutdown begins is served (and told to close), not dropped.
func TestStreamAcceptedDuringShutdownIsServed(t *testing.T) {
	l := &lateListener{accepting: make(chan struct{}, 1), release: make(chan io.ReadWriteCloser), closed: make(chan struct{})}
	srv := &core.Server{Handler: echo}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	<-l.accepting
	shut := make(chan error, 1)
	go func() { shut <- srv.Shutdown(context.Background()) }()
	<-l.closed // Shutdown has begun
	server, client := pipe.New(nil)
	defer client.Close()
	l.release <- server
	close(l.release)
	x := &exchange{t: t, client: client, br: bufio.NewReader(client)}
	x.send("GET /late HTTP/1.1\r\nHost: h\r\n\r\n")
	if resp := x.response("GET"); resp.StatusCode != 200 || !resp.Close {
		t.Fatalf("%d close=%v", resp.StatusCode, resp.Close)
	}
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := <-served; !errors.Is(err, core.ErrServerClosed) {
		t.Fatalf("Serve: %v", err)
	}
}

// readCounter counts the reads begun on a stream; wrapped in optedOut it
// is a stream whose deadlines may not change while another goroutine reads.
type readCounter struct {
	*pipe.Conn
	reads atomic.Int32
}

func (r *readCounter) Read(p []byte) (int, error) {
	r.reads.Add(1)
	return r.Conn.Read(p)
}

type optedOut struct{ *readCounter }

func (optedOut) BackgroundReadable() bool { return false }

// TestBackgroundReadOptOut: a stream that says it cannot be read in the
// background while its deadlines change is not watched.
func TestBackgroundReadOptOut(t *testing.T) {
	for _, optOut := range []bool{false, true} {
		server, client := pipe.New(nil)
		rc := &readCounter{Conn: server}
		var stream io.ReadWriteCloser = rc
		if optOut {
			stream = optedOut{rc}
		}
		watched := make(chan bool, 1)
		h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
			before := rc.reads.Load()
			req.Context()
			time.Sleep(50 * time.Millisecond)
			watched <- rc.reads.Load() > before
			return w.SendStatus(204)
		})
		x := serveStream(t, &core.Options{Go: func(f func()) { go f() }}, h, stream, client)
		x.send(getRoot)
		x.response("GET")
		if got := <-watched; got == optOut {
			t.Errorf("opted out %v: watched %v", optOut, got)
		}
		x.result()
	}
}
