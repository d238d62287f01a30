// Package prometheus exposes a metrics.Recorder to Prometheus through
// github.com/prometheus/client_golang: a Collector that reads the
// Recorder at scrape time, and a handler that serves /metrics with
// promhttp. A program that does not import this package does not link
// client_golang.
//
//	rec, err := metrics.New(metrics.Config{})
//	rec.Instrument(srv)
//	r.Handle("GET /metrics", prometheus.Handler(rec))
//
// Or, with a registry of the program's own:
//
//	reg.MustRegister(prometheus.NewCollector(rec))
//	r.Handle("GET /metrics", prometheus.HandlerFor(reg))
//
// # Metrics
//
//	name                                    type       labels                      what it counts
//	tophat_http_requests_total              counter    method, route, code         requests answered
//	tophat_http_requests_in_flight          gauge                                  handlers running
//	tophat_http_time_to_first_byte_seconds  histogram  method, route, code         handler start to first response byte on the stream
//	tophat_http_time_to_last_byte_seconds   histogram  method, route, code         handler start to last response byte on the stream
//	tophat_http_response_head_bytes_total   counter    method, route, code         status line and header bytes written
//	tophat_http_response_body_bytes_total   counter    method, route, code         body bytes written, before chunked framing
//	tophat_http_write_failures_total        counter    method, route, code, cause  responses that did not go out whole
//	tophat_http_rejections_total            counter    code                        requests refused before any handler ran
//	tophat_streams_accepted_total           counter    transport                   streams the server began to serve
//	tophat_streams_active                   gauge      transport                   streams being served
//	tophat_streams_ended_total              counter    transport, reason           streams served to their end
//	tophat_stream_requests_total            counter    transport                   request heads read on the ended streams
//	tophat_stream_lifetime_seconds          histogram  transport                   lifetimes of the ended streams
//
// The labels are the Recorder's, bounded: route is the router's pattern
// ("GET /users/{id}") or "unrouted", never the raw path; method is one of
// RFC 9110's or "_OTHER"; cause is client_gone, timeout, misuse, panic,
// request_body or other (metrics.WriteCause); reason is a core.EndReason
// (client_closed, idle_timeout, rejected, shutdown, hijacked,
// server_closed, write_failed); transport is tcp, unix, kcp, pipe, with
// "tls+" in front for TLS (metrics.Transport). The histogram buckets are
// metrics.ResponseBuckets and metrics.LifetimeBuckets, in seconds. A
// series appears with its first count: a cause or reason never seen has
// no series, rather than a zero.
package prometheus
