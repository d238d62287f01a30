package metrics

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestHistogramBuckets(t *testing.T) {
	bounds := []time.Duration{time.Millisecond, 10 * time.Millisecond}
	cases := []struct {
		observed []time.Duration
		counts   string // cumulative, then Count
		sum      float64
	}{
		{nil, "[0 0] 0", 0},
		{[]time.Duration{0}, "[1 1] 1", 0},
		{[]time.Duration{-time.Second}, "[1 1] 1", 0},                          // a clock step back counts as 0
		{[]time.Duration{time.Millisecond}, "[1 1] 1", 0.001},                  // a bound is in its bucket ("le")
		{[]time.Duration{time.Millisecond + 1}, "[0 1] 1", 0.001000001},        // just past it is in the next
		{[]time.Duration{10 * time.Millisecond, time.Second}, "[0 1] 2", 1.01}, // past the last bound: +Inf only
		{[]time.Duration{time.Microsecond, 5 * time.Millisecond, time.Hour}, "[1 2] 3", 3600.005001},
	}
	for _, tc := range cases {
		h := newHistogram(bounds)
		for _, d := range tc.observed {
			h.observe(d)
		}
		s := h.snapshot()
		if got := fmt.Sprintf("%v %d", s.Counts, s.Count); got != tc.counts || fmt.Sprintf("%.9f", s.Sum) != fmt.Sprintf("%.9f", tc.sum) {
			t.Errorf("observed %v: %s sum %.9f, want %s sum %.9f", tc.observed, got, s.Sum, tc.counts, tc.sum)
		}
	}
}

func TestBucketBoundsAscend(t *testing.T) {
	for name, bounds := range map[string][]time.Duration{"ResponseBuckets": ResponseBuckets, "LifetimeBuckets": LifetimeBuckets} {
		for i := 1; i < len(bounds); i++ {
			if bounds[i] <= bounds[i-1] {
				t.Errorf("%s[%d] = %v does not follow %v", name, i, bounds[i], bounds[i-1])
			}
		}
	}
}

// TestHistogramConcurrent: no observation is lost to a race on the sum.
func TestHistogramConcurrent(t *testing.T) {
	h := newHistogram(ResponseBuckets)
	const goroutines, each = 4, 1000
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range each {
				h.observe(time.Millisecond)
			}
		})
	}
	wg.Wait()
	s := h.snapshot()
	if s.Count != goroutines*each || s.Sum < 3.999 || s.Sum > 4.001 {
		t.Errorf("count %d sum %g, want %d and 4", s.Count, s.Sum, goroutines*each)
	}
}
