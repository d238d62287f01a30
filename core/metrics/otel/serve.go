package tophatotel

import (
	"context"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/metrics"
)

// A requestKey is what the metrics of one request are labelled by, every
// part bounded: the labels of package metrics, the status and the scheme
// and version of the protocol.
type requestKey struct {
	method string // metrics.Method
	route  string // metrics.Route
	cause  string // metrics.WriteCause, "" for a whole response
	status int    // 0 when unknown (a handler that panicked after sending)
	tls    bool
	minor  int
}

// A requestEntry is what is precomputed for a requestKey.
type requestEntry struct {
	spanName  string // "GET /users/{id}", "GET", or "HTTP ..." for _OTHER
	route     string // http.route: the pattern's path, "" when unrouted
	errorType string // error.type: the cause, else the status of a 5xx
	record    []metric.RecordOption
	failed    []metric.AddOption // tophat.server.write_failures; nil without a cause
}

type activeKey struct {
	method string
	tls    bool
}

var (
	schemeHTTP     = semconv.URLSchemeKey.String("http")
	schemeHTTPS    = semconv.URLSchemeKey.String("https")
	protocolHTTP11 = semconv.NetworkProtocolVersion("1.1")
	protocolHTTP10 = semconv.NetworkProtocolVersion("1.0")
	serverKind     = trace.WithSpanKind(trace.SpanKindServer)
)

func scheme(tls bool) attribute.KeyValue {
	if tls {
		return schemeHTTPS
	}
	return schemeHTTP
}

func protocolVersion(minor int) attribute.KeyValue {
	if minor == 0 {
		return protocolHTTP10
	}
	return protocolHTTP11
}

// httpRoute returns the path of a route pattern ("GET /users/{id}" gives
// "/users/{id}"), the form http.route takes; "" for NoRoute.
func httpRoute(route string) string {
	if route == metrics.NoRoute {
		return ""
	}
	if i := strings.IndexByte(route, '/'); i >= 0 {
		return route[i:]
	}
	return route
}

// spanMethod is the method part of a span name: "HTTP" for a method the
// conventions do not know.
func spanMethod(method string) string {
	if method == metrics.OtherMethod {
		return "HTTP"
	}
	return method
}

func (t *Telemetry) newRequestEntry(k requestKey) *requestEntry {
	e := &requestEntry{route: httpRoute(k.route), spanName: spanMethod(k.method)}
	if e.route != "" {
		e.spanName += " " + e.route
	}
	switch {
	case k.cause != "":
		e.errorType = k.cause
	case k.status >= 500:
		e.errorType = strconv.Itoa(k.status)
	}
	attrs := []attribute.KeyValue{
		semconv.HTTPRequestMethodKey.String(k.method),
		scheme(k.tls),
		protocolVersion(k.minor),
	}
	if k.status > 0 {
		attrs = append(attrs, semconv.HTTPResponseStatusCode(k.status))
	}
	if e.route != "" {
		attrs = append(attrs, semconv.HTTPRoute(e.route))
	}
	if e.errorType != "" {
		attrs = append(attrs, semconv.ErrorTypeKey.String(e.errorType))
	}
	e.record = []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(attrs...))}
	if k.cause != "" {
		failed := []attribute.KeyValue{
			semconv.HTTPRequestMethodKey.String(k.method),
			semconv.ErrorTypeKey.String(k.cause),
		}
		if e.route != "" {
			failed = append(failed, semconv.HTTPRoute(e.route))
		}
		e.failed = []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(failed...))}
	}
	return e
}

func (t *Telemetry) requestEntry(k requestKey) *requestEntry {
	if e, ok := t.requests.Load(k); ok {
		return e
	}
	return t.requests.Store(k, t.newRequestEntry(k))
}

func (t *Telemetry) activeOptions(method string, tls bool) []metric.AddOption {
	k := activeKey{method, tls}
	if o, ok := t.activeSets.Load(k); ok {
		return o
	}
	set := attribute.NewSet(semconv.HTTPRequestMethodKey.String(method), scheme(tls))
	return t.activeSets.Store(k, []metric.AddOption{metric.WithAttributeSet(set)})
}

