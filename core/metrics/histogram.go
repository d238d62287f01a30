package metrics

import (
	"math"
	"sync/atomic"
	"time"
)

// The upper bounds of the histogram buckets, fixed so that every exporter
// and every dashboard sees the same ones. Each bucket counts the
// observations at or below its bound, and a last bucket without a bound
// counts every observation, as Prometheus's +Inf: the counts of a
// Histogram are cumulative, as Prometheus expects them.
//
// They are variables only because Go has no constant slices: do not
// change them.
var (
	// ResponseBuckets are the bounds of the times to first and to last
	// byte: from 100µs, where a native handler on a warm stream answers,
	// to 10s, in steps of 1, 2.5 and 5 per decade as Prometheus's default
	// buckets (which begin at 5ms, too coarse for this server).
	ResponseBuckets = []time.Duration{
		100 * time.Microsecond, 250 * time.Microsecond, 500 * time.Microsecond,
		time.Millisecond, 2500 * time.Microsecond, 5 * time.Millisecond,
		10 * time.Millisecond, 25 * time.Millisecond, 50 * time.Millisecond,
		100 * time.Millisecond, 250 * time.Millisecond, 500 * time.Millisecond,
		time.Second, 2500 * time.Millisecond, 5 * time.Second, 10 * time.Second,
	}
	// LifetimeBuckets are the bounds of stream lifetimes: from 1ms (a
	// request refused on arrival) past the one-minute default idle
	// timeout to an hour (server-sent events, WebSockets).
	LifetimeBuckets = []time.Duration{
		time.Millisecond, 10 * time.Millisecond, 100 * time.Millisecond,
		time.Second, 5 * time.Second, 10 * time.Second, 30 * time.Second,
		time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute,
		30 * time.Minute, time.Hour,
	}
)

// histogram counts observations with atomics. Its counters are not
// cumulative: an observation adds one to one counter, and a snapshot sums
// them up, so that recording costs two atomic operations whatever the
// number of buckets.
type histogram struct {
	bounds  []time.Duration
	counts  []atomic.Uint64 // one per bound, and the last past every bound
	sumBits atomic.Uint64   // math.Float64bits of the sum, in seconds
}

func newHistogram(bounds []time.Duration) histogram {
	return histogram{bounds: bounds, counts: make([]atomic.Uint64, len(bounds)+1)}
}

func (h *histogram) observe(d time.Duration) {
	d = max(d, 0)
	i := 0
	for i < len(h.bounds) && d > h.bounds[i] {
		i++
	}
	h.counts[i].Add(1)
	// A float sum (as client_golang keeps one) never overflows, unlike
	// nanoseconds in 64 bits, which long-lived responses would exhaust.
	s := d.Seconds()
	for {
		old := h.sumBits.Load()
		if h.sumBits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+s)) {
			return
		}
	}
}

// A Histogram is a copy of a histogram's counts.
type Histogram struct {
	// Bounds are the upper bounds of the buckets (ResponseBuckets or
	// LifetimeBuckets); do not modify them.
	Bounds []time.Duration
	// Counts[i] is the number of observations at or below Bounds[i]
	// (cumulative, so the counts never decrease along the slice).
	Counts []uint64
	// Count is the number of observations: the +Inf bucket.
	Count uint64
	// Sum is the sum of the observations, in seconds.
	Sum float64
}

// snapshot copies the counts. An observation made while it runs may be in
// Count but not yet in Sum, never in a bucket but not in Count.
func (h *histogram) snapshot() Histogram {
	s := Histogram{Bounds: h.bounds, Counts: make([]uint64, len(h.bounds))}
	var total uint64
	for i := range h.counts {
		total += h.counts[i].Load()
		if i < len(s.Counts) {
			s.Counts[i] = total
		}
	}
	s.Count = total
	s.Sum = math.Float64frombits(h.sumBits.Load())
	return s
}
