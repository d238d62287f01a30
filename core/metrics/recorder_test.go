package metrics_test

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/metrics"
)

// describe sums up a request series in one comparable line.
func describe(s metrics.RequestSeries) string {
	line := fmt.Sprintf("%s %s %d count=%d ttfb=%d ttlb=%d", s.Method, s.Route, s.Status, s.Count,
		s.TimeToFirstByte.Count, s.TimeToLastByte.Count)
	for _, f := range s.WriteFailures {
		line += fmt.Sprintf(" %s=%d", f.Cause, f.Count)
	}
	return line
}

func describeAll(snap metrics.Snapshot) (requests, rejections, ended []string) {
	for _, s := range snap.Requests {
		requests = append(requests, describe(s))
	}
	for _, r := range snap.Rejections {
		rejections = append(rejections, fmt.Sprintf("%d=%d", r.Status, r.Count))
	}
	for _, s := range snap.Streams {
		for _, e := range s.Ended {
			ended = append(ended, fmt.Sprintf("%s %s=%d", s.Transport, e.Reason, e.Count))
		}
	}
	return requests, rejections, ended
}

func TestRecordsEachKindOfRequest(t *testing.T) {
	const malformed = "GET / HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n"
	cases := []struct {
		name       string
		request    string
		answer     string // the start of the answer
		requests   string // describe of the one series, "" for none
		rejections string
		ended      string
	}{
		{"ok", get("/hello/ada"), "HTTP/1.1 200",
			"GET GET /hello/{name} 200 count=1 ttfb=1 ttlb=1", "", "pipe client_closed=1"},
		{"head", "HEAD /hello/ada HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "HTTP/1.1 200",
			"HEAD GET /hello/{name} 200 count=1 ttfb=1 ttlb=1", "", "pipe client_closed=1"},
		{"post", "POST /things HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}", "HTTP/1.1 201",
			"POST POST /things 201 count=1 ttfb=1 ttlb=1", "", "pipe client_closed=1"},
		{"not found", get("/nowhere"), "HTTP/1.1 404",
			"GET unrouted 404 count=1 ttfb=1 ttlb=1", "", "pipe client_closed=1"},
		{"method not allowed", "DELETE /things HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "HTTP/1.1 405",
			"DELETE unrouted 405 count=1 ttfb=1 ttlb=1", "", "pipe client_closed=1"},
		{"unknown method", "BREW /things HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "HTTP/1.1 405",
			"_OTHER unrouted 405 count=1 ttfb=1 ttlb=1", "", "pipe client_closed=1"},
		// Kept alive, so that the reason to close is the server's.
		{"panic", "GET /panic HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 500",
			"GET GET /panic 500 count=1 ttfb=0 ttlb=0 panic=1", "", "pipe server_closed=1"},
		{"no receipt", get("/none"), "HTTP/1.1 500",
			"GET GET /none 500 count=1 ttfb=0 ttlb=0 misuse=1", "", "pipe client_closed=1"},
		{"body shorter than declared", get("/short"), "HTTP/1.1 200",
			"GET GET /short 200 count=1 ttfb=1 ttlb=1 misuse=1", "", "pipe client_closed=1"},
		{"malformed head", malformed, "HTTP/1.1 400", "", "400=1", "pipe rejected=1"},
		{"target too long", get("/" + strings.Repeat("x", core.DefaultMaxRequestLineBytes)), "HTTP/1.1 414", "", "414=1", "pipe rejected=1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := start(t, metrics.Config{}, routes(nil), core.Options{})
			if answer := s.exchange(tc.request); !strings.HasPrefix(answer, tc.answer) {
				t.Fatalf("answer %q, want %q…", answer, tc.answer)
			}
			snap := s.stop()
			requests, rejections, ended := describeAll(snap)
			if got := strings.Join(requests, "; "); got != tc.requests {
				t.Errorf("requests %q, want %q", got, tc.requests)
			}
			if got := strings.Join(rejections, "; "); got != tc.rejections {
				t.Errorf("rejections %q, want %q", got, tc.rejections)
			}
			if got := strings.Join(ended, "; "); got != tc.ended {
				t.Errorf("streams ended %q, want %q", got, tc.ended)
			}
			if snap.InFlight != 0 {
				t.Errorf("%d requests in flight after shutdown", snap.InFlight)
			}
		})
	}
}

