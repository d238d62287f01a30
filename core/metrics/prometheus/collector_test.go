package prometheus_test

import (
	"context"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	prom "github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/metrics"
	"github.com/tophat-go/tophat/core/metrics/prometheus"
	"github.com/tophat-go/tophat/core/router"
	"github.com/tophat-go/tophat/transports/pipe"
)

// load serves a known load on a pipe with rec recording, and waits until
// all of it is recorded: two greetings, a 404, a malformed request and a
// client that leaves in the middle of an endless response.
func load(t *testing.T, rec *metrics.Recorder) {
	t.Helper()
	r := router.New()
	r.HandleFunc("GET /hello/{name}", func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return w.SendString(200, "hello")
	})
	r.HandleFunc("GET /endless", func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		s := w.Begin(200)
		chunk := make([]byte, 16<<10)
		for {
			if _, err := s.Write(chunk); err != nil {
				return s.Finish()
			}
		}
	})
	srv := &core.Server{Handler: r, Options: core.Options{ErrorLog: slog.New(slog.NewTextHandler(io.Discard, nil))}}
	rec.Instrument(srv)
	ln, err := pipe.Listen("", nil)
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil { // waits until every stream is recorded
			t.Error(err)
		}
		<-served
	}()
	exchange := func(raw string, readAll bool) {
		c, err := pipe.DialPipe(context.Background(), ln.Addr().String(), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		io.WriteString(c, raw)
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if readAll {
			c.CloseWrite()
			io.ReadAll(c)
			return
		}
		head := make([]byte, 12)
		if _, err := io.ReadFull(c, head); err != nil {
			t.Fatal(err)
		}
	}
	get := func(target string) string {
		return "GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
	}
	exchange(get("/hello/ada"), true)
	exchange(get("/hello/bob"), true)
	exchange(get("/nowhere"), true)
	exchange("GET / HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n", true)
	exchange(get("/endless"), false) // closes after the head
	// The failed write ends its stream; wait for it before Shutdown, whose
	// reason would take its place.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var ended uint64
		for _, s := range rec.Snapshot().Streams {
			for _, e := range s.Ended {
				ended += e.Count
			}
		}
		if ended == 5 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of 5 streams ended", ended)
		}
		time.Sleep(time.Millisecond)
	}
}

func newLoaded(t *testing.T) (*metrics.Recorder, *prometheus.Collector) {
	t.Helper()
	rec, err := metrics.New(metrics.Config{})
	if err != nil {
		t.Fatal(err)
	}
	load(t, rec)
	return rec, prometheus.NewCollector(rec)
}

func TestCollectorCounts(t *testing.T) {
	_, c := newLoaded(t)
	const want = `
# HELP tophat_http_rejections_total Requests the server refused before any handler ran (malformed, too large, too slow), by the status of the answer.
# TYPE tophat_http_rejections_total counter
tophat_http_rejections_total{code="400"} 1
# HELP tophat_http_requests_in_flight Requests whose handlers are running.
# TYPE tophat_http_requests_in_flight gauge
tophat_http_requests_in_flight 0
# HELP tophat_http_requests_total Requests answered, by method, route pattern ("unrouted" when no route matched) and status code.
# TYPE tophat_http_requests_total counter
tophat_http_requests_total{code="200",method="GET",route="GET /endless"} 1
tophat_http_requests_total{code="200",method="GET",route="GET /hello/{name}"} 2
tophat_http_requests_total{code="404",method="GET",route="unrouted"} 1
# HELP tophat_http_response_body_bytes_total Bytes of response bodies written, before chunked framing.
# TYPE tophat_http_response_body_bytes_total counter
tophat_http_response_body_bytes_total{code="200",method="GET",route="GET /hello/{name}"} 10
# HELP tophat_http_write_failures_total Responses that did not go out whole, by cause: client_gone, timeout, misuse, panic, request_body, other.
# TYPE tophat_http_write_failures_total counter
tophat_http_write_failures_total{cause="client_gone",code="200",method="GET",route="GET /endless"} 1
# HELP tophat_stream_requests_total Request heads that arrived whole on the ended streams, refused ones included, by transport.
# TYPE tophat_stream_requests_total counter
tophat_stream_requests_total{transport="pipe"} 5
# HELP tophat_streams_accepted_total Streams (connections) the server began to serve, by transport.
# TYPE tophat_streams_accepted_total counter
tophat_streams_accepted_total{transport="pipe"} 5
# HELP tophat_streams_active Streams being served, by transport.
# TYPE tophat_streams_active gauge
tophat_streams_active{transport="pipe"} 0
# HELP tophat_streams_ended_total Streams served to their end, by transport and reason: client_closed, idle_timeout, rejected, shutdown, hijacked, server_closed, write_failed.
# TYPE tophat_streams_ended_total counter
tophat_streams_ended_total{reason="client_closed",transport="pipe"} 3
tophat_streams_ended_total{reason="rejected",transport="pipe"} 1
tophat_streams_ended_total{reason="write_failed",transport="pipe"} 1
`
	// The body bytes of the endless response depend on the buffers, so
	// only the greetings' are compared.
	got := prom.NewPedanticRegistry()
	got.MustRegister(c)
	families := []string{"tophat_http_rejections_total", "tophat_http_requests_in_flight", "tophat_http_requests_total",
		"tophat_http_write_failures_total", "tophat_stream_requests_total", "tophat_streams_accepted_total",
		"tophat_streams_active", "tophat_streams_ended_total"}
	if err := testutil.GatherAndCompare(got, strings.NewReader(want), families...); err != nil {
		t.Error(err)
	}
	mfs, err := got.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "tophat_http_response_body_bytes_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			route := labelValue(m.GetLabel(), "route")
			if v := m.GetCounter().GetValue(); route == "GET /hello/{name}" && v != 10 || route == "GET /endless" && v < 16<<10 {
				t.Errorf("body bytes of %s: %g", route, v)
			}
		}
	}
}

