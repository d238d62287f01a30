//go:build !race

package compress

import (
	"fmt"
	"io"
	"testing"

	"github.com/tophat-go/tophat/core"
)

// TestMiddlewareAllocs checks that the middleware's own work for a
// compressed response (negotiating, filtering the header, taking a pooled
// encoder, compressing and closing) allocates nothing once the pools are
// warm. What the core and the transport allocate is in the benchmarks.
func TestMiddlewareAllocs(t *testing.T) {
	m, err := newMiddleware(Config{})
	if err != nil {
		t.Fatal(err)
	}
	body := make([]byte, 16<<10)
	for i := range body {
		body[i] = "tophat compresses "[i%18]
	}
	var h core.Header
	for _, tt := range []struct {
		accept string
		flush  bool
		allocs float64
	}{
		{"gzip, deflate, br, zstd", false, 0},
		{"gzip", false, 0},
		{"br;q=1, gzip;q=0.5", false, 0},
		{"identity", false, 0},
		{"gzip", true, 0},
		{"br", true, 0},
		// klauspost's zstd encoder allocates the frame header and the
		// checksum of a stream that was flushed (a whole body goes
		// through its one-shot path, which does not).
		{"zstd", true, 2},
	} {
		accept := tt.accept
		t.Run(fmt.Sprintf("%s/flush=%v", accept, tt.flush), func(t *testing.T) {
			run := func() {
				h.Reset()
				h.Set("Content-Type", "application/json")
				fw := m.filters[m.choose(accept)](200, &h, int64(len(body)), io.Discard)
				if fw == nil {
					return
				}
				if _, err := fw.Write(body); err != nil {
					t.Fatal(err)
				}
				if tt.flush {
					if err := fw.(interface{ Flush() error }).Flush(); err != nil {
						t.Fatal(err)
					}
				}
				if err := fw.Close(); err != nil {
					t.Fatal(err)
				}
			}
			run() // warm the pool and the header's storage
			if n := testing.AllocsPerRun(50, run); n > tt.allocs {
				t.Fatalf("%v allocations per response, want %v", n, tt.allocs)
			}
			if accept != "identity" && h.Get("Content-Encoding") == "" {
				t.Fatal("the response was not compressed")
			}
		})
	}
}
