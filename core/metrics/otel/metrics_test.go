package tophatotel_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	metricnoop "go.opentelemetry.io/otel/metric/noop"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/coretest"
	tophatotel "github.com/tophat-go/tophat/core/metrics/otel"
	"github.com/tophat-go/tophat/transports/pipe"
)

// TestRequestMetrics serves a known load and reads every request metric
// back, point by point.
func TestRequestMetrics(t *testing.T) {
	h := newHarness(t, tophatotel.Options{})
	app := h.tel.Middleware(testRouter())
	serve := func(method, target, body string) {
		t.Helper()
		req := coretest.NewRequest(method, target, strings.NewReader(body))
		req.Options = h.options
		if res := req.Serve(app); res.Status == 0 {
			t.Fatalf("%s %s: no response", method, target)
		}
	}
	for range 3 {
		serve("GET", "/users/7", "")
	}
	serve("GET", "/nowhere", "")
	serve("POST", "/boom", "0123456789")

	users := requestAttrs("GET", 200, attribute.String("http.route", "/users/{id}"))
	notFound := requestAttrs("GET", 404) // no router matched: no http.route
	boom := requestAttrs("POST", 503, attribute.String("http.route", "/boom"), attribute.String("error.type", "503"))
	for _, name := range []string{"http.server.request.duration", tophatotel.TimeToFirstByteName,
		"http.server.request.body.size", "http.server.response.body.size"} {
		if ps := h.points(t, name); len(ps) != 3 {
			t.Errorf("%s has %d points, want 3: %v", name, len(ps), ps)
		}
		for _, c := range []struct {
			attrs []attribute.KeyValue
			want  int64
		}{{users, 3}, {notFound, 1}, {boom, 1}} {
			if n, _ := h.value(t, name, c.attrs...); n != c.want {
				t.Errorf("%s%v counted %d, want %d", name, c.attrs, n, c.want)
			}
		}
	}
	sum := func(name string, attrs []attribute.KeyValue) float64 {
		want := attribute.NewSet(attrs...)
		for _, p := range h.points(t, name) {
			if p.attrs.Equals(&want) {
				return p.sum
			}
		}
		return -1
	}
	if got := sum("http.server.response.body.size", users); got != 3*float64(len("user 7")) {
		t.Errorf("response body bytes of the users route: %v, want %d", got, 3*len("user 7"))
	}
	if got := sum("http.server.request.body.size", boom); got != 10 {
		t.Errorf("request body bytes of /boom: %v, want 10", got)
	}
	if d, ttfb := sum("http.server.request.duration", users), sum(tophatotel.TimeToFirstByteName, users); d <= 0 || ttfb <= 0 || ttfb > d {
		t.Errorf("durations %v, times to first byte %v: want 0 < ttfb <= duration", d, ttfb)
	}
	if ps := h.points(t, tophatotel.WriteFailuresName); len(ps) != 0 {
		t.Errorf("write failures %v, want none", ps)
	}
}

// TestActiveRequests: a request is active while its handler runs, and not
// after.
func TestActiveRequests(t *testing.T) {
	h := newHarness(t, tophatotel.Options{})
	get := []attribute.KeyValue{attribute.String("http.request.method", "GET"), attribute.String("url.scheme", "http")}
	var during int64
	handler := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		during, _ = h.value(t, "http.server.active_requests", get...)
		return w.SendStatus(204)
	})
	req := coretest.NewRequest("GET", "/", nil)
	req.Options = h.options
	req.Serve(h.tel.Middleware(handler))
	if during != 1 {
		t.Errorf("active_requests %d while the handler ran, want 1", during)
	}
	if after, ok := h.value(t, "http.server.active_requests", get...); !ok || after != 0 {
		t.Errorf("active_requests %d after (recorded %v), want 0", after, ok)
	}
}

// TestRejections: requests the core refuses are counted by status, and an
// OnReject already set still hears of them.
func TestRejections(t *testing.T) {
	h := newHarness(t, tophatotel.Options{})
	var heard []int
	opts := &core.Options{ErrorLog: quietLog, OnReject: func(r core.Rejection) { heard = append(heard, r.Status) }}
	h.tel.Hook(opts)
	ok := h.tel.Middleware(testRouter())
	for _, c := range []struct {
		header, value string
		status        int
	}{
		{"Content-Length", "ten", 400},
		{"Content-Length", "-1", 400},
		{"Transfer-Encoding", "gzip", 400},
		{"Expect", "the-unexpected", 417},
		{"Accept", "*/*", 200}, // not refused
	} {
		req := coretest.NewRequest("GET", "/users/1", nil)
		req.Header.Set(c.header, c.value)
		req.Options = opts
		if res := req.Serve(ok); res.Status != c.status {
			t.Fatalf("%s: %s answered %d, want %d", c.header, c.value, res.Status, c.status)
		}
	}
	if len(heard) != 4 {
		t.Errorf("the earlier OnReject heard %v, want 4 rejections", heard)
	}
	for status, want := range map[int]int64{400: 3, 417: 1} {
		if n, _ := h.value(t, tophatotel.RejectionsName, attribute.Int("http.response.status_code", status)); n != want {
			t.Errorf("%s{%d} = %d, want %d", tophatotel.RejectionsName, status, n, want)
		}
	}
	if n, _ := h.value(t, "http.server.request.duration", requestAttrs("GET", 200, attribute.String("http.route", "/users/{id}"))...); n != 1 {
		t.Errorf("request.duration counted %d requests, want only the one served", n)
	}
}

