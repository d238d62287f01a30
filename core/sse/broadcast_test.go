package sse_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/sse"
)

func TestBroadcasterConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  *sse.BroadcasterConfig
		bad  string // a word the error names, or "" for valid
	}{
		{"nil", nil, ""},
		{"zero", &sse.BroadcasterConfig{}, ""},
		{"drop", &sse.BroadcasterConfig{Slow: sse.Drop, QueueSize: 1}, ""},
		{"negative queue", &sse.BroadcasterConfig{QueueSize: -1}, "QueueSize"},
		{"unknown policy", &sse.BroadcasterConfig{Slow: 7}, "Slow"},
		{"bad stream", &sse.BroadcasterConfig{Stream: sse.Config{Retry: -1}}, "Retry"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := sse.NewBroadcaster(tt.cfg)
			if tt.bad == "" {
				if err != nil || b == nil {
					t.Fatalf("NewBroadcaster: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.bad) || !strings.HasPrefix(err.Error(), "sse: ") {
				t.Fatalf("err = %v, want one naming %s", err, tt.bad)
			}
		})
	}
}

// TestBroadcasterSubscriptions checks the policies without a network: a
// full queue drops or disconnects that subscriber alone.
func TestBroadcasterSubscriptions(t *testing.T) {
	for _, policy := range []sse.SlowPolicy{sse.Disconnect, sse.Drop} {
		t.Run(policy.String(), func(t *testing.T) {
			b, err := sse.NewBroadcaster(&sse.BroadcasterConfig{QueueSize: 2, Slow: policy})
			if err != nil {
				t.Fatal(err)
			}
			fast, _ := b.Subscribe()
			slow, _ := b.Subscribe()
			for i := range 5 {
				if err := b.Publish(sse.Event{ID: strconv.Itoa(i)}); err != nil {
					t.Fatal(err)
				}
				if e := <-fast.Events(); e.ID != strconv.Itoa(i) {
					t.Fatalf("fast got %q, want %d", e.ID, i)
				}
			}
			var got []string
			for e := range slow.Events() {
				got = append(got, e.ID)
				if len(got) == 2 {
					break
				}
			}
			if strings.Join(got, ",") != "0,1" {
				t.Fatalf("slow got %v, want the first two", got)
			}
			switch policy {
			case sse.Disconnect:
				if _, open := <-slow.Events(); open || !slow.Disconnected() || b.Len() != 1 {
					t.Fatalf("slow not disconnected: open %v, Disconnected %v, Len %d", open, slow.Disconnected(), b.Len())
				}
			case sse.Drop:
				if slow.Dropped() != 3 || b.Dropped() != 3 || slow.Disconnected() || b.Len() != 2 {
					t.Fatalf("Dropped %d (%d in all), Disconnected %v, Len %d", slow.Dropped(), b.Dropped(), slow.Disconnected(), b.Len())
				}
			}
			if err := b.Publish(sse.Event{Type: "a\nb"}); !errors.Is(err, sse.ErrInvalidEventType) {
				t.Fatalf("Publish invalid: %v", err)
			}
			fast.Close()
			fast.Close()
			b.Close()
			if _, open := <-slow.Events(); open && policy == sse.Disconnect {
				t.Fatal("event after disconnect")
			}
			if _, err := b.Subscribe(); !errors.Is(err, sse.ErrBroadcasterClosed) {
				t.Fatalf("Subscribe after Close: %v", err)
			}
		})
	}
}

// TestBroadcasterSlowClient runs a fast client that reads every event and a
// slow one that reads nothing until the end. Each event is published only
// after the fast client received the one before, so the test can finish
// only if the slow client never holds the fast one back; the slow client's
// policy then shows in what it receives.
func TestBroadcasterSlowClient(t *testing.T) {
	for _, policy := range []sse.SlowPolicy{sse.Disconnect, sse.Drop} {
		t.Run(policy.String(), func(t *testing.T) {
			forEachTransport(t, func(t *testing.T, listen func(core.Handler) *server) {
				opened := make(chan struct{}, 2)
				b, err := sse.NewBroadcaster(&sse.BroadcasterConfig{
					QueueSize: 4,
					Slow:      policy,
					Stream:    sse.Config{Heartbeat: -1},
					OnOpen:    func(*sse.Stream) error { opened <- struct{}{}; return nil },
				})
				if err != nil {
					t.Fatal(err)
				}
				srv := listen(b)
				_, fast := srv.get(t, t.Context())
				<-opened
				_, slow := srv.get(t, t.Context())
				<-opened

				// Events big enough to fill the slow client's socket
				// buffers, and a cap so that a broken policy fails instead
				// of looping.
				payload := strings.Repeat("x", 32<<10)
				const maxEvents = 2000
				n := 0
				for ; n < maxEvents; n++ {
					if policy == sse.Disconnect && b.Len() == 1 || policy == sse.Drop && b.Dropped() > 0 {
						break
					}
					if err := b.Publish(sse.Event{ID: strconv.Itoa(n), Data: payload}); err != nil {
						t.Fatal(err)
					}
					if it := nextEvent(t, fast); it.id != strconv.Itoa(n) {
						t.Fatalf("fast client got %q, want %d", it.id, n)
					}
				}
				if n == maxEvents {
					t.Fatalf("slow client never hit the %v policy after %d events", policy, n)
				}
				b.Close()
				if rest := expectCleanEnd(t, fast); len(rest) != 0 {
					t.Fatalf("fast client got %d extra events", len(rest))
				}
				got := expectCleanEnd(t, slow)
				if len(got) >= n {
					t.Fatalf("slow client got %d of %d events: it was never slow", len(got), n)
				}
				prev := -1
				for _, it := range got {
					id, _ := strconv.Atoi(it.id)
					if id <= prev || it.data != payload {
						t.Fatalf("slow client: event %q after %d", it.id, prev)
					}
					if policy == sse.Disconnect && id != prev+1 {
						t.Fatalf("Disconnect left a hole: %d after %d", id, prev)
					}
					prev = id
				}
			})
		})
	}
}

// TestBroadcasterClosed answers 503 once closed.
func TestBroadcasterClosed(t *testing.T) {
	b, _ := sse.NewBroadcaster(nil)
	b.Close()
	forEachTransport(t, func(t *testing.T, listen func(core.Handler) *server) {
		srv := listen(b)
		req, _ := http.NewRequestWithContext(context.Background(), "GET", "http://sse.test/", nil)
		resp, err := srv.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 503 {
			t.Fatalf("status %d, want 503", resp.StatusCode)
		}
	})
}
