package metrics

import (
	"cmp"
	"slices"

	"github.com/tophat-go/tophat/core"
)

// A Snapshot is a copy of a Recorder's counts, for an exporter to turn
// into its own format. Every count is read once with an atomic load, so
// each is exact on its own; requests recorded while the copy is made may
// show in one count and not yet in another (in Requests but not in a
// histogram), and are in all of them at the next Snapshot.
type Snapshot struct {
	// InFlight is the number of requests whose handlers are running.
	InFlight int64
	// Requests has one entry per series that counted a request, sorted by
	// route, method and status.
	Requests []RequestSeries
	// Rejections has one entry per status the core refused requests with,
	// sorted by status.
	Rejections []Rejections
	// Streams has one entry per transport that served a stream, sorted by
	// transport.
	Streams []StreamSeries
}

// RequestSeries are the counts of the requests of one method, route and
// status.
type RequestSeries struct {
	// Method is a Method label, Route a Route label; the series past
	// Config.MaxSeries has OtherMethod, Overflow and status 0.
	Method, Route string
	// Status is the status of the responses, 500 for the handlers that
	// panicked or returned no receipt.
	Status int
	// Count is the number of requests.
	Count uint64
	// HeadBytes and BodyBytes are the sums of the receipts' counts.
	HeadBytes, BodyBytes uint64
	// TimeToFirstByte and TimeToLastByte are the distributions of the
	// receipts' TimeToFirstByte and Duration.
	TimeToFirstByte, TimeToLastByte Histogram
	// WriteFailures counts the responses that did not go out whole, by
	// cause (see WriteCause); causes never seen are left out.
	WriteFailures []WriteFailures
}

// WriteFailures is the number of failed responses of one cause.
type WriteFailures struct {
	Cause string
	Count uint64
}

// Rejections is the number of requests the core refused with one status.
type Rejections struct {
	Status int
	Count  uint64
}

// StreamSeries are the counts of the streams of one transport.
type StreamSeries struct {
	// Transport is a Transport label.
	Transport string
	// Accepted is the number of streams the core began to serve, Active
	// the number it serves now.
	Accepted uint64
	Active   int64
	// Ended counts the streams served to their end, by reason; reasons
	// never seen are left out.
	Ended []StreamsEnded
	// Requests is the number of request heads that arrived whole on the
	// ended streams, refused ones included.
	Requests uint64
	// Lifetime is the distribution of the ended streams' lifetimes.
	Lifetime Histogram
}

// StreamsEnded is the number of streams that ended for one reason.
type StreamsEnded struct {
	Reason core.EndReason
	Count  uint64
}

// Snapshot copies the Recorder's counts. It allocates, in proportion to
// the number of series: call it per scrape, not per request.
func (r *Recorder) Snapshot() Snapshot {
	var s Snapshot
	s.InFlight = r.inFlight.Load()
	r.requests.Range(func(_ seriesKey, rs *requestSeries) {
		s.Requests = append(s.Requests, rs.snapshot())
	})
	if r.overflow.count.Load() > 0 {
		s.Requests = append(s.Requests, r.overflow.snapshot())
	}
	slices.SortFunc(s.Requests, func(a, b RequestSeries) int {
		return cmp.Or(cmp.Compare(a.Route, b.Route), cmp.Compare(a.Method, b.Method), cmp.Compare(a.Status, b.Status))
	})
	for status := range r.rejections {
		if n := r.rejections[status].Load(); n > 0 {
			s.Rejections = append(s.Rejections, Rejections{Status: status, Count: n})
		}
	}
	r.streams.Range(func(_ string, ss *streamSeries) {
		s.Streams = append(s.Streams, ss.snapshot())
	})
	slices.SortFunc(s.Streams, func(a, b StreamSeries) int { return cmp.Compare(a.Transport, b.Transport) })
	return s
}

func (rs *requestSeries) snapshot() RequestSeries {
	s := RequestSeries{
		Method: rs.key.method, Route: rs.key.route, Status: rs.key.status,
		Count:           rs.count.Load(),
		HeadBytes:       rs.headBytes.Load(),
		BodyBytes:       rs.bodyBytes.Load(),
		TimeToFirstByte: rs.ttfb.snapshot(),
		TimeToLastByte:  rs.ttlb.snapshot(),
	}
	for i := range rs.failures {
		if n := rs.failures[i].Load(); n > 0 {
			s.WriteFailures = append(s.WriteFailures, WriteFailures{Cause: causes[i], Count: n})
		}
	}
	return s
}

func (ss *streamSeries) snapshot() StreamSeries {
	s := StreamSeries{
		Transport: ss.transport,
		Accepted:  ss.accepted.Load(),
		Active:    ss.active.Load(),
		Requests:  ss.requests.Load(),
		Lifetime:  ss.lifetime.snapshot(),
	}
	for reason := range ss.ended {
		if n := ss.ended[reason].Load(); n > 0 {
			s.Ended = append(s.Ended, StreamsEnded{Reason: core.EndReason(reason), Count: n})
		}
	}
	return s
}