// TestStreams: streams are counted by transport as they begin and by
// reason as they end, and an OnStream already set still hears of them.
func TestStreams(t *testing.T) {
	h := newHarness(t, tophatotel.Options{})
	var heard int
	opts := &core.Options{ErrorLog: quietLog, OnStream: func(core.StreamEvent) { heard++ }}
	h.tel.Hook(opts)
	app := h.tel.Middleware(testRouter())
	for _, header := range []string{"", "", "ten"} {
		req := coretest.NewRequest("GET", "/users/1", nil)
		if header != "" {
			req.Header.Set("Content-Length", header)
		}
		req.Options = opts
		req.Serve(app)
	}
	if heard != 6 {
		t.Errorf("the earlier OnStream heard %d events, want 6", heard)
	}
	tcp := tophatotel.TransportKey.String("tcp") // coretest's stream has a TCP LocalAddr
	if n, _ := h.value(t, tophatotel.StreamsName, tcp); n != 3 {
		t.Errorf("%s{tcp} = %d, want 3", tophatotel.StreamsName, n)
	}
	if n, ok := h.value(t, tophatotel.ActiveStreamsName, tcp); !ok || n != 0 {
		t.Errorf("%s{tcp} = %d (recorded %v), want 0", tophatotel.ActiveStreamsName, n, ok)
	}
	for reason, want := range map[string]int64{"client_closed": 2, "rejected": 1} {
		by := []attribute.KeyValue{tcp, tophatotel.EndReasonKey.String(reason)}
		if n, _ := h.value(t, tophatotel.ClosedStreamsName, by...); n != want {
			t.Errorf("%s{tcp, %s} = %d, want %d", tophatotel.ClosedStreamsName, reason, n, want)
		}
		if n, _ := h.value(t, tophatotel.StreamDurationName, by...); n != want {
			t.Errorf("%s{tcp, %s} counted %d, want %d", tophatotel.StreamDurationName, reason, n, want)
		}
	}
}

// TestNoopMeterProvider: with metrics turned off Hook leaves the
// hooks alone, and spans are still made.
func TestNoopMeterProvider(t *testing.T) {
	h := newHarness(t, tophatotel.Options{MeterProvider: metricnoop.NewMeterProvider()})
	opts := &core.Options{}
	h.tel.Hook(opts)
	if opts.OnReject != nil || opts.OnStream != nil {
		t.Error("Hook set hooks with metrics off")
	}
	req := coretest.NewRequest("GET", "/users/1", nil)
	req.Options = opts
	req.Serve(h.tel.Middleware(testRouter()))
	if span := h.oneSpan(t); span.Name() != "GET /users/{id}" {
		t.Errorf("span %q", span.Name())
	}
}

// TestInstrumentServer: Instrument puts a whole Server under observation,
// handler and hooks, in one call.
func TestInstrumentServer(t *testing.T) {
	h := newHarness(t, tophatotel.Options{})
	srv := &core.Server{Handler: testRouter(), Options: core.Options{ErrorLog: quietLog}}
	h.tel.Instrument(srv)
	ln, err := pipe.Listen("", nil)
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	client := ln.Client()
	for range 2 {
		resp, err := client.Get("http://otel/users/3")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body) //nolint:errcheck // read to the end, so the stream is reused
		resp.Body.Close()
	}
	client.CloseIdleConnections()
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := <-served; !errors.Is(err, core.ErrServerClosed) {
		t.Fatal(err)
	}
	if spans := h.ended(t); len(spans) != 2 || spans[0].Name() != "GET /users/{id}" {
		t.Errorf("spans %v, want two of GET /users/{id}", spans)
	}
	pipeStreams := tophatotel.TransportKey.String("pipe")
	if n, _ := h.value(t, tophatotel.StreamsName, pipeStreams); n != 1 {
		t.Errorf("%s{pipe} = %d, want 1 (one kept-alive stream)", tophatotel.StreamsName, n)
	}
	if n, _ := h.value(t, "http.server.request.duration", requestAttrs("GET", 200, attribute.String("http.route", "/users/{id}"))...); n != 2 {
		t.Errorf("request.duration counted %d, want 2", n)
	}
}