// TestBytesAndTimes checks the sums against what went on the wire.
func TestBytesAndTimes(t *testing.T) {
	s := start(t, metrics.Config{}, routes(nil), core.Options{})
	var wire int
	for range 3 {
		wire += len(s.exchange(get("/hello/x")))
	}
	snap := s.stop()
	if len(snap.Requests) != 1 {
		t.Fatalf("series %v, want one", snap.Requests)
	}
	r := snap.Requests[0]
	if r.Count != 3 || r.BodyBytes != 3*uint64(len("hello")) || r.HeadBytes+r.BodyBytes != uint64(wire) {
		t.Errorf("count %d, head %d and body %d bytes; want 3, and 15 body bytes of %d on the wire",
			r.Count, r.HeadBytes, r.BodyBytes, wire)
	}
	for _, h := range []metrics.Histogram{r.TimeToFirstByte, r.TimeToLastByte} {
		if h.Count != 3 || h.Sum <= 0 || len(h.Counts) != len(metrics.ResponseBuckets) || h.Counts[len(h.Counts)-1] > h.Count {
			t.Errorf("histogram %+v: want 3 observations with a positive sum", h)
		}
		for i := 1; i < len(h.Counts); i++ {
			if h.Counts[i] < h.Counts[i-1] {
				t.Errorf("counts %v are not cumulative", h.Counts)
			}
		}
	}
	if r.TimeToLastByte.Sum < r.TimeToFirstByte.Sum {
		t.Errorf("time to last byte %gs below time to first %gs", r.TimeToLastByte.Sum, r.TimeToFirstByte.Sum)
	}
}

// TestClientGoneMidResponse: a client that leaves while the handler
// streams makes a write failure of cause client_gone, and its stream ends
// with write_failed.
func TestClientGoneMidResponse(t *testing.T) {
	s := start(t, metrics.Config{}, routes(nil), core.Options{})
	c := s.dial()
	if _, err := io.WriteString(c, get("/endless")); err != nil {
		t.Fatal(err)
	}
	head := make([]byte, len("HTTP/1.1 200"))
	if _, err := io.ReadFull(c, head); err != nil || string(head) != "HTTP/1.1 200" {
		t.Fatalf("read %q, %v", head, err)
	}
	c.Close()
	// Before Shutdown, whose reason would take precedence.
	s.waitFor("the failed response", func(snap metrics.Snapshot) bool {
		return len(snap.Streams) == 1 && len(snap.Streams[0].Ended) == 1
	})
	requests, _, ended := describeAll(s.stop())
	if got, want := strings.Join(requests, "; "), "GET GET /endless 200 count=1 ttfb=1 ttlb=1 client_gone=1"; got != want {
		t.Errorf("requests %q, want %q", got, want)
	}
	if got, want := strings.Join(ended, "; "), "pipe write_failed=1"; got != want {
		t.Errorf("streams ended %q, want %q", got, want)
	}
}

func TestInFlight(t *testing.T) {
	release := make(chan struct{})
	s := start(t, metrics.Config{}, routes(release), core.Options{})
	answered := make(chan string, 2)
	for range 2 {
		c := s.dial()
		go func() {
			io.WriteString(c, get("/wait"))
			b, _ := io.ReadAll(c)
			answered <- string(b)
		}()
	}
	snap := s.waitFor("2 requests in flight", func(snap metrics.Snapshot) bool { return snap.InFlight == 2 })
	if len(snap.Streams) != 1 || snap.Streams[0].Active != 2 || snap.Streams[0].Accepted != 2 {
		t.Errorf("streams %+v, want 2 accepted and active", snap.Streams)
	}
	close(release)
	for range 2 {
		if a := <-answered; !strings.HasPrefix(a, "HTTP/1.1 204") {
			t.Errorf("answer %q", a)
		}
	}
	snap = s.stop()
	if snap.InFlight != 0 || snap.Streams[0].Active != 0 || snap.Requests[0].Count != 2 {
		t.Errorf("after: in flight %d, streams %+v, requests %v", snap.InFlight, snap.Streams, snap.Requests)
	}
}

