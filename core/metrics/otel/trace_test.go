package tophatotel_test

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/coretest"
	tophatotel "github.com/tophat-go/tophat/core/metrics/otel"
	"github.com/tophat-go/tophat/transports/pipe"
)

const (
	parentTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
	parentSpan  = "00f067aa0ba902b7"
)

// TestParentFromTraceparent: the span continues the trace its request
// names, and the handler's context carries the span, so its own spans are
// children of it.
func TestParentFromTraceparent(t *testing.T) {
	h := newHarness(t, tophatotel.Options{})
	var inHandler trace.SpanContext
	handler := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		inHandler = trace.SpanContextFromContext(req.Context())
		_, child := trace.SpanFromContext(req.Context()).TracerProvider().Tracer("app").Start(req.Context(), "query")
		child.End()
		return w.SendString(200, "ok")
	})
	req := coretest.NewRequest("GET", "/", nil)
	req.Header.Set("Traceparent", "00-"+parentTrace+"-"+parentSpan+"-01")
	req.Options = h.options
	if res := req.Serve(h.tel.Middleware(handler)); res.Status != 200 {
		t.Fatalf("status %d", res.Status)
	}
	spans := h.ended(t)
	if len(spans) != 2 {
		t.Fatalf("%d spans, want the handler's and the server's", len(spans))
	}
	child, server := spans[0], spans[1]
	if server.Name() != "GET" || child.Name() != "query" {
		t.Fatalf("spans %q, %q", child.Name(), server.Name())
	}
	parent := server.Parent()
	if parent.TraceID().String() != parentTrace || parent.SpanID().String() != parentSpan || !parent.IsRemote() {
		t.Errorf("server span's parent %s/%s remote %v, want %s/%s remote", parent.TraceID(), parent.SpanID(),
			parent.IsRemote(), parentTrace, parentSpan)
	}
	if server.SpanContext().TraceID().String() != parentTrace {
		t.Errorf("server span in trace %s, want %s", server.SpanContext().TraceID(), parentTrace)
	}
	if !inHandler.Equal(server.SpanContext()) {
		t.Errorf("handler's context has span %v, want the server span %v", inHandler, server.SpanContext())
	}
	if child.Parent().SpanID() != server.SpanContext().SpanID() {
		t.Errorf("handler's span has parent %s, want the server span %s", child.Parent().SpanID(), server.SpanContext().SpanID())
	}
}

// TestMalformedTraceparent: a traceparent that does not parse starts a new
// trace.
func TestMalformedTraceparent(t *testing.T) {
	h := newHarness(t, tophatotel.Options{})
	req := coretest.NewRequest("GET", "/", nil)
	req.Header.Set("Traceparent", "00-zz-"+parentSpan+"-01")
	req.Options = h.options
	req.Serve(h.tel.Middleware(testRouter()))
	if span := h.oneSpan(t); span.Parent().IsValid() {
		t.Errorf("span has parent %v from a malformed traceparent", span.Parent())
	}
}

// TestFilter: a filtered request gets no span and no span in its context,
// and is still counted.
func TestFilter(t *testing.T) {
	h := newHarness(t, tophatotel.Options{Filter: func(req *core.Request) bool { return req.Path() != "/healthz" }})
	var hadSpan bool
	handler := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		hadSpan = trace.SpanContextFromContext(req.Context()).IsValid()
		return w.SendString(200, "ok")
	})
	for _, path := range []string{"/healthz", "/work"} {
		req := coretest.NewRequest("GET", path, nil)
		req.Options = h.options
		req.Serve(h.tel.Middleware(handler))
	}
	spans := h.ended(t)
	if len(spans) != 1 || attrs(spans[0].Attributes())["url.path"].AsString() != "/work" {
		t.Fatalf("spans %v, want one, for /work", spans)
	}
	if !hadSpan {
		t.Error("the traced request's context has no span")
	}
	n, _ := h.value(t, "http.server.request.duration", requestAttrs("GET", 200)...)
	if n != 2 {
		t.Errorf("request.duration counted %d requests, want 2 (filtered ones included)", n)
	}
}

// requestAttrs are the attributes of http.server.request.duration for an
// unrouted request over plain HTTP/1.1, plus extra.
func requestAttrs(method string, status int, extra ...attribute.KeyValue) []attribute.KeyValue {
	return append([]attribute.KeyValue{
		attribute.String("http.request.method", method),
		attribute.String("url.scheme", "http"),
		attribute.String("network.protocol.version", "1.1"),
		attribute.Int("http.response.status_code", status),
	}, extra...)
}

// TestPanic: a handler that panics still ends its span, as a 500 with
// error.type panic, and leaves no request counted as active.
func TestPanic(t *testing.T) {
	h := newHarness(t, tophatotel.Options{})
	handler := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		panic("broken")
	})
	req := coretest.NewRequest("GET", "/", nil)
	req.Options = h.options
	if res := req.Serve(h.tel.Middleware(handler)); res.Status != 500 {
		t.Fatalf("status %d, want the core's 500", res.Status)
	}
	span := h.oneSpan(t)
	got := attrs(span.Attributes())
	if got["error.type"].AsString() != "panic" || got["http.response.status_code"].AsInt64() != 500 {
		t.Errorf("attributes %v, want error.type panic and status 500", span.Attributes())
	}
	if span.Status().Code != codes.Error {
		t.Errorf("span status %v, want Error", span.Status())
	}
	if n, _ := h.value(t, "http.server.request.duration", requestAttrs("GET", 500, attribute.String("error.type", "panic"))...); n != 1 {
		t.Errorf("request.duration has %d panicked requests, want 1", n)
	}
	if n, ok := h.value(t, "http.server.active_requests", attribute.String("http.request.method", "GET"),
		attribute.String("url.scheme", "http")); !ok || n != 0 {
		t.Errorf("active_requests = %d (recorded %v), want 0", n, ok)
	}
}

