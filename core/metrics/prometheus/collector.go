package prometheus

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tophat-go/tophat/core/metrics"
)

// The metric families a Collector exposes: Describe sends them all, and
// Collect builds every metric on one of them.
var (
	requestLabels = []string{"method", "route", "code"}

	requestsDesc = prometheus.NewDesc("tophat_http_requests_total",
		`Requests answered, by method, route pattern ("unrouted" when no route matched) and status code.`,
		requestLabels, nil)
	inFlightDesc = prometheus.NewDesc("tophat_http_requests_in_flight",
		"Requests whose handlers are running.", nil, nil)
	ttfbDesc = prometheus.NewDesc("tophat_http_time_to_first_byte_seconds",
		"Time from the start of the handler to the first byte of the response written to the stream.",
		requestLabels, nil)
	ttlbDesc = prometheus.NewDesc("tophat_http_time_to_last_byte_seconds",
		"Time from the start of the handler to the last byte of the response written to the stream.",
		requestLabels, nil)
	headBytesDesc = prometheus.NewDesc("tophat_http_response_head_bytes_total",
		"Bytes of status lines and header sections written.", requestLabels, nil)
	bodyBytesDesc = prometheus.NewDesc("tophat_http_response_body_bytes_total",
		"Bytes of response bodies written, before chunked framing.", requestLabels, nil)
	writeFailuresDesc = prometheus.NewDesc("tophat_http_write_failures_total",
		"Responses that did not go out whole, by cause: client_gone, timeout, misuse, panic, request_body, other.",
		[]string{"method", "route", "code", "cause"}, nil)
	rejectionsDesc = prometheus.NewDesc("tophat_http_rejections_total",
		"Requests the server refused before any handler ran (malformed, too large, too slow), by the status of the answer.",
		[]string{"code"}, nil)
	streamsAcceptedDesc = prometheus.NewDesc("tophat_streams_accepted_total",
		"Streams (connections) the server began to serve, by transport.", []string{"transport"}, nil)
	streamsActiveDesc = prometheus.NewDesc("tophat_streams_active",
		"Streams being served, by transport.", []string{"transport"}, nil)
	streamsEndedDesc = prometheus.NewDesc("tophat_streams_ended_total",
		"Streams served to their end, by transport and reason: client_closed, idle_timeout, rejected, shutdown, hijacked, server_closed, write_failed.",
		[]string{"transport", "reason"}, nil)
	streamRequestsDesc = prometheus.NewDesc("tophat_stream_requests_total",
		"Request heads that arrived whole on the ended streams, refused ones included, by transport.",
		[]string{"transport"}, nil)
	lifetimeDesc = prometheus.NewDesc("tophat_stream_lifetime_seconds",
		"Time from the start to the end of serving a stream, by transport.", []string{"transport"}, nil)

	descs = []*prometheus.Desc{
		requestsDesc, inFlightDesc, ttfbDesc, ttlbDesc, headBytesDesc, bodyBytesDesc, writeFailuresDesc,
		rejectionsDesc, streamsAcceptedDesc, streamsActiveDesc, streamsEndedDesc, streamRequestsDesc, lifetimeDesc,
	}
)

// A Collector is a prometheus.Collector that reads a Recorder when it is
// collected: a scrape costs one metrics.Snapshot, and requests cost
// nothing more than the Recorder's own counting.
type Collector struct {
	rec *metrics.Recorder
}

var _ prometheus.Collector = (*Collector)(nil)

// NewCollector returns a Collector of rec, to register with a
// prometheus.Registerer.
func NewCollector(rec *metrics.Recorder) *Collector { return &Collector{rec: rec} }

// Describe sends the descriptions of every metric family.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range descs {
		ch <- d
	}
}

// Collect sends the Recorder's counts.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	snap := c.rec.Snapshot()
	ch <- prometheus.MustNewConstMetric(inFlightDesc, prometheus.GaugeValue, float64(snap.InFlight))
	for _, s := range snap.Requests {
		code := strconv.Itoa(s.Status)
		ch <- prometheus.MustNewConstMetric(requestsDesc, prometheus.CounterValue, float64(s.Count), s.Method, s.Route, code)
		ch <- histogram(ttfbDesc, s.TimeToFirstByte, s.Method, s.Route, code)
		ch <- histogram(ttlbDesc, s.TimeToLastByte, s.Method, s.Route, code)
		ch <- prometheus.MustNewConstMetric(headBytesDesc, prometheus.CounterValue, float64(s.HeadBytes), s.Method, s.Route, code)
		ch <- prometheus.MustNewConstMetric(bodyBytesDesc, prometheus.CounterValue, float64(s.BodyBytes), s.Method, s.Route, code)
		for _, f := range s.WriteFailures {
			ch <- prometheus.MustNewConstMetric(writeFailuresDesc, prometheus.CounterValue, float64(f.Count),
				s.Method, s.Route, code, f.Cause)
		}
	}
	for _, r := range snap.Rejections {
		ch <- prometheus.MustNewConstMetric(rejectionsDesc, prometheus.CounterValue, float64(r.Count), strconv.Itoa(r.Status))
	}
	for _, s := range snap.Streams {
		ch <- prometheus.MustNewConstMetric(streamsAcceptedDesc, prometheus.CounterValue, float64(s.Accepted), s.Transport)
		ch <- prometheus.MustNewConstMetric(streamsActiveDesc, prometheus.GaugeValue, float64(s.Active), s.Transport)
		for _, e := range s.Ended {
			ch <- prometheus.MustNewConstMetric(streamsEndedDesc, prometheus.CounterValue, float64(e.Count),
				s.Transport, e.Reason.String())
		}
		ch <- prometheus.MustNewConstMetric(streamRequestsDesc, prometheus.CounterValue, float64(s.Requests), s.Transport)
		ch <- histogram(lifetimeDesc, s.Lifetime, s.Transport)
	}
}

// histogram turns h into a constant histogram; its counts are already
// cumulative, as Prometheus wants them.
func histogram(desc *prometheus.Desc, h metrics.Histogram, labels ...string) prometheus.Metric {
	buckets := make(map[float64]uint64, len(h.Bounds))
	for i, bound := range h.Bounds {
		buckets[bound.Seconds()] = h.Counts[i]
	}
	return prometheus.MustNewConstHistogram(desc, h.Count, h.Sum, buckets, labels...)
}