// serve is the middleware: a span around next when tracing, and the
// receipt's figures recorded when next returns (or panics).
func (t *Telemetry) serve(next core.Handler, req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
	start := req.Received() // the receipt's times count from here
	if start.IsZero() {
		start = time.Now()
	}
	method := metrics.Method(req)
	tls := req.TLS() != nil
	ctx := context.Background()
	var span trace.Span
	if t.tracing && (t.filter == nil || t.filter(req)) {
		ctx = t.propagators.Extract(req.Context(), headerCarrier{req.Header()})
		ctx, span = t.tracer.Start(ctx, spanMethod(method), serverKind, trace.WithTimestamp(start),
			trace.WithAttributes(requestAttributes(req, method, tls)...))
		req.SetContext(ctx)
	}
	var active []metric.AddOption
	if t.metrics {
		active = t.activeOptions(method, tls)
		t.active.Add(ctx, 1, active...)
	}
	finished := false
	defer func() {
		if !finished {
			// The handler panicked; the core answers 500 if nothing was
			// sent yet, and closes the stream otherwise.
			status := 0
			if !w.Sent() {
				status = 500
			}
			t.finish(ctx, span, req, start, method, tls, active, status, core.ResponseWritten{}, core.ErrHandlerPanic)
		}
	}()
	rw := next.Serve(req, w)
	finished = true
	status, err := rw.Status(), rw.Err()
	if rw.IsZero() {
		status, err = 500, core.ErrNoResponse // the core answers in the handler's place
	}
	t.finish(ctx, span, req, start, method, tls, active, status, rw, err)
	return rw
}

func (t *Telemetry) finish(ctx context.Context, span trace.Span, req *core.Request, start time.Time,
	method string, tls bool, active []metric.AddOption, status int, rw core.ResponseWritten, err error) {
	key := requestKey{
		method: method,
		route:  metrics.Route(req),
		cause:  metrics.WriteCause(err),
		status: status,
		tls:    tls,
		minor:  req.ProtoMinor(),
	}
	e := t.requestEntry(key)
	// Something reached the stream: the receipt's times are those of the
	// wire, measured from the arrival of the head.
	onWire := rw.HeadBytes() > 0
	duration := rw.Duration()
	if !onWire {
		duration = time.Since(start)
	}
	if span != nil {
		endSpan(span, e, req, rw, err, key, onWire, start, duration)
	}
	if !t.metrics {
		return
	}
	t.duration.Record(ctx, duration.Seconds(), e.record...)
	if onWire {
		t.firstByte.Record(ctx, rw.TimeToFirstByte().Seconds(), e.record...)
	}
	if n := req.ContentLength(); n >= 0 {
		t.requestSize.Record(ctx, n, e.record...)
	}
	t.responseSize.Record(ctx, rw.BodyBytes(), e.record...)
	if e.failed != nil {
		t.writeFailures.Add(ctx, 1, e.failed...)
	}
	t.active.Add(ctx, -1, active...)
}

func endSpan(span trace.Span, e *requestEntry, req *core.Request, rw core.ResponseWritten, err error,
	key requestKey, onWire bool, start time.Time, duration time.Duration) {
	if e.route != "" {
		span.SetName(e.spanName)
	}
	if span.IsRecording() {
		attrs := make([]attribute.KeyValue, 0, 8)
		if e.route != "" {
			attrs = append(attrs, semconv.HTTPRoute(e.route))
		}
		if key.status > 0 {
			attrs = append(attrs, semconv.HTTPResponseStatusCode(key.status))
		}
		attrs = append(attrs, semconv.HTTPResponseBodySize(int(rw.BodyBytes())),
			semconv.HTTPResponseSize(int(rw.HeadBytes()+rw.BodyBytes())))
		if n := req.ContentLength(); n > 0 {
			attrs = append(attrs, semconv.HTTPRequestBodySize(int(n)))
		}
		if e.errorType != "" {
			attrs = append(attrs, semconv.ErrorTypeKey.String(e.errorType))
		}
		if rw.Buffered() {
			attrs = append(attrs, BufferedKey.Bool(true))
		}
		span.SetAttributes(attrs...)
		// Server spans leave 4xx unset: the client erred, not the server.
		switch {
		case key.cause != "":
			span.SetStatus(codes.Error, err.Error())
		case key.status >= 500:
			span.SetStatus(codes.Error, "")
		}
		if onWire {
			span.AddEvent(FirstByteEvent, trace.WithTimestamp(start.Add(rw.TimeToFirstByte())))
		}
	}
	span.End(trace.WithTimestamp(start.Add(duration)))
}
