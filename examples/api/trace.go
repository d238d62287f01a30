package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/tophat-go/tophat/core"
	tophatotel "github.com/tophat-go/tophat/core/metrics/otel"
)

// tracing sends a server span for every request, as JSON, to w: one
// object per span, written in batches. The span continues the trace of
// an incoming traceparent, and its context is the request's, so spans the
// handlers start (say around a query) are its children. The spans'
// exporter is OpenTelemetry's stdout one: a program that ships spans to a
// collector swaps in its OTLP exporter here and changes nothing else.
//
// Metrics stay with /metrics; this Telemetry makes spans only. stop
// flushes the spans still batched and must be called before exit.
func tracing(w io.Writer) (trace core.Middleware, stop func(context.Context) error, err error) {
	exporter, err := stdouttrace.New(stdouttrace.WithWriter(w))
	if err != nil {
		return nil, nil, err
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exporter),
		sdktrace.WithResource(resource.NewSchemaless(semconv.ServiceName("api"))),
	)
	tel, err := tophatotel.New(tophatotel.Options{
		TracerProvider: tp,
		MeterProvider:  metricnoop.NewMeterProvider(),
		Propagators:    propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}),
	})
	if err != nil {
		tp.Shutdown(context.Background()) //nolint:errcheck // nothing was traced
		return nil, nil, err
	}
	return tel.Middleware, tp.Shutdown, nil
}

// startTracing traces to where -trace says: "-" for standard error, else
// a file, appended to. stop flushes the spans and closes the file.
func startTracing(path string) (trace core.Middleware, stop func(), err error) {
	var w io.Writer = os.Stderr
	closeFile := func() error { return nil }
	if path != "-" {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return nil, nil, fmt.Errorf("-trace: %w", err)
		}
		w, closeFile = f, f.Close
	}
	trace, flush, err := tracing(w)
	if err != nil {
		closeFile() //nolint:errcheck // nothing was written
		return nil, nil, err
	}
	return trace, func() {
		ctx, cancel := context.WithTimeout(context.Background(), flushTimeout)
		defer cancel()
		if err := errors.Join(flush(ctx), closeFile()); err != nil {
			slog.Error("writing the last spans", "err", err)
		}
	}, nil
}

// flushTimeout bounds the wait for the last spans at exit.
const flushTimeout = 5 * time.Second
