package tophatotel_test

import (
	"crypto/tls"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/coretest"
	tophatotel "github.com/tophat-go/tophat/core/metrics/otel"
	"github.com/tophat-go/tophat/core/router"
)

// testRouter is the application the span and metric tests serve.
func testRouter() *router.Router {
	r := router.New()
	r.HandleFunc("GET /users/{id}", func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return w.SendString(200, "user "+req.PathValue("id"))
	})
	r.HandleFunc("POST /boom", func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return w.SendString(503, "down")
	})
	r.HandleFunc("/any", func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return w.SendStatus(204)
	})
	return r
}

func TestSpans(t *testing.T) {
	cases := []struct {
		name     string
		req      *coretest.Request
		span     string
		attrs    map[attribute.Key]attribute.Value // a subset of the span's
		absent   []attribute.Key
		status   codes.Code
		wantCode int
	}{
		{
			name: "routed",
			req:  coretest.NewRequest("GET", "/users/7", nil),
			span: "GET /users/{id}",
			attrs: map[attribute.Key]attribute.Value{
				"http.request.method":       attribute.StringValue("GET"),
				"url.path":                  attribute.StringValue("/users/7"),
				"url.scheme":                attribute.StringValue("http"),
				"server.address":            attribute.StringValue(coretest.DefaultHost),
				"network.protocol.version":  attribute.StringValue("1.1"),
				"client.address":            attribute.StringValue("192.0.2.1"),
				"client.port":               attribute.IntValue(1234),
				"http.route":                attribute.StringValue("/users/{id}"),
				"http.response.status_code": attribute.IntValue(200),
				"http.response.body.size":   attribute.IntValue(len("user 7")),
			},
			absent:   []attribute.Key{"server.port", "error.type", tophatotel.BufferedKey, "http.request.method_original", "http.request.body.size"},
			status:   codes.Unset,
			wantCode: 200,
		},
		{
			name: "unrouted",
			req:  coretest.NewRequest("GET", "/nowhere", nil),
			span: "GET",
			attrs: map[attribute.Key]attribute.Value{
				"url.path":                  attribute.StringValue("/nowhere"),
				"http.response.status_code": attribute.IntValue(404),
			},
			absent:   []attribute.Key{"http.route", "error.type"},
			status:   codes.Unset, // a 4xx is the client's error, not the server's
			wantCode: 404,
		},
		{
			name: "server error",
			req:  coretest.NewRequest("POST", "/boom", strings.NewReader("x")),
			span: "POST /boom",
			attrs: map[attribute.Key]attribute.Value{
				"http.request.method":       attribute.StringValue("POST"),
				"http.route":                attribute.StringValue("/boom"),
				"http.response.status_code": attribute.IntValue(503),
				"error.type":                attribute.StringValue("503"),
				"http.request.body.size":    attribute.IntValue(1),
			},
			status:   codes.Error,
			wantCode: 503,
		},
		{
			name: "unknown method",
			req:  coretest.NewRequest("BREW", "/any", nil),
			span: "HTTP /any",
			attrs: map[attribute.Key]attribute.Value{
				"http.request.method":          attribute.StringValue("_OTHER"),
				"http.request.method_original": attribute.StringValue("BREW"),
				"http.route":                   attribute.StringValue("/any"),
				"http.response.status_code":    attribute.IntValue(204),
				"http.response.body.size":      attribute.IntValue(0),
			},
			status:   codes.Unset,
			wantCode: 204,
		},
		{
			name: "https with a port",
			req: func() *coretest.Request {
				r := coretest.NewRequest("GET", "/users/1", nil)
				r.Header.Set("Host", "api.example.com:8443")
				r.Header.Set("User-Agent", "probe/1.0")
				r.TLS = &tls.ConnectionState{Version: tls.VersionTLS13, HandshakeComplete: true}
				return r
			}(),
			span: "GET /users/{id}",
			attrs: map[attribute.Key]attribute.Value{
				"url.scheme":          attribute.StringValue("https"),
				"server.address":      attribute.StringValue("api.example.com"),
				"server.port":         attribute.IntValue(8443),
				"user_agent.original": attribute.StringValue("probe/1.0"),
			},
			status:   codes.Unset,
			wantCode: 200,
		},
		{
			name: "HTTP/1.0 and IPv6",
			req: func() *coretest.Request {
				r := coretest.NewRequest("GET", "/users/2", nil)
				r.Proto = "HTTP/1.0"
				r.Header.Set("Host", "[2001:db8::1]:8080")
				r.RemoteAddr = "[2001:db8::2]:40000"
				return r
			}(),
			span: "GET /users/{id}",
			attrs: map[attribute.Key]attribute.Value{
				"network.protocol.version": attribute.StringValue("1.0"),
				"server.address":           attribute.StringValue("2001:db8::1"),
				"server.port":              attribute.IntValue(8080),
				"client.address":           attribute.StringValue("2001:db8::2"),
				"client.port":              attribute.IntValue(40000),
			},
			status:   codes.Unset,
			wantCode: 200,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tophatotel.Options{})
			tc.req.Options = h.options
			res := tc.req.Serve(h.tel.Middleware(testRouter()))
			if res.Status != tc.wantCode {
				t.Fatalf("status %d, want %d", res.Status, tc.wantCode)
			}
			span := h.oneSpan(t)
			if span.Name() != tc.span {
				t.Errorf("span name %q, want %q", span.Name(), tc.span)
			}
			if span.SpanKind() != trace.SpanKindServer {
				t.Errorf("span kind %v, want server", span.SpanKind())
			}
			if span.Parent().IsValid() {
				t.Errorf("span has parent %v without a traceparent", span.Parent())
			}
			got := attrs(span.Attributes())
			for k, want := range tc.attrs {
				if v, ok := got[k]; !ok || v != want {
					t.Errorf("%s = %v (present %v), want %v", k, v.String(), ok, want.String())
				}
			}
			for _, k := range tc.absent {
				if v, ok := got[k]; ok {
					t.Errorf("%s = %v, want it absent", k, v.String())
				}
			}
			if span.Status().Code != tc.status {
				t.Errorf("span status %v, want %v", span.Status(), tc.status)
			}
			checkWireTimes(t, span, res.Written)
		})
	}
}