func TestCollectorHistograms(t *testing.T) {
	_, c := newLoaded(t)
	reg := prom.NewPedanticRegistry() // checks that what is collected matches what is described
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	wantCount := map[string]uint64{"GET /endless": 1, "GET /hello/{name}": 2, "unrouted": 1}
	seen := map[string]int{}
	for _, mf := range mfs {
		name := mf.GetName()
		var bounds []time.Duration
		switch name {
		case "tophat_http_time_to_first_byte_seconds", "tophat_http_time_to_last_byte_seconds":
			bounds = metrics.ResponseBuckets
		case "tophat_stream_lifetime_seconds":
			bounds = metrics.LifetimeBuckets
		default:
			continue
		}
		for _, m := range mf.GetMetric() {
			seen[name]++
			h := m.GetHistogram()
			want := uint64(5) // streams
			if name != "tophat_stream_lifetime_seconds" {
				want = wantCount[labelValue(m.GetLabel(), "route")]
			}
			if h.GetSampleCount() != want || h.GetSampleSum() <= 0 || len(h.GetBucket()) != len(bounds) {
				t.Errorf("%s %v: count %d sum %g, %d buckets; want count %d, %d buckets",
					name, m.GetLabel(), h.GetSampleCount(), h.GetSampleSum(), len(h.GetBucket()), want, len(bounds))
				continue
			}
			for i, b := range h.GetBucket() {
				if math.Abs(b.GetUpperBound()-bounds[i].Seconds()) > 1e-12 || b.GetCumulativeCount() > h.GetSampleCount() ||
					i > 0 && b.GetCumulativeCount() < h.GetBucket()[i-1].GetCumulativeCount() {
					t.Errorf("%s bucket %d: le %g count %d", name, i, b.GetUpperBound(), b.GetCumulativeCount())
				}
			}
		}
	}
	if seen["tophat_http_time_to_first_byte_seconds"] != 3 || seen["tophat_http_time_to_last_byte_seconds"] != 3 ||
		seen["tophat_stream_lifetime_seconds"] != 1 {
		t.Errorf("histogram series %v, want 3, 3 and 1", seen)
	}
}

// TestLint runs promlint, Prometheus's own check of metric names, types,
// units and help strings, over everything the Collector exposes.
func TestLint(t *testing.T) {
	_, c := newLoaded(t)
	problems, err := testutil.CollectAndLint(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("%s: %s", p.Metric, p.Text)
	}
	if n := testutil.CollectAndCount(c); n < 13 {
		t.Errorf("%d series collected, want one of every family at least", n)
	}
}

func TestHandler(t *testing.T) {
	rec, _ := newLoaded(t)
	ln, err := pipe.Listen("", nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := &core.Server{Handler: prometheus.Handler(rec)}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	defer func() { srv.Close(); <-served }()
	client := ln.Client()
	defer client.CloseIdleConnections()
	for _, encoding := range []string{"", "gzip"} {
		req, _ := http.NewRequest("GET", "http://metrics/metrics", nil)
		if encoding != "" {
			req.Header.Set("Accept-Encoding", encoding) // the client then leaves the body compressed
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain; version=0.0.4") ||
			resp.Header.Get("Content-Encoding") != encoding {
			t.Fatalf("Accept-Encoding %q: %d %v", encoding, resp.StatusCode, resp.Header)
		}
		if encoding != "" {
			continue
		}
		for _, line := range []string{
			`tophat_http_requests_total{code="200",method="GET",route="GET /hello/{name}"} 2`,
			`tophat_http_time_to_last_byte_seconds_count{code="404",method="GET",route="unrouted"} 1`,
			"# TYPE go_goroutines gauge",
		} {
			if !strings.Contains(string(body), "\n"+line+"\n") {
				t.Errorf("no line %q in:\n%s", line, body)
			}
		}
	}
}

func labelValue(pairs []*dto.LabelPair, name string) string {
	for _, p := range pairs {
		if p.GetName() == name {
			return p.GetValue()
		}
	}
	return ""
}
