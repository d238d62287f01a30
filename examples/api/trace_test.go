package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/coretest"
	"github.com/tophat-go/tophat/core/identity"
	"github.com/tophat-go/tophat/transports/pipe"
)

// exportedSpan is the part of stdouttrace's JSON that the test reads.
type exportedSpan struct {
	Name        string
	SpanContext struct{ TraceID, SpanID string }
	Parent      struct{ TraceID, SpanID string }
	Attributes  []struct {
		Key   string
		Value struct{ Value any }
	}
	Events []struct{ Name string }
}

func (s exportedSpan) attr(key string) any {
	for _, a := range s.Attributes {
		if a.Key == key {
			return a.Value.Value
		}
	}
	return nil
}

// TestTracing: with tracing on, each request produces one server span,
// named by its route, in the trace its traceparent names, written as JSON
// by the time the exporter stops.
func TestTracing(t *testing.T) {
	out := &syncBuffer{}
	trace, stop, err := tracing(out)
	if err != nil {
		t.Fatal(err)
	}
	store, err := Open(context.Background(), filepath.Join(t.TempDir(), "api.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	h, err := newHandler(Config{Store: store, Keys: [][]byte{identity.NewKey()}, Insecure: true,
		Argon2: testArgon2, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	l, err := pipe.Listen("", nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := &core.Server{Handler: trace(h)}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	client := l.Client()

	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	req, _ := http.NewRequest("POST", "http://api/signup", strings.NewReader(`{"name":"ada","password":"correct horse"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Traceparent", "00-"+traceID+"-00f067aa0ba902b7-01")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("signup: %s", resp.Status)
	}
	client.CloseIdleConnections()
	if err := srv.Shutdown(context.Background()); err != nil { // waits for the span to end
		t.Fatal(err)
	}
	if err := <-served; !errors.Is(err, core.ErrServerClosed) {
		t.Fatal(err)
	}
	if err := stop(context.Background()); err != nil {
		t.Fatal(err)
	}

	var spans []exportedSpan
	dec := json.NewDecoder(strings.NewReader(out.String()))
	for dec.More() {
		var s exportedSpan
		if err := dec.Decode(&s); err != nil {
			t.Fatalf("%v in %s", err, out.String())
		}
		spans = append(spans, s)
	}
	if len(spans) != 1 {
		t.Fatalf("%d spans, want 1: %s", len(spans), out.String())
	}
	s := spans[0]
	if s.Name != "POST /signup" || s.SpanContext.TraceID != traceID || s.Parent.TraceID != traceID {
		t.Errorf("span %q in trace %s (parent's %s), want POST /signup in %s", s.Name, s.SpanContext.TraceID, s.Parent.TraceID, traceID)
	}
	if status := s.attr("http.response.status_code"); status != 201.0 {
		t.Errorf("http.response.status_code %v, want 201", status)
	}
	if len(s.Events) != 1 || s.Events[0].Name != "tophat.response.first_byte" {
		t.Errorf("events %v, want the first byte", s.Events)
	}
}

// TestTraceFile: -trace FILE appends the spans to FILE, flushed by stop.
func TestTraceFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spans.json")
	if err := os.WriteFile(path, []byte("earlier\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	trace, stop, err := startTracing(path)
	if err != nil {
		t.Fatal(err)
	}
	res := coretest.Serve(trace(core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return w.SendStatus(204)
	})), "DELETE", "/notes/1", nil)
	if res.Status != 204 {
		t.Fatalf("status %d", res.Status)
	}
	stop()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), "earlier\n{") || !strings.Contains(string(b), `"Name":"DELETE"`) {
		t.Errorf("trace file holds %q, want the earlier line and then the span", b)
	}
	if _, _, err := startTracing(filepath.Join(path, "not-a-dir", "x")); err == nil {
		t.Error("startTracing into a missing directory succeeded")
	}
}
