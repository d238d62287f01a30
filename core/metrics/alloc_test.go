//go:build !race

package metrics_test

import (
	"testing"
)

// TestRecordingAllocations holds the Middleware to its promise: once its
// series exists, recording a request allocates nothing. A stream of many
// requests is measured against one of two, so the stream's own setup
// cancels out and what is left is per request.
func TestRecordingAllocations(t *testing.T) {
	const requests = 1000
	rec, h, opts := recorded(t)
	serveReplay(t, h, opts, 10) // make the series, warm the pools
	many := testing.AllocsPerRun(10, func() { serveReplay(t, h, opts, requests+2) })
	few := testing.AllocsPerRun(10, func() { serveReplay(t, h, opts, 2) })
	if perRequest := (many - few) / requests; perRequest > 0 {
		t.Fatalf("%.3f allocations per recorded request (stream of %d: %.0f, of 2: %.0f), want 0",
			perRequest, requests+2, many, few)
	}
	snap := rec.Snapshot()
	if len(snap.Requests) != 1 || snap.Requests[0].Count != 10+11*(requests+2)+11*2 {
		t.Errorf("recorded %+v", snap.Requests)
	}
}
