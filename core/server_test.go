package core_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports/pipe"
)

// startServer serves h on a fresh pipe listener and stops the server when
// the test ends.
func startServer(t *testing.T, srv *core.Server) *pipe.Listener {
	t.Helper()
	l, err := pipe.Listen("", nil)
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	t.Cleanup(func() {
		srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown after Close: %v", err)
		}
		if err := <-served; !errors.Is(err, core.ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return l
}

// dial opens a raw stream to l; the test's cleanup closes it.
func dial(t *testing.T, l *pipe.Listener) *pipe.Conn {
	t.Helper()
	c, err := pipe.DialPipe(context.Background(), l.Addr().String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func get(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func TestServerWithNetHTTPClient(t *testing.T) {
	l := startServer(t, &core.Server{Handler: echo})
	c := l.Client()
	defer c.CloseIdleConnections()
	var wg sync.WaitGroup
	var failures atomic.Int32
	for i := range 16 {
		wg.Go(func() {
			for j := range 20 {
				resp, err := c.Get(fmt.Sprintf("http://app/%d/%d", i, j))
				if err != nil {
					failures.Add(1)
					continue
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if want := fmt.Sprintf("path=/%d/%d\n", i, j); resp.StatusCode != 200 || !contains(string(body), want) {
					failures.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if n := failures.Load(); n > 0 {
		t.Fatalf("%d of 320 requests failed", n)
	}
}

func contains(s, sub string) bool {
	return len(sub) == 0 || (len(s) >= len(sub) && indexOf(s, sub) >= 0)
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

func TestShutdownFinishesInFlightAndClosesIdle(t *testing.T) {
	entered := make(chan struct{})
	release := make(chan struct{})
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		if req.Path() == "/slow" {
			close(entered)
			<-release
		}
		return w.SendString(200, "done "+req.Path())
	})
	srv := &core.Server{Handler: h}
	l := startServer(t, srv)

	// An idle kept-alive stream and a stream with a request in flight.
	idle := dial(t, l)
	io.WriteString(idle, "GET /first HTTP/1.1\r\nHost: h\r\n\r\n")
	idleReader := bufio.NewReader(idle)
	if resp, err := http.ReadResponse(idleReader, nil); err != nil || resp.StatusCode != 200 {
		t.Fatalf("idle stream's first request: %v", err)
	} else {
		io.Copy(io.Discard, resp.Body)
	}

	busy := dial(t, l)
	io.WriteString(busy, "GET /slow HTTP/1.1\r\nHost: h\r\n\r\n")
	<-entered

	shutdown := make(chan error, 1)
	go func() { shutdown <- srv.Shutdown(context.Background()) }()

	// The idle stream is closed while the slow request is still running.
	idle.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := idleReader.ReadByte(); !errors.Is(err, io.EOF) {
		t.Fatalf("idle stream: %v, want EOF", err)
	}
	select {
	case err := <-shutdown:
		t.Fatalf("Shutdown returned %v with a request in flight", err)
	case <-time.After(50 * time.Millisecond):
	}
	// New streams are refused.
	if _, err := pipe.DialPipe(context.Background(), l.Addr().String(), nil); err == nil {
		t.Error("dial succeeded after Shutdown closed the listener")
	}

	close(release)
	resp, err := http.ReadResponse(bufio.NewReader(busy), nil)
	if err != nil {
		t.Fatalf("in-flight request lost: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	if string(body) != "done /slow" || !resp.Close {
		t.Fatalf("in-flight response %q close=%v", body, resp.Close)
	}
	if err := <-shutdown; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

func TestShutdownGivesUpWhenContextEnds(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{})
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		close(entered)
		<-release
		return w.SendString(200, "late")
	})
	srv := &core.Server{Handler: h}
	l := startServer(t, srv)
	c := dial(t, l)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: h\r\n\r\n")
	<-entered
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if err := srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown: %v, want DeadlineExceeded", err)
	}
	close(release)
}

func TestCloseCancelsRequestContexts(t *testing.T) {
	entered := make(chan struct{})
	cancelled := make(chan struct{})
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		close(entered)
		<-req.Context().Done()
		close(cancelled)
		return w.SendString(200, "too late")
	})
	srv := &core.Server{Handler: h}
	l := startServer(t, srv)
	c := dial(t, l)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: h\r\n\r\n")
	<-entered
	srv.Close()
	select {
	case <-cancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("request context not cancelled by Close")
	}
}

func TestPoolBoundsConcurrency(t *testing.T) {
	var running, peak atomic.Int32
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		n := running.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(10 * time.Millisecond)
		running.Add(-1)
		return w.SendString(200, "pooled")
	})
	pool := core.NewPool(2)
	defer pool.Close()
	srv := &core.Server{Handler: h, Spawn: pool.Spawn}
	l := startServer(t, srv)
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			// A client per goroutine: one stream each, closed after.
			c := &http.Client{Transport: pipe.Transport(l.Addr().String(), nil)}
			req, _ := http.NewRequest("GET", "http://app/", nil)
			req.Close = true
			resp, err := c.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		})
	}
	wg.Wait()
	if p := peak.Load(); p < 1 || p > 2 {
		t.Fatalf("peak concurrency %d with a pool of 2", p)
	}
}

func TestMaxConnsWaitsForAFreeSlot(t *testing.T) {
	srv := &core.Server{Handler: echo, MaxConns: 1}
	l := startServer(t, srv)
	first := dial(t, l)
	io.WriteString(first, "GET /first HTTP/1.1\r\nHost: h\r\n\r\n")
	if _, err := http.ReadResponse(bufio.NewReader(first), nil); err != nil {
		t.Fatal(err)
	}
	second := dial(t, l)
	io.WriteString(second, "GET /second HTTP/1.1\r\nHost: h\r\n\r\n")
	br := bufio.NewReader(second)
	second.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if _, err := br.Peek(1); err == nil {
		t.Fatal("second stream served while the first holds the only slot")
	}
	first.Close()
	second.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("second stream after the slot freed: %v", err)
	}
}

func TestPanicInOneStreamLeavesOthersServed(t *testing.T) {
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		if req.Path() == "/panic" {
			panic("handler bug")
		}
		return w.SendString(200, "fine")
	})
	srv := &core.Server{Handler: h, Options: core.Options{ErrorLog: slog.New(slog.DiscardHandler)}}
	l := startServer(t, srv)
	c := l.Client()
	defer c.CloseIdleConnections()
	if status, _ := get(t, c, "http://app/panic"); status != 500 {
		t.Fatalf("panic: status %d", status)
	}
	if status, body := get(t, c, "http://app/ok"); status != 200 || body != "fine" {
		t.Fatalf("after panic: %d %q", status, body)
	}
}

func TestShutdownServesAJustConnectedStream(t *testing.T) {
	srv := &core.Server{Handler: echo}
	l := startServer(t, srv)
	fresh := dial(t, l)
	time.Sleep(20 * time.Millisecond) // accepted, nothing sent yet
	shutdown := make(chan error, 1)
	go func() { shutdown <- srv.Shutdown(context.Background()) }()
	time.Sleep(20 * time.Millisecond)
	io.WriteString(fresh, "GET /late HTTP/1.1\r\nHost: h\r\n\r\n")
	fresh.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(fresh), nil)
	if err != nil {
		t.Fatalf("a stream accepted before Shutdown lost its first request: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	if !contains(string(body), "path=/late") || !resp.Close {
		t.Fatalf("%q close=%v", body, resp.Close)
	}
	if err := <-shutdown; err != nil {
		t.Fatal(err)
	}
}
