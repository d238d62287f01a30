package metrics

import (
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/metrics/internal/cowmap"
)

// DefaultMaxSeries is the number of request series (distinct method,
// route and status) a Recorder keeps unless Config says otherwise. A
// program with 100 routes that each answer four statuses to two methods
// uses 800. Each series holds about 500 bytes of counters.
const DefaultMaxSeries = 1000

// Overflow is the route of the one series that counts the requests of
// every (method, route, status) past Config.MaxSeries; its method is
// OtherMethod and its status 0.
const Overflow = "overflow"

// Config configures a Recorder. The zero value is ready to use.
type Config struct {
	// MaxSeries bounds the request series kept, so that a program whose
	// routes or statuses are many (or a bug that makes them so) cannot
	// grow memory and a scrape without limit: past it, requests of a new
	// series are counted in the Overflow series. 0 means
	// DefaultMaxSeries; it must not be negative.
	MaxSeries int
}

// A Recorder counts what a server does: requests from the receipts its
// handlers return (Middleware), refused requests and streams from the
// server's hooks (Hook). Exporters read it with Snapshot at scrape time,
// so it is the only bookkeeping done per request. A Recorder is safe for
// concurrent use, and one Recorder may serve several servers.
type Recorder struct {
	inFlight atomic.Int64
	requests cowmap.Map[seriesKey, *requestSeries]
	overflow *requestSeries
	// rejections counts refused requests by status; the core refuses
	// with a status of 400 to 599, others are counted at 0.
	rejections [600]atomic.Uint64
	streams    cowmap.Map[string, *streamSeries]
}

// New returns a Recorder, or an error naming the field of cfg that is
// invalid.
func New(cfg Config) (*Recorder, error) {
	if cfg.MaxSeries < 0 {
		return nil, fmt.Errorf("metrics: Config.MaxSeries is %d; want 0 for the default or a positive bound", cfg.MaxSeries)
	}
	if cfg.MaxSeries == 0 {
		cfg.MaxSeries = DefaultMaxSeries
	}
	r := &Recorder{overflow: newRequestSeries(seriesKey{OtherMethod, Overflow, 0})}
	r.requests.Max = cfg.MaxSeries
	return r, nil
}

// Instrument wraps srv.Handler in the Middleware and hooks srv.Options:
// the one line that puts a server under measure. Call it before
// srv.Serve (which copies the Options), and once per server.
func (r *Recorder) Instrument(srv *core.Server) {
	if srv.Handler != nil {
		srv.Handler = r.Middleware(srv.Handler)
	}
	r.Hook(&srv.Options)
}

// Middleware returns next with every request recorded from its receipt:
// counted by method, route (Route) and status, its times to first and last
// byte in histograms, its head and body bytes summed, its write failure
// (if any) counted by cause (WriteCause), and the requests in flight.
//
// Put it outside the router, so that it sees every request and reads the
// route pattern after routing. A handler that panics is counted with
// status 500 and cause "panic" (the core answers 500, or cuts the response
// if its head was out), in no histogram: it left no receipt. A handler
// that returns the zero ResponseWritten is counted the same with cause
// "misuse".
//
// Once the series of a request exists, recording it takes a few atomic
// additions and one map lookup without a lock, and allocates nothing.
func (r *Recorder) Middleware(next core.Handler) core.Handler {
	return core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		r.inFlight.Add(1)
		returned := false
		defer func() {
			r.inFlight.Add(-1)
			if !returned {
				// Panicking: the panic goes on to the core, which logs it.
				r.unanswered(req, causePanic)
			}
		}()
		rw := next.Serve(req, w)
		returned = true
		r.record(req, rw)
		return rw
	})
}

func (r *Recorder) record(req *core.Request, rw core.ResponseWritten) {
	if rw.IsZero() {
		r.unanswered(req, causeMisuse)
		return
	}
	s := r.series(req, rw.Status())
	s.headBytes.Add(uint64(max(rw.HeadBytes(), 0)))
	s.bodyBytes.Add(uint64(max(rw.BodyBytes(), 0)))
	s.ttfb.observe(rw.TimeToFirstByte())
	s.ttlb.observe(rw.Duration())
	s.count.Add(1)
	if err := rw.Err(); err != nil {
		s.failures[causeIndex(WriteCause(err))].Add(1)
	}
}

// unanswered counts a request its handler left without a receipt, which
// the core answers 500 where it can.
func (r *Recorder) unanswered(req *core.Request, cause int) {
	s := r.series(req, 500)
	s.count.Add(1)
	s.failures[cause].Add(1)
}

// series returns the series of req with status.
func (r *Recorder) series(req *core.Request, status int) *requestSeries {
	k := seriesKey{method: Method(req), route: Route(req), status: status}
	s, ok := r.requests.LoadOrCreate(k, newRequestSeries)
	if !ok {
		s = r.overflow
	}
	return s
}

// seriesKey is what tells request series apart. It is comparable and
// holds no pointer into the request: Method returns constants and Route
// a pattern the router keeps.
type seriesKey struct {
	method, route string
	status        int
}

// requestSeries holds the counters of one seriesKey.
type requestSeries struct {
	key                  seriesKey
	count                atomic.Uint64
	headBytes, bodyBytes atomic.Uint64
	ttfb, ttlb           histogram
	failures             [len(causes)]atomic.Uint64
}

func newRequestSeries(k seriesKey) *requestSeries {
	// The route may be a slice of a larger string the caller holds.
	k.route = strings.Clone(k.route)
	return &requestSeries{key: k, ttfb: newHistogram(ResponseBuckets), ttlb: newHistogram(ResponseBuckets)}
}

// causes are the write failure causes WriteCause names, in the order of
// requestSeries.failures.
var causes = [...]string{"timeout", "client_gone", "misuse", "panic", "request_body", "other"}

const (
	causeMisuse = 2
	causePanic  = 3
	causeOther  = 5
)

func causeIndex(cause string) int {
	for i, c := range causes {
		if c == cause {
			return i
		}
	}
	return causeOther
}
