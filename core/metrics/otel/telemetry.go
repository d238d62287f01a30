package tophatotel

import (
	"errors"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/metrics/internal/cowmap"
)

// ScopeName is the instrumentation scope of the tracer and the meter.
const ScopeName = "github.com/tophat-go/tophat/core/metrics/otel"

// Names of the instruments beyond OpenTelemetry's HTTP conventions, which
// have no name for what a receipt and the core's hooks tell.
const (
	// TimeToFirstByteName is a histogram, in seconds, of the time from the
	// arrival of a request's head to the first byte of its response
	// written to the stream, with the attributes of
	// http.server.request.duration.
	TimeToFirstByteName = "tophat.server.time_to_first_byte"
	// WriteFailuresName counts responses that did not go out whole, by
	// http.request.method, http.route and error.type (the cause, as
	// metrics.WriteCause names it: "client_gone", "timeout", ...).
	WriteFailuresName = "tophat.server.write_failures"
	// RejectionsName counts requests the core refused before a handler saw
	// them, by http.response.status_code (the status of the answer).
	RejectionsName = "tophat.server.rejections"
	// StreamsName counts the streams the core began to serve, by
	// TransportKey.
	StreamsName = "tophat.server.streams"
	// ActiveStreamsName is the number of streams being served, by
	// TransportKey.
	ActiveStreamsName = "tophat.server.active_streams"
	// ClosedStreamsName counts the streams the core is done with, by
	// TransportKey and EndReasonKey.
	ClosedStreamsName = "tophat.server.closed_streams"
	// StreamDurationName is a histogram, in seconds, of the lifetime of
	// streams, by TransportKey and EndReasonKey.
	StreamDurationName = "tophat.server.stream.duration"
)

// Attribute keys of tophat's own.
const (
	// TransportKey names the transport of a stream as metrics.Transport
	// does: "tcp", "unix", "kcp", "pipe", "tls+tcp", ... (network.transport
	// has no value for TLS or KCP).
	TransportKey = attribute.Key("tophat.transport")
	// EndReasonKey says why a stream ended: core.EndReason's String.
	EndReasonKey = attribute.Key("tophat.stream.end_reason")
	// BufferedKey is true on the span of a response that was complete in
	// the write buffer, waiting for the responses to pipelined requests
	// behind it, when its handler returned (core.ResponseWritten.Buffered):
	// its times and sizes are those of the buffering. It is absent
	// otherwise.
	BufferedKey = attribute.Key("tophat.response.buffered")
)

// FirstByteEvent is the name of the span event at the moment the first
// byte of the response was written to the stream.
const FirstByteEvent = "tophat.response.first_byte"

// Bucket boundaries. Durations follow OpenTelemetry's HTTP conventions;
// sizes, which the conventions leave open, go up by powers of four from
// 64 bytes to 64 MiB.
var (
	durationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}
	sizeBuckets     = []float64{0, 64, 256, 1 << 10, 4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20, 16 << 20, 64 << 20}
)

// Options configure a Telemetry. The zero value uses OpenTelemetry's
// global providers and propagator.
type Options struct {
	// TracerProvider makes the server spans; nil means
	// otel.GetTracerProvider(). A trace/noop.TracerProvider turns tracing
	// off: the middleware then makes no span and no request context.
	TracerProvider trace.TracerProvider
	// MeterProvider makes the instruments; nil means
	// otel.GetMeterProvider(). A metric/noop.MeterProvider turns metrics
	// off.
	MeterProvider metric.MeterProvider
	// Propagators read the parent span (and baggage) from the request
	// header; nil means otel.GetTextMapPropagator().
	Propagators propagation.TextMapPropagator
	// Filter, if set, is asked before each request's span starts; a request
	// it returns false for gets no span (health checks, say). Its metrics
	// are recorded all the same, so counts stay whole.
	Filter func(*core.Request) bool
}

// Telemetry records spans and metrics of a tophat server. Make one with
// New, then Instrument the server (or wrap a handler with Middleware and
// Hook the Options given to ServeConn). It is safe for concurrent use.
type Telemetry struct {
	tracing     bool
	metrics     bool
	tracer      trace.Tracer
	propagators propagation.TextMapPropagator
	filter      func(*core.Request) bool

	duration       metric.Float64Histogram
	active         metric.Int64UpDownCounter
	requestSize    metric.Int64Histogram
	responseSize   metric.Int64Histogram
	firstByte      metric.Float64Histogram
	writeFailures  metric.Int64Counter
	rejections     metric.Int64Counter
	streams        metric.Int64Counter
	activeStreams  metric.Int64UpDownCounter
	closedStreams  metric.Int64Counter
	streamDuration metric.Float64Histogram

	// Attribute sets made once per combination of labels (cowmap: reads
	// take no lock and allocate nothing).
	requests   cowmap.Map[requestKey, *requestEntry]
	activeSets cowmap.Map[activeKey, []metric.AddOption]
	statusSets cowmap.Map[int, []metric.AddOption]
	streamSets cowmap.Map[streamKey, *streamEntry]
}

