// Package tophatotel records OpenTelemetry server spans and metrics for a
// tophat server from the receipts its handlers return. It lives in its own
// package so that only a program that imports it links OpenTelemetry.
//
//	tel, err := tophatotel.New(tophatotel.Options{}) // the global providers
//	srv := &core.Server{Handler: router}
//	tel.Instrument(srv) // the Middleware around the handler, and Hook on the Options
//
// # Spans
//
// Each request gets a server span that follows OpenTelemetry's HTTP
// semantic conventions, with its parent read from the request header by
// the configured propagator (W3C traceparent with otel's usual setup). The
// span's context becomes the request's (Request.SetContext), so the
// handler's own spans and outgoing calls join the trace.
//
//	head parsed ─► Middleware ─► handler ─► first byte ─► last byte ─► receipt
//	│                                         │             │
//	span start (Request.Received)             event         span end
//	                                          "tophat.response.first_byte"
//
// The span ends when the response's last byte was written to the stream,
// as the receipt (core.ResponseWritten) reports, not when the handler
// returned, and carries the event FirstByteEvent at the time its first
// byte was: the span matches the wire. The span starts at
// core.Request.Received, the arrival of the request head, which is the
// instant the receipt's times count from.
//
// Its name is "METHOD route" ("GET /users/{id}") once a router recorded a
// pattern, "METHOD" otherwise, and "HTTP" stands for a method outside the
// conventions' list. It starts with http.request.method (and
// http.request.method_original for an unknown method), url.path,
// url.scheme, server.address and server.port (from Host), client.address
// and client.port (from the stream's RemoteAddr), network.protocol.version
// and user_agent.original, and ends with http.route, http.response.status_code,
// http.response.body.size, http.response.size (head and body),
// http.request.body.size (when Content-Length gave one), error.type and
// BufferedKey. Its status is Error for a 5xx answer and for a response
// that did not go out whole; error.type is then the cause as
// metrics.WriteCause names it ("client_gone", "timeout", "panic", ...), or
// else the status code.
//
// # Metrics
//
// From OpenTelemetry's HTTP conventions, with their attributes
// (http.request.method, url.scheme, network.protocol.version,
// http.response.status_code, http.route, error.type; server.address is
// left out, since a client chooses the Host it sends):
//
//	http.server.request.duration     histogram, s: head arrival to last byte (the receipt's Duration)
//	http.server.active_requests      up-down counter, by method and scheme
//	http.server.request.body.size    histogram, By: the declared Content-Length (chunked bodies are left out)
//	http.server.response.body.size   histogram, By: body bytes written
//
// and tophat's own, named by the constants of this package:
//
//	tophat.server.time_to_first_byte  histogram, s, attributes as request.duration
//	tophat.server.write_failures       counter, by method, http.route and error.type (the cause)
//	tophat.server.rejections           counter, by http.response.status_code (Hook)
//	tophat.server.streams              counter, by tophat.transport (Hook)
//	tophat.server.active_streams       up-down counter, by tophat.transport (Hook)
//	tophat.server.closed_streams       counter, by tophat.transport and tophat.stream.end_reason (Hook)
//	tophat.server.stream.duration      histogram, s, as closed_streams (Hook)
//
// Durations use the conventions' buckets (5 ms to 10 s); sizes use powers
// of four from 64 bytes to 64 MiB. A View of the MeterProvider changes
// either.
//
// http.route is the path of the pattern the router recorded
// (core.Request.Pattern), never the raw path; a request no router matched
// has no http.route, as the conventions ask, and its span is named after
// the method alone.
//
// # Cost
//
// The attribute sets of the metrics are built once for each combination of
// labels and kept, so recording a request's metrics allocates nothing
// beyond what the MeterProvider does. A span needs the request's context,
// which the core creates only for requests that ask for it (and, under a
// Server, watches the client while the handler runs), plus what the
// TracerProvider allocates. With a trace/noop.TracerProvider the
// middleware makes neither.
// BenchmarkObservability in integration/bench measures both beside a bare
// handler and beside otelhttp on net/http, in one run:
//
//	cd integration/bench && go test -run '^$' -bench Observ -benchmem -count 5
//
// # Concurrency
//
// A Telemetry is safe for concurrent use by any number of streams. Its
// providers must be too, as OpenTelemetry's are.
package tophatotel
