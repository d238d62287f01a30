package core_test

import (
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports/pipe"
)

// streamEvents records what Options.OnStream hears.
type streamEvents struct {
	mu     sync.Mutex
	events []core.StreamEvent
	ended  chan core.StreamEvent
}

func newStreamEvents() *streamEvents { return &streamEvents{ended: make(chan core.StreamEvent, 8)} }

func (e *streamEvents) record(ev core.StreamEvent) {
	e.mu.Lock()
	e.events = append(e.events, ev)
	e.mu.Unlock()
	if ev.Ended {
		e.ended <- ev
	}
}

func (e *streamEvents) wait(t *testing.T) core.StreamEvent {
	t.Helper()
	select {
	case ev := <-e.ended:
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("OnStream heard of no end")
		return core.StreamEvent{}
	}
}

func TestOnStreamSaysWhyAStreamEnded(t *testing.T) {
	get := "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
	ok := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return w.SendString(200, "ok")
	})
	cases := []struct {
		name     string
		opts     core.Options
		handler  core.Handler
		client   func(x *exchange)
		reason   core.EndReason
		requests uint64
	}{
		{"client closes", core.Options{}, ok, func(x *exchange) {
			x.send(get)
			x.response("GET")
			x.client.Close()
		}, core.EndClientClosed, 1},
		{"client asks to close", core.Options{}, ok, func(x *exchange) {
			x.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
			x.response("GET")
			x.expectClosed()
		}, core.EndClientClosed, 1},
		{"idle timeout", core.Options{IdleTimeout: 30 * time.Millisecond}, ok, func(x *exchange) {
			x.send(get)
			x.response("GET")
			x.expectClosed()
		}, core.EndIdleTimeout, 1},
		{"silent new stream", core.Options{ReadHeaderTimeout: 30 * time.Millisecond}, ok, func(x *exchange) {
			x.expectClosed()
		}, core.EndIdleTimeout, 0},
		{"malformed head", core.Options{}, ok, func(x *exchange) {
			x.send(get + "GET / HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n")
			x.response("GET")
			if r := x.response("GET"); r.StatusCode != 400 {
				t.Errorf("status %d, want 400", r.StatusCode)
			}
			x.expectClosed()
		}, core.EndRejected, 2},
		{"body too large", core.Options{MaxBodyBytes: 4}, echo, func(x *exchange) {
			x.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789")
			if r := x.response("POST"); r.StatusCode != 413 {
				t.Errorf("status %d, want 413", r.StatusCode)
			}
			x.expectClosed()
		}, core.EndRejected, 1},
		{"client leaves mid-body", core.Options{}, echo, func(x *exchange) {
			x.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n01234")
			x.client.CloseWrite()
			io.Copy(io.Discard, x.br)
		}, core.EndClientClosed, 1},
		{"handler closes", core.Options{}, core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
			w.Header().Set("Connection", "close")
			return w.SendString(200, "bye")
		}), func(x *exchange) {
			x.send(get)
			x.response("GET")
			x.expectClosed()
		}, core.EndServerClosed, 1},
		{"handler takes over", core.Options{}, core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
			w.Header().Set("Upgrade", "echo")
			w.Header().Set("Connection", "Upgrade")
			up, rw := w.Upgrade(101)
			if up != nil {
				up.Close()
			}
			return rw
		}), func(x *exchange) {
			x.send("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
			x.response("GET")
		}, core.EndHijacked, 1},
		{"client stops reading", core.Options{WriteTimeout: 30 * time.Millisecond}, core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
			return w.SendString(200, strings.Repeat("x", 1<<20))
		}), func(x *exchange) {
			x.send(get)
		}, core.EndWriteFailed, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			events := newStreamEvents()
			opts := tc.opts
			opts.OnStream = events.record
			x := serve(t, &opts, tc.handler)
			tc.client(x)
			end := events.wait(t)
			if end.Reason != tc.reason {
				t.Errorf("reason %v, want %v", end.Reason, tc.reason)
			}
			if end.Requests != tc.requests {
				t.Errorf("requests %d, want %d", end.Requests, tc.requests)
			}
			if end.Lifetime <= 0 {
				t.Errorf("lifetime %v, want > 0", end.Lifetime)
			}
			events.mu.Lock()
			defer events.mu.Unlock()
			if len(events.events) != 2 || events.events[0].Ended || events.events[0].Stream == nil ||
				events.events[0].Stream != events.events[1].Stream {
				t.Errorf("events %+v, want a begin and an end for one stream", events.events)
			}
		})
	}
}

func TestOnStreamSeesShutdown(t *testing.T) {
	ln, err := pipe.Listen("events", nil)
	if err != nil {
		t.Fatal(err)
	}
	events := newStreamEvents()
	srv := &core.Server{
		Handler: core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
			return w.SendString(200, "ok")
		}),
		Options: core.Options{OnStream: events.record},
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	client := ln.Client()
	defer client.CloseIdleConnections()
	resp, err := client.Get("http://events/")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	<-served
	end := events.wait(t)
	if end.Reason != core.EndShutdown || end.Requests != 1 {
		t.Errorf("end %v after %d requests, want shutdown after 1", end.Reason, end.Requests)
	}
}

func TestEndReasonNames(t *testing.T) {
	seen := map[string]bool{}
	for r := core.EndNone; r <= core.EndWriteFailed; r++ {
		name := r.String()
		if name == "" || name == "unknown" || seen[name] {
			t.Errorf("reason %d is named %q", r, name)
		}
		seen[name] = true
	}
	if got := core.EndReason(200).String(); got != "unknown" {
		t.Errorf("out of range reason named %q", got)
	}
}
