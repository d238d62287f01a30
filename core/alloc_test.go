//go:build !race

package core_test

import (
	"testing"

	"github.com/tophat-go/tophat/core"
)

// TestKeepAliveAllocations holds the hot path to its promise: once a stream
// is warm, a request and its response allocate nothing.
func TestKeepAliveAllocations(t *testing.T) {
	const requests = 1000
	serve := func(n int) {
		s := &replayStream{request: []byte(benchRequest), left: n}
		if err := core.ServeConn(s, hello, nil); err != nil {
			t.Fatal(err)
		}
	}
	serve(10) // warm the pools
	// One stream of many requests, measured against one of two requests
	// (a stream alternates two sets of request handles, each set up on its
	// first use), so per-stream setup cancels out and per-request cost shows.
	many := testing.AllocsPerRun(10, func() { serve(requests + 2) })
	few := testing.AllocsPerRun(10, func() { serve(2) })
	if perRequest := (many - few) / requests; perRequest > 0 {
		t.Fatalf("%.3f allocations per request in steady state (stream of %d: %.0f, of 2: %.0f), want 0",
			perRequest, requests+2, many, few)
	}
}
