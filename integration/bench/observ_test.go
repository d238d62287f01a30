package bench

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/metrics"
	tophatotel "github.com/tophat-go/tophat/core/metrics/otel"
)

// The observability benchmarks serve the keep-alive GET of
// BenchmarkKeepAlive through the same "Hello, World!" handler, bare and
// measured: by core/metrics' Recorder, by core/metrics/otel with metrics
// alone and with metrics and spans, and, on net/http, by otelhttp with the
// same two setups. The OpenTelemetry rows record into real SDK providers:
// a MeterProvider with a manual reader (nothing is collected while the
// benchmark runs, as between scrapes) and a TracerProvider that samples
// every request and hands each span to an exporter that counts it, so the
// spans are made, ended and exported, not dropped. Every run checks that
// each request was answered, counted and (where traced) exported.

// telemetry is the SDK providers one observed run records into.
type telemetry struct {
	reader *sdkmetric.ManualReader
	meters *sdkmetric.MeterProvider
	tracer trace.TracerProvider // a no-op one for the metrics-only rows
	spans  *countingExporter    // nil for the metrics-only rows
}

func newTelemetry(traced bool) *telemetry {
	t := &telemetry{reader: sdkmetric.NewManualReader(), tracer: tracenoop.NewTracerProvider()}
	t.meters = sdkmetric.NewMeterProvider(sdkmetric.WithReader(t.reader))
	if traced {
		t.spans = &countingExporter{}
		t.tracer = sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()), sdktrace.WithSyncer(t.spans))
	}
	return t
}

func (t *telemetry) shutdown() {
	if tp, ok := t.tracer.(*sdktrace.TracerProvider); ok {
		tp.Shutdown(context.Background()) //nolint:errcheck // the exporter only counts
	}
	t.meters.Shutdown(context.Background()) //nolint:errcheck // nothing to flush
}

// check reports whether n requests were recorded in
// http.server.request.duration and, when traced, exported as spans.
func (t *telemetry) check(n int) error {
	if t.spans != nil {
		if got := t.spans.n.Load(); got != int64(n) {
			return fmt.Errorf("bench: %d spans exported for %d requests", got, n)
		}
	}
	var rm metricdata.ResourceMetrics
	if err := t.reader.Collect(context.Background(), &rm); err != nil {
		return err
	}
	var counted uint64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if h, ok := m.Data.(metricdata.Histogram[float64]); ok && m.Name == "http.server.request.duration" {
				for _, dp := range h.DataPoints {
					counted += dp.Count
				}
			}
		}
	}
	if counted != uint64(n) {
		return fmt.Errorf("bench: http.server.request.duration counted %d of %d requests", counted, n)
	}
	return nil
}

// countingExporter counts the spans handed to it and drops them.
type countingExporter struct{ n atomic.Int64 }

func (e *countingExporter) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	e.n.Add(int64(len(spans)))
	return nil
}

func (e *countingExporter) Shutdown(context.Context) error { return nil }

// An observed server serves c with its measuring in place and checks,
// once c is done, that every one of n requests was measured.
type observed struct {
	name  string
	serve func(c *memConn, n int) error
}

var observedServers = []observed{
	{"tophat", func(c *memConn, n int) error { return serveTophat(c, false) }},
	{"tophat+metrics", serveTophatRecorder},
	{"tophat+otel-metrics", func(c *memConn, n int) error { return serveTophatOtel(c, n, false) }},
	{"tophat+otel-traces", func(c *memConn, n int) error { return serveTophatOtel(c, n, true) }},
	{"nethttp", func(c *memConn, n int) error { return serveNetHTTP(c, false) }},
	{"nethttp+otelhttp-metrics", func(c *memConn, n int) error { return serveOtelhttp(c, n, false) }},
	{"nethttp+otelhttp-traces", func(c *memConn, n int) error { return serveOtelhttp(c, n, true) }},
}

var helloTophat = core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
	w.Header().Set("Content-Type", "text/plain")
	return w.SendString(200, helloBody)
})

func serveTophatRecorder(c *memConn, n int) error {
	rec, err := metrics.New(metrics.Config{})
	if err != nil {
		return err
	}
	opts := &core.Options{}
	rec.Hook(opts)
	if err := core.ServeConn(c, rec.Middleware(helloTophat), opts); err != nil {
		return err
	}
	var requests uint64
	for _, s := range rec.Snapshot().Requests {
		requests += s.Count
	}
	if requests != uint64(n) {
		return fmt.Errorf("bench: the Recorder counted %d of %d requests", requests, n)
	}
	return nil
}

func serveTophatOtel(c *memConn, n int, traced bool) error {
	t := newTelemetry(traced)
	defer t.shutdown()
	tel, err := tophatotel.New(tophatotel.Options{TracerProvider: t.tracer, MeterProvider: t.meters,
		Propagators: propagation.TraceContext{}})
	if err != nil {
		return err
	}
	opts := &core.Options{}
	tel.Hook(opts)
	if err := core.ServeConn(c, tel.Middleware(helloTophat), opts); err != nil {
		return err
	}
	return t.check(n)
}

func serveOtelhttp(c *memConn, n int, traced bool) error {
	t := newTelemetry(traced)
	defer t.shutdown()
	body := []byte(helloBody)
	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write(body) //nolint:errcheck // memConn writes never fail
	})
	h := otelhttp.NewHandler(hello, "hello", otelhttp.WithTracerProvider(t.tracer),
		otelhttp.WithMeterProvider(t.meters), otelhttp.WithPropagators(propagation.TraceContext{}))
	srv := &http.Server{Handler: h}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(newOneShotListener(c)) }()
	<-c.closed
	srv.Close()
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return t.check(n)
}

// BenchmarkObservability serves one keep-alive GET per iteration through
// each observed server in turn, so ns/op and allocs/op compare the cost of
// measuring a request with tophat's receipts against otelhttp's on
// net/http, in one run. The providers are made and checked outside the
// timed part only in so far as they are per connection: one connection
// serves all b.N requests.
func BenchmarkObservability(b *testing.B) {
	for _, s := range observedServers {
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			c := newMemConn(getRequest, b.N, 1)
			b.ResetTimer()
			err := s.serve(c, b.N)
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
			if err := verify(c, b.N, helloBody); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// TestObservedServersAnswer runs each observed exchange for a few
// requests, so a plain go test catches a server that stopped answering or
// measuring.
func TestObservedServersAnswer(t *testing.T) {
	for _, s := range observedServers {
		t.Run(s.name, func(t *testing.T) {
			const n = 5
			c := newMemConn(getRequest, n, 1)
			if err := s.serve(c, n); err != nil {
				t.Fatal(err)
			}
			if err := verify(c, n, helloBody); err != nil {
				t.Fatal(err)
			}
		})
	}
}