// TestStreamCounts serves three requests on one kept-alive stream.
func TestStreamCounts(t *testing.T) {
	s := start(t, metrics.Config{}, routes(nil), core.Options{})
	keep := "GET /hello/a HTTP/1.1\r\nHost: x\r\n\r\n"
	if a := s.exchange(keep + keep + get("/hello/b")); strings.Count(a, "HTTP/1.1 200") != 3 {
		t.Fatalf("answer %q, want three responses", a)
	}
	snap := s.stop()
	if len(snap.Streams) != 1 {
		t.Fatalf("streams %+v, want one transport", snap.Streams)
	}
	st := snap.Streams[0]
	if st.Transport != "pipe" || st.Accepted != 1 || st.Active != 0 || st.Requests != 3 || st.Lifetime.Count != 1 ||
		len(st.Ended) != 1 || st.Ended[0] != (metrics.StreamsEnded{Reason: core.EndClientClosed, Count: 1}) {
		t.Errorf("stream series %+v", st)
	}
	if len(st.Lifetime.Counts) != len(metrics.LifetimeBuckets) || st.Lifetime.Sum <= 0 {
		t.Errorf("lifetime %+v", st.Lifetime)
	}
}

func TestMaxSeriesOverflow(t *testing.T) {
	s := start(t, metrics.Config{MaxSeries: 2}, routes(nil), core.Options{})
	for _, target := range []string{"/hello/a", "/nowhere", "/hello/b", "/none", "/short", "/nowhere"} {
		s.exchange(get(target))
	}
	requests, _, _ := describeAll(s.stop())
	want := []string{
		"GET GET /hello/{name} 200 count=2 ttfb=2 ttlb=2",
		"_OTHER overflow 0 count=2 ttfb=1 ttlb=1 misuse=2",
		"GET unrouted 404 count=2 ttfb=2 ttlb=2",
	}
	if got := strings.Join(requests, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("series:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
}

// TestHookKeepsHooks: the Recorder's hooks call those already set.
func TestHookKeepsHooks(t *testing.T) {
	rejected := make(chan core.Rejection, 1)
	ended := make(chan core.StreamEvent, 4)
	opts := core.Options{
		OnReject: func(r core.Rejection) { rejected <- r },
		OnStream: func(ev core.StreamEvent) {
			if ev.Ended {
				ended <- ev
			}
		},
	}
	s := start(t, metrics.Config{}, routes(nil), opts)
	s.exchange("GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n")
	snap := s.stop()
	select {
	case r := <-rejected:
		if r.Status != 400 {
			t.Errorf("rejection %+v", r)
		}
	default:
		t.Error("the OnReject set before Hook was not called")
	}
	select {
	case ev := <-ended:
		if ev.Reason != core.EndRejected {
			t.Errorf("stream ended %v", ev.Reason)
		}
	default:
		t.Error("the OnStream set before Hook was not called")
	}
	if len(snap.Rejections) != 1 || snap.Rejections[0] != (metrics.Rejections{Status: 400, Count: 1}) {
		t.Errorf("rejections %+v", snap.Rejections)
	}
}

func TestNewRefusesNegativeMaxSeries(t *testing.T) {
	rec, err := metrics.New(metrics.Config{MaxSeries: -1})
	if rec != nil || err == nil || !strings.Contains(err.Error(), "MaxSeries") {
		t.Errorf("New(MaxSeries: -1) = %v, %v; want an error naming the field", rec, err)
	}
}

// TestConcurrentRecording: clients on several routes at once, with
// snapshots taken meanwhile, lose no count (and, under -race, share no
// memory unsafely while series are being made).
func TestConcurrentRecording(t *testing.T) {
	s := start(t, metrics.Config{}, routes(nil), core.Options{})
	const clients, each = 4, 25
	targets := []string{"/hello/a", "/nowhere", "/none", "/hello/b"}
	done := make(chan struct{})
	snapshots := make(chan int)
	go func() {
		n := 0
		for {
			select {
			case <-done:
				snapshots <- n
				return
			default:
				s.rec.Snapshot()
				n++
			}
		}
	}()
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			c := s.dial()
			for j := range each {
				target := targets[(i+j)%len(targets)]
				io.WriteString(c, "GET "+target+" HTTP/1.1\r\nHost: x\r\n\r\n")
			}
			c.CloseWrite()
			io.Copy(io.Discard, c)
		})
	}
	wg.Wait()
	close(done)
	if n := <-snapshots; n == 0 {
		t.Error("no snapshot ran during the load")
	}
	requests, _, ended := describeAll(s.stop())
	want := []string{
		"GET GET /hello/{name} 200 count=50 ttfb=50 ttlb=50",
		"GET GET /none 500 count=25 ttfb=0 ttlb=0 misuse=25",
		"GET unrouted 404 count=25 ttfb=25 ttlb=25",
	}
	if got := strings.Join(requests, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("series:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	if got := strings.Join(ended, "; "); got != "pipe client_closed=4" {
		t.Errorf("streams ended %q", got)
	}
}
