package tophatotel_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/tophat-go/tophat/core"
	tophatotel "github.com/tophat-go/tophat/core/metrics/otel"
)

// A harness is a Telemetry recording into an SDK tracer provider with a
// span recorder and an SDK meter provider with a manual reader, and core
// Options hooked by it.
type harness struct {
	tel     *tophatotel.Telemetry
	spans   *tracetest.SpanRecorder
	reader  *sdkmetric.ManualReader
	options *core.Options
}

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

func newHarness(t *testing.T, opts tophatotel.Options) *harness {
	t.Helper()
	h := &harness{spans: tracetest.NewSpanRecorder(), reader: sdkmetric.NewManualReader()}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(h.spans))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(h.reader))
	t.Cleanup(func() {
		tp.Shutdown(context.Background()) //nolint:errcheck // nothing to flush
		mp.Shutdown(context.Background()) //nolint:errcheck // nothing to flush
	})
	if opts.TracerProvider == nil {
		opts.TracerProvider = tp
	}
	if opts.MeterProvider == nil {
		opts.MeterProvider = mp
	}
	if opts.Propagators == nil {
		opts.Propagators = propagation.TraceContext{}
	}
	tel, err := tophatotel.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	h.tel = tel
	h.options = &core.Options{ErrorLog: quietLog}
	tel.Hook(h.options)
	return h
}

func (h *harness) ended(t *testing.T) []sdktrace.ReadOnlySpan {
	t.Helper()
	return h.spans.Ended()
}

func (h *harness) oneSpan(t *testing.T) sdktrace.ReadOnlySpan {
	t.Helper()
	spans := h.spans.Ended()
	if len(spans) != 1 {
		t.Fatalf("%d spans ended, want 1", len(spans))
	}
	return spans[0]
}

// A point is one data point of a metric: its attributes, and its value
// (a sum's) or count (a histogram's), with a histogram's sum.
type point struct {
	attrs attribute.Set
	value int64
	sum   float64
}

// points collects the data points of the metric named name; nil if the
// reader has none.
func (h *harness) points(t *testing.T, name string) []point {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := h.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != tophatotel.ScopeName {
			t.Errorf("scope %q, want %q", sm.Scope.Name, tophatotel.ScopeName)
		}
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			var ps []point
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, dp := range d.DataPoints {
					ps = append(ps, point{attrs: dp.Attributes, value: dp.Value})
				}
			case metricdata.Histogram[float64]:
				for _, dp := range d.DataPoints {
					ps = append(ps, point{attrs: dp.Attributes, value: int64(dp.Count), sum: dp.Sum})
				}
			case metricdata.Histogram[int64]:
				for _, dp := range d.DataPoints {
					ps = append(ps, point{attrs: dp.Attributes, value: int64(dp.Count), sum: float64(dp.Sum)})
				}
			default:
				t.Fatalf("metric %s has data %T", name, m.Data)
			}
			return ps
		}
	}
	return nil
}

// value returns the value (or count) of the point of name whose attributes
// are exactly attrs, and whether there is one.
func (h *harness) value(t *testing.T, name string, attrs ...attribute.KeyValue) (int64, bool) {
	t.Helper()
	want := attribute.NewSet(attrs...)
	for _, p := range h.points(t, name) {
		if p.attrs.Equals(&want) {
			return p.value, true
		}
	}
	return 0, false
}

// attrs turns a span's attributes into a map for lookups.
func attrs(kvs []attribute.KeyValue) map[attribute.Key]attribute.Value {
	m := make(map[attribute.Key]attribute.Value, len(kvs))
	for _, kv := range kvs {
		m[kv.Key] = kv.Value
	}
	return m
}

func noopTracerProvider() trace.TracerProvider { return tracenoop.NewTracerProvider() }