// maxCached bounds each cache of attribute sets. The keys are bounded
// labels (methods, route patterns, statuses, causes, transports), so a
// program stays far below it; past it, sets are built for each use instead
// of growing the cache without end.
const maxCached = 2048

// New returns a Telemetry that makes its spans and instruments with the
// providers of opts. An error means an instrument could not be made (the
// Telemetry then records what it can, with the others as no-ops).
func New(opts Options) (*Telemetry, error) {
	tp := opts.TracerProvider
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	mp := opts.MeterProvider
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	t := &Telemetry{
		propagators: opts.Propagators,
		filter:      opts.Filter,
		tracer:      tp.Tracer(ScopeName, trace.WithSchemaURL(semconv.SchemaURL)),
	}
	t.requests.Max, t.activeSets.Max, t.statusSets.Max, t.streamSets.Max = maxCached, maxCached, maxCached, maxCached
	if t.propagators == nil {
		t.propagators = otel.GetTextMapPropagator()
	}
	_, tracingOff := tp.(tracenoop.TracerProvider)
	_, metricsOff := mp.(metricnoop.MeterProvider)
	t.tracing, t.metrics = !tracingOff, !metricsOff

	m := mp.Meter(ScopeName, metric.WithSchemaURL(semconv.SchemaURL))
	var errs []error
	f64hist := func(name, unit, desc string, buckets []float64) metric.Float64Histogram {
		h, err := m.Float64Histogram(name, metric.WithUnit(unit), metric.WithDescription(desc),
			metric.WithExplicitBucketBoundaries(buckets...))
		errs = append(errs, err)
		return h
	}
	i64hist := func(name, unit, desc string, buckets []float64) metric.Int64Histogram {
		h, err := m.Int64Histogram(name, metric.WithUnit(unit), metric.WithDescription(desc),
			metric.WithExplicitBucketBoundaries(buckets...))
		errs = append(errs, err)
		return h
	}
	counter := func(name, unit, desc string) metric.Int64Counter {
		c, err := m.Int64Counter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		errs = append(errs, err)
		return c
	}
	upDown := func(name, unit, desc string) metric.Int64UpDownCounter {
		c, err := m.Int64UpDownCounter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		errs = append(errs, err)
		return c
	}
	t.duration = f64hist("http.server.request.duration", "s",
		"Duration of HTTP server requests: from the arrival of the request head to the last byte of the response.", durationBuckets)
	t.active = upDown("http.server.active_requests", "{request}", "Number of active HTTP server requests.")
	t.requestSize = i64hist("http.server.request.body.size", "By",
		"Size of HTTP server request bodies, as declared by Content-Length (chunked bodies are not counted).", sizeBuckets)
	t.responseSize = i64hist("http.server.response.body.size", "By", "Size of HTTP server response bodies.", sizeBuckets)
	t.firstByte = f64hist(TimeToFirstByteName, "s",
		"Time from the arrival of the request head to the first byte of the response written to the stream.", durationBuckets)
	t.writeFailures = counter(WriteFailuresName, "{response}", "Responses that did not go out whole, by cause.")
	t.rejections = counter(RejectionsName, "{request}", "Requests refused before a handler saw them, by status.")
	t.streams = counter(StreamsName, "{stream}", "Streams the server began to serve.")
	t.activeStreams = upDown(ActiveStreamsName, "{stream}", "Streams being served.")
	t.closedStreams = counter(ClosedStreamsName, "{stream}", "Streams the server is done with, by why they ended.")
	t.streamDuration = f64hist(StreamDurationName, "s", "Lifetime of streams, from the start of serving to the end.", durationBuckets)
	return t, errors.Join(errs...)
}

// Middleware wraps next so that each request gets a server span and is
// measured; use it as a core.Middleware. Put it outermost, so that the
// span covers the other middleware and the router has recorded the route
// when next returns.
func (t *Telemetry) Middleware(next core.Handler) core.Handler {
	return core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return t.serve(next, req, w)
	})
}

// Instrument wraps srv.Handler in the Middleware and hooks srv.Options:
// the one line that puts a server under observation, as the Recorder of
// package metrics does. Call it before srv.Serve (which copies the
// Options), and once per server.
func (t *Telemetry) Instrument(srv *core.Server) {
	if srv.Handler != nil {
		srv.Handler = t.Middleware(srv.Handler)
	}
	t.Hook(&srv.Options)
}

// Hook sets opts.OnReject and opts.OnStream to count rejected requests and
// streams, keeping the functions already there (they are called first).
// Hook opts once, before the server or ServeConn uses them. With metrics
// off it changes nothing.
func (t *Telemetry) Hook(opts *core.Options) {
	if !t.metrics {
		return
	}
	onReject, onStream := opts.OnReject, opts.OnStream
	opts.OnReject = func(r core.Rejection) {
		if onReject != nil {
			onReject(r)
		}
		t.rejected(r)
	}
	opts.OnStream = func(e core.StreamEvent) {
		if onStream != nil {
			onStream(e)
		}
		t.stream(e)
	}
}
