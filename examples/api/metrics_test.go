package main

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tophat-go/tophat/transports/pipe"
)

// TestMetrics: after a few requests, /metrics counts them by route and
// status, with the refused request and the stream they came on.
func TestMetrics(t *testing.T) {
	s := start(t, filepath.Join(t.TempDir(), "api.db"))
	c := s.signedIn("ada") // POST /signup 201, POST /login 200
	expect(t, "note", do(t, c, "POST", "/notes", noteInput{"first", "hello"}), 201)
	expect(t, "note", do(t, c, "GET", "/notes/1", nil), 200)
	expect(t, "note", do(t, c, "GET", "/notes/2", nil), 404)
	expect(t, "me without a cookie", do(t, s.client(), "GET", "/me", nil), 401)
	expect(t, "no route", do(t, c, "GET", "/nowhere", nil), 404)

	raw, err := pipe.DialPipe(context.Background(), s.l.Addr().String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	raw.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(raw, "GET /me HTTP/1.1\r\nHost: api\r\nHost: twice\r\n\r\n")
	if answer, err := io.ReadAll(raw); err != nil || !strings.HasPrefix(string(answer), "HTTP/1.1 400") {
		t.Fatalf("two Host fields answered %q, %v", answer, err)
	}

	// A request is recorded as its handler returns, and a stream as the
	// server is done with it, which may be just after the client has the
	// answer or the end of the stream.
	recorded := func() bool {
		snap := s.metrics.Snapshot()
		return snap.InFlight == 0 && len(snap.Streams) == 1 && len(snap.Streams[0].Ended) == 1
	}
	for deadline := time.Now().Add(10 * time.Second); !recorded(); {
		if time.Now().After(deadline) {
			t.Fatalf("not recorded yet: %+v", s.metrics.Snapshot())
		}
		time.Sleep(time.Millisecond)
	}
	r := do(t, c, "GET", "/metrics", nil)
	expect(t, "metrics", r, 200)
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q", ct)
	}
	lines := "\n" + string(r.body)
	for _, want := range []string{
		`tophat_http_requests_total{code="201",method="POST",route="POST /signup"} 1`,
		`tophat_http_requests_total{code="200",method="POST",route="POST /login"} 1`,
		`tophat_http_requests_total{code="201",method="POST",route="POST /notes"} 1`,
		`tophat_http_requests_total{code="200",method="GET",route="GET /notes/{id}"} 1`,
		`tophat_http_requests_total{code="404",method="GET",route="GET /notes/{id}"} 1`,
		`tophat_http_requests_total{code="401",method="GET",route="GET /me"} 1`,
		`tophat_http_requests_total{code="404",method="GET",route="unrouted"} 1`,
		`tophat_http_time_to_last_byte_seconds_count{code="201",method="POST",route="POST /signup"} 1`,
		`tophat_http_rejections_total{code="400"} 1`,
		`tophat_streams_ended_total{reason="rejected",transport="pipe"} 1`,
		`tophat_http_requests_in_flight 1`, // the scrape itself
	} {
		if !strings.Contains(lines, "\n"+want+"\n") {
			t.Errorf("no line %s", want)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", r.body)
	}
}