// pipelinedStream hands every request it holds to the first Read, as a
// client that pipelines does, and keeps what the server writes.
type pipelinedStream struct {
	in  *strings.Reader
	out bytes.Buffer
}

func (s *pipelinedStream) Read(p []byte) (int, error)  { return s.in.Read(p) }
func (s *pipelinedStream) Write(p []byte) (int, error) { return s.out.Write(p) }
func (s *pipelinedStream) Close() error                { return nil }

// TestBuffered: the span of a response that waited in the write buffer
// for the next pipelined one says so.
func TestBuffered(t *testing.T) {
	h := newHarness(t, tophatotel.Options{})
	const get = "GET /users/1 HTTP/1.1\r\nHost: example.com\r\n\r\n"
	s := &pipelinedStream{in: strings.NewReader(get + get)}
	if err := core.ServeConn(s, h.tel.Middleware(testRouter()), h.options); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(s.out.String(), "HTTP/1.1 200 OK"); n != 2 {
		t.Fatalf("%d responses, want 2", n)
	}
	spans := h.ended(t)
	if len(spans) != 2 {
		t.Fatalf("%d spans, want 2", len(spans))
	}
	if v, ok := attrs(spans[0].Attributes())[tophatotel.BufferedKey]; !ok || !v.AsBool() {
		t.Errorf("first span: %s = %v (present %v), want true", tophatotel.BufferedKey, v.String(), ok)
	}
	if v, ok := attrs(spans[1].Attributes())[tophatotel.BufferedKey]; ok {
		t.Errorf("last span: %s = %v, want it absent (flushed at once)", tophatotel.BufferedKey, v.String())
	}
}

// TestClientGone: a client that leaves in the middle of a response gives
// a span with status Error and error.type client_gone, and a write failure.
func TestClientGone(t *testing.T) {
	h := newHarness(t, tophatotel.Options{})
	chunk := bytes.Repeat([]byte("x"), 4<<10)
	const limit = 64 << 20 // far past what the pipe and the write buffer hold
	handler := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		body := w.Begin(200)
		for sent := 0; sent < limit; sent += len(chunk) {
			if _, err := body.Write(chunk); err != nil {
				break
			}
		}
		return body.Finish()
	})
	server, client := pipe.New(nil)
	served := make(chan error, 1)
	go func() { served <- core.ServeConn(server, h.tel.Middleware(handler), h.options) }()
	if _, err := io.WriteString(client, "GET /stream HTTP/1.1\r\nHost: example.com\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAtLeast(client, make([]byte, 1024), 1024); err != nil {
		t.Fatal(err)
	}
	client.Close()
	select {
	case <-served:
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not notice the client left")
	}
	span := h.oneSpan(t)
	got := attrs(span.Attributes())
	if got["error.type"].AsString() != "client_gone" {
		t.Errorf("error.type %q, want client_gone", got["error.type"].AsString())
	}
	if span.Status().Code != codes.Error || span.Status().Description == "" {
		t.Errorf("span status %+v, want Error with the write error", span.Status())
	}
	if got["http.response.status_code"].AsInt64() != 200 || got["http.response.body.size"].AsInt64() <= 0 {
		t.Errorf("status %v, body size %v: want the 200 that was cut off, with what was sent",
			got["http.response.status_code"].String(), got["http.response.body.size"].String())
	}
	if len(span.Events()) != 1 || span.Events()[0].Name != tophatotel.FirstByteEvent {
		t.Errorf("events %v, want the first byte", span.Events())
	}
	n, _ := h.value(t, tophatotel.WriteFailuresName, attribute.String("http.request.method", "GET"),
		attribute.String("error.type", "client_gone"))
	if n != 1 {
		t.Errorf("%s{GET, client_gone} = %d, want 1", tophatotel.WriteFailuresName, n)
	}
	if n, _ := h.value(t, tophatotel.ClosedStreamsName, tophatotel.TransportKey.String("pipe"),
		tophatotel.EndReasonKey.String("write_failed")); n != 1 {
		t.Errorf("%s{pipe, write_failed} = %d, want 1", tophatotel.ClosedStreamsName, n)
	}
}

// TestNoopTracerProvider: with tracing turned off the handler's context
// carries no span, and the metrics are still recorded.
func TestNoopTracerProvider(t *testing.T) {
	h := newHarness(t, tophatotel.Options{TracerProvider: noopTracerProvider()})
	var hadSpan bool
	handler := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		hadSpan = trace.SpanContextFromContext(req.Context()).IsValid()
		return w.SendString(200, "ok")
	})
	req := coretest.NewRequest("GET", "/", nil)
	req.Header.Set("Traceparent", "00-"+parentTrace+"-"+parentSpan+"-01")
	req.Options = h.options
	req.Serve(h.tel.Middleware(handler))
	if hadSpan {
		t.Error("a span in the context with tracing off")
	}
	if n, _ := h.value(t, "http.server.request.duration", requestAttrs("GET", 200)...); n != 1 {
		t.Errorf("request.duration counted %d, want 1", n)
	}
}
