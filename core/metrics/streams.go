package metrics

import (
	"strings"
	"sync/atomic"

	"github.com/tophat-go/tophat/core"
)

// Hook sets opts.OnReject and opts.OnStream so that the Recorder counts
// refused requests by status, and streams by transport (Transport):
// accepted, active, ended by reason (core.EndReason), and their lifetimes.
// Hooks already set are kept and called after the Recorder's. Hook opts
// once, before the server or ServeConn uses them.
func (r *Recorder) Hook(opts *core.Options) {
	onReject, onStream := opts.OnReject, opts.OnStream
	opts.OnReject = func(rj core.Rejection) {
		r.reject(rj)
		if onReject != nil {
			onReject(rj)
		}
	}
	opts.OnStream = func(ev core.StreamEvent) {
		r.stream(ev)
		if onStream != nil {
			onStream(ev)
		}
	}
}

func (r *Recorder) reject(rj core.Rejection) {
	i := rj.Status
	if i < 0 || i >= len(r.rejections) {
		i = 0
	}
	r.rejections[i].Add(1)
}

// stream counts the start or end of a stream. The transport is found
// again at the end, from the closed stream: the LocalAddr of every
// transport's streams outlives Close.
func (r *Recorder) stream(ev core.StreamEvent) {
	s, _ := r.streams.LoadOrCreate(Transport(ev.Stream), newStreamSeries) // unbounded: transports are few
	if !ev.Ended {
		s.accepted.Add(1)
		s.active.Add(1)
		return
	}
	s.active.Add(-1)
	s.ended[ev.Reason].Add(1)
	s.requests.Add(ev.Requests)
	s.lifetime.observe(ev.Lifetime)
}

// streamSeries holds the counters of one transport.
type streamSeries struct {
	transport string
	accepted  atomic.Uint64
	active    atomic.Int64
	ended     [256]atomic.Uint64 // by core.EndReason, a uint8
	requests  atomic.Uint64
	lifetime  histogram
}

func newStreamSeries(transport string) *streamSeries {
	return &streamSeries{transport: strings.Clone(transport), lifetime: newHistogram(LifetimeBuckets)}
}
