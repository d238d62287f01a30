package sse_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/sse"
)

// TestStreamInOrder sends events with multi-line data and ids, resuming
// after the client's Last-Event-ID, and checks that they arrive whole, in
// order, and that the stream ends cleanly with its receipt returned.
func TestStreamInOrder(t *testing.T) {
	forEachTransport(t, func(t *testing.T, listen func(core.Handler) *server) {
		written := make(chan core.ResponseWritten, 1)
		srv := listen(core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
			s, err := sse.Open(req, w, &sse.Config{Heartbeat: -1, Retry: 2 * time.Second})
			if err != nil {
				return w.SendString(500, err.Error())
			}
			from, _ := strconv.Atoi(s.LastEventID())
			for i := from + 1; i <= 40; i++ {
				e := sse.Event{ID: strconv.Itoa(i), Data: fmt.Sprintf("line %d\r\nsecond\rthird\n", i)}
				if i%2 == 0 {
					e.Type = "even"
				}
				if err := s.Send(e); err != nil {
					t.Errorf("Send: %v", err)
				}
			}
			rw := s.Close()
			written <- rw
			return rw
		}))
		_, r := srv.get(t, t.Context(), "Last-Event-ID", "10")
		for i := 11; i <= 40; i++ {
			it := nextEvent(t, r)
			wantType := "message"
			if i%2 == 0 {
				wantType = "even"
			}
			want := item{id: strconv.Itoa(i), typ: wantType, data: fmt.Sprintf("line %d\nsecond\nthird\n", i)}
			if it != want {
				t.Fatalf("event %d = %+v, want %+v", i, it, want)
			}
		}
		if rest := expectCleanEnd(t, r); len(rest) != 0 {
			t.Fatalf("extra events %v", rest)
		}
		if r.retry != 2000 {
			t.Fatalf("retry = %d, want 2000", r.retry)
		}
		rw := <-written
		if rw.Status() != 200 || rw.Err() != nil || rw.BodyBytes() == 0 {
			t.Fatalf("receipt: status %d, %d body bytes, err %v", rw.Status(), rw.BodyBytes(), rw.Err())
		}
	})
}

// TestHeartbeatAndDepartedClient waits for a heartbeat on a quiet stream,
// then leaves, and checks that the handler learns why.
func TestHeartbeatAndDepartedClient(t *testing.T) {
	forEachTransport(t, func(t *testing.T, listen func(core.Handler) *server) {
		reason := make(chan error, 1)
		srv := listen(core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
			s, err := sse.Open(req, w, &sse.Config{Heartbeat: 5 * time.Millisecond})
			if err != nil {
				return w.SendString(500, err.Error())
			}
			<-s.Done()
			reason <- s.Err()
			return s.Close()
		}))
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		resp, r := srv.get(t, ctx)
		for beats := 0; beats < 2; {
			it, err := r.next()
			if err != nil {
				t.Fatal(err)
			}
			if !it.comment {
				t.Fatalf("event %+v on a quiet stream", it)
			}
			beats++
		}
		cancel()
		resp.Body.Close()
		if err := <-reason; !errors.Is(err, core.ErrClientGone) {
			t.Fatalf("Err = %v, want core.ErrClientGone", err)
		}
	})
}

// TestShutdownEndsStreams opens streams, shuts the server down, and checks
// that Shutdown returns (it would time out waiting for a stream that did
// not end) and that every client sees the terminating chunk.
func TestShutdownEndsStreams(t *testing.T) {
	forEachTransport(t, func(t *testing.T, listen func(core.Handler) *server) {
		const clients = 3
		reasons := make(chan error, clients)
		srv := listen(core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
			s, err := sse.Open(req, w, nil)
			if err != nil {
				return w.SendString(500, err.Error())
			}
			s.Send(sse.Event{ID: "1", Data: "hello"})
			<-s.Done()
			reasons <- s.Err()
			return s.Close()
		}))
		var readers []*eventReader
		for range clients {
			_, r := srv.get(t, t.Context())
			if it := nextEvent(t, r); it.data != "hello" {
				t.Fatalf("first event %+v", it)
			}
			readers = append(readers, r)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.srv.Shutdown(ctx); err != nil {
			t.Fatalf("Shutdown with open streams: %v", err)
		}
		for _, r := range readers {
			expectCleanEnd(t, r)
		}
		for range clients {
			if err := <-reasons; !errors.Is(err, sse.ErrShuttingDown) {
				t.Fatalf("Err = %v, want ErrShuttingDown", err)
			}
		}
	})
}

// TestStreamRefusals checks that an invalid config writes nothing, that an
// invalid event leaves the stream usable, and that Send after Close fails.
func TestStreamRefusals(t *testing.T) {
	forEachTransport(t, func(t *testing.T, listen func(core.Handler) *server) {
		srv := listen(core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
			if req.Path() == "/bad" {
				if _, err := sse.Open(req, w, &sse.Config{Retry: -1}); err == nil || w.Sent() {
					t.Errorf("Open with negative Retry: err %v, sent %v", err, w.Sent())
				}
				return w.SendStatus(418)
			}
			s, err := sse.Open(req, w, &sse.Config{Heartbeat: -1})
			if err != nil {
				return w.SendString(500, err.Error())
			}
			if err := s.Send(sse.Event{ID: "a\nb"}); !errors.Is(err, sse.ErrInvalidID) {
				t.Errorf("Send bad id: %v", err)
			}
			if err := s.SetRetry(-time.Second); !errors.Is(err, sse.ErrInvalidRetry) {
				t.Errorf("SetRetry(-1s): %v", err)
			}
			s.SetRetry(time.Second)
			s.Comment("note")
			s.Send(sse.Event{Data: "after"})
			rw := s.Close()
			if err := s.Send(sse.Event{}); !errors.Is(err, sse.ErrStreamClosed) {
				t.Errorf("Send after Close: %v", err)
			}
			if again := s.Close(); again != rw {
				t.Errorf("second Close gave another receipt")
			}
			return rw
		}))
		resp, err := srv.client.Get("http://sse.test/bad")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 418 {
			t.Fatalf("status %d, want 418", resp.StatusCode)
		}
		_, r := srv.get(t, t.Context())
		it, err := r.next()
		if err != nil || !it.comment || it.text != "note" {
			t.Fatalf("first item %+v, %v; want comment", it, err)
		}
		if it := nextEvent(t, r); it.data != "after" {
			t.Fatalf("event %+v", it)
		}
		expectCleanEnd(t, r)
		if r.retry != 1000 {
			t.Fatalf("retry = %d", r.retry)
		}
	})
}
