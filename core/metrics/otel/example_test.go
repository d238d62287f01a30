package tophatotel_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"

	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/coretest"
	tophatotel "github.com/tophat-go/tophat/core/metrics/otel"
	"github.com/tophat-go/tophat/core/router"
	"github.com/tophat-go/tophat/transports/pipe"
)

// A server whose requests become spans: the client's traceparent makes
// the server span part of its trace, and the route names the span.
func Example() {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	defer tp.Shutdown(context.Background())
	tel, err := tophatotel.New(tophatotel.Options{TracerProvider: tp, Propagators: propagation.TraceContext{}})
	if err != nil {
		panic(err)
	}

	r := router.New()
	r.HandleFunc("GET /users/{id}", func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return w.SendString(200, "user "+req.PathValue("id"))
	})
	srv := &core.Server{Handler: r}
	tel.Instrument(srv)

	ln, err := pipe.Listen("example-otel", nil)
	if err != nil {
		panic(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	client := ln.Client()
	for _, path := range []string{"/users/7", "/teapot"} {
		req, _ := http.NewRequest("GET", "http://example-otel"+path, nil)
		req.Header.Set("Traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
		resp, err := client.Do(req)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
	}
	client.CloseIdleConnections()
	srv.Shutdown(context.Background())
	<-served

	// In the order the requests came: the second may have come on a new
	// stream, whose span can end first.
	ended := spans.Ended()
	slices.SortFunc(ended, func(a, b sdktrace.ReadOnlySpan) int { return a.StartTime().Compare(b.StartTime()) })
	for _, s := range ended {
		fmt.Println(s.Name(), s.SpanContext().TraceID(), len(s.Events()), s.EndTime().After(s.StartTime()))
	}
	// Output:
	// GET /users/{id} 4bf92f3577b34da6a3ce929d0e0e4736 1 true
	// GET 4bf92f3577b34da6a3ce929d0e0e4736 1 true
}

// Metrics alone: a no-op TracerProvider turns tracing off, and Hook counts
// what the core refuses.
func Example_metricsOnly() {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())
	tel, err := tophatotel.New(tophatotel.Options{TracerProvider: tracenoop.NewTracerProvider(), MeterProvider: mp})
	if err != nil {
		panic(err)
	}
	opts := &core.Options{}
	tel.Hook(opts)
	hello := tel.Middleware(core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return w.SendString(200, "hello")
	}))

	for _, length := range []string{"", "", "nine"} {
		req := coretest.NewRequest("GET", "/", nil)
		if length != "" {
			req.Header.Set("Content-Length", length) // refused: 400
		}
		req.Options = opts
		req.Serve(hello)
	}

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		panic(err)
	}
	for _, m := range rm.ScopeMetrics[0].Metrics {
		switch d := m.Data.(type) {
		case metricdata.Histogram[float64]:
			if m.Name == "http.server.request.duration" {
				fmt.Println(m.Name, d.DataPoints[0].Count)
			}
		case metricdata.Sum[int64]:
			if m.Name == tophatotel.RejectionsName {
				status, _ := d.DataPoints[0].Attributes.Value("http.response.status_code")
				fmt.Println(m.Name, status.AsInt64(), d.DataPoints[0].Value)
			}
		}
	}
	// Output:
	// http.server.request.duration 2
	// tophat.server.rejections 400 1
}
