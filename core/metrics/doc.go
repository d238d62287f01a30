// Package metrics records what a tophat server does from the receipts its
// handlers return, for exporters to publish: the Prometheus adapter in
// metrics/prometheus, the OpenTelemetry one in metrics/otel. It depends on
// the core and the standard library alone.
//
//	rec, err := metrics.New(metrics.Config{})
//	rec.Instrument(srv) // before srv.Serve: srv.Handler and srv.Options
//
// # What is recorded
//
//	Middleware, per request, from its core.ResponseWritten:
//	  requests               by method, route and status
//	  time to first byte     histogram (ResponseBuckets), by method, route and status
//	  time to last byte      histogram (ResponseBuckets), by method, route and status
//	  head and body bytes    sums, by method, route and status
//	  write failures         by method, route, status and cause (WriteCause)
//	  requests in flight     one gauge
//	Hook, through core.Options:
//	  rejections             OnReject: requests the core refused, by status
//	  streams accepted       OnStream: by transport (Transport)
//	  streams active         by transport
//	  streams ended          by transport and core.EndReason
//	  requests per stream    heads that arrived on the ended streams, by transport
//	  stream lifetime        histogram (LifetimeBuckets), by transport
//
// A receipt tells what no net/http middleware can see: when the first byte
// of the response reached the stream, and whether the last one did, or the
// write failed because the client left or stopped reading.
//
// # Labels
//
// The label helpers keep label sets bounded: Route never uses the raw
// path (NoRoute for requests no router matched), Method folds unknown
// methods into OtherMethod, Transport names a stream by its scheme, and
// WriteCause sorts a receipt's error into a few causes. A (method, route,
// status) series is made on its first request; past Config.MaxSeries
// (DefaultMaxSeries) requests of new series are counted in one Overflow
// series instead, so memory and scrapes stay bounded whatever the program
// does.
//
// # Cost
//
// Recording a request whose series exists allocates nothing (a test holds
// it to that) and takes about ten atomic operations and a map lookup
// without a lock: series live in a copy-on-write map that is replaced,
// under a lock, only when a series is made. BenchmarkBare and
// BenchmarkRecorded measure a request with and without the Middleware in
// one run:
//
//	go test -run '^$' -bench . -benchmem ./core/metrics
//
// The errors of failed writes are sorted with errors.Is and errors.As,
// which may allocate; that is the cost of a failure, not of a request.
//
// # Reading
//
// Exporters call Snapshot when they are scraped: it copies every count
// with atomic loads, so scrapes never stop requests. The histograms in a
// Snapshot are cumulative, as Prometheus expects, with the fixed bounds
// ResponseBuckets and LifetimeBuckets.
package metrics