// checkWireTimes checks that span ends when its receipt says the last byte
// was written, and has the first-byte event at the time of the first.
func checkWireTimes(t *testing.T, span sdktrace.ReadOnlySpan, rw core.ResponseWritten) {
	t.Helper()
	if rw.IsZero() || rw.Duration() <= 0 {
		t.Fatalf("receipt %+v has no times", rw)
	}
	if got := span.EndTime().Sub(span.StartTime()); got != rw.Duration() {
		t.Errorf("span lasts %v, receipt's Duration %v", got, rw.Duration())
	}
	var events []sdktrace.Event
	for _, e := range span.Events() {
		if e.Name == tophatotel.FirstByteEvent {
			events = append(events, e)
		}
	}
	if len(events) != 1 {
		t.Fatalf("%d %s events in %v, want 1", len(events), tophatotel.FirstByteEvent, span.Events())
	}
	if got := events[0].Time.Sub(span.StartTime()); got != rw.TimeToFirstByte() {
		t.Errorf("first byte %v after the start, receipt's TimeToFirstByte %v", got, rw.TimeToFirstByte())
	}
}

// TestSpanStartsWhenTheHeadArrived: the span starts at Request.Received,
// the instant the receipt's times count from, not when the middleware was
// called, so its first-byte event and its end sit where the wire had them.
func TestSpanStartsWhenTheHeadArrived(t *testing.T) {
	h := newHarness(t, tophatotel.Options{})
	received := make(chan time.Time, 1)
	inner := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		received <- req.Received()
		return w.SendString(200, "ok")
	})
	res := coretest.NewRequest("GET", "/", nil).Serve(h.tel.Middleware(inner))
	if res.Status != 200 {
		t.Fatalf("status %d", res.Status)
	}
	want := <-received
	if span := h.oneSpan(t); !span.StartTime().Equal(want) {
		t.Errorf("span starts %v after the head arrived, want at it", span.StartTime().Sub(want))
	}
}
