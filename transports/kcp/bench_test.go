package kcp_test

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/tophat-go/tophat/transports/kcp"
)

// BenchmarkLossyLinkLatency measures small HTTP requests through a relay
// that drops 5% of datagrams each way, and reports the latency percentiles,
// which is what the presets differ in. Percentiles need many samples, and
// each run drops a different random sequence:
//
//	go test -run '^$' -bench LossyLinkLatency -benchtime 2000x -count 3 ./transports/kcp/
func BenchmarkLossyLinkLatency(b *testing.B) {
	for _, tc := range []struct {
		name string
		cfg  *kcp.Config
	}{
		{"fast", &kcp.Config{Preset: kcp.Fast}},
		{"normal", &kcp.Config{Preset: kcp.Normal}},
		{"lossy", &kcp.Config{Preset: kcp.Lossy}},
		{"bulk", &kcp.Config{Preset: kcp.Bulk}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			ln := serve(b, tc.cfg, respond)
			r := newRelay(b, ln.Addr(), 0.05)
			r.reseed()
			tr := kcp.Transport(r.Addr(), tc.cfg)
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr, Timeout: testDeadline}
			get := func(i int) {
				res, err := client.Get(fmt.Sprintf("http://kcp/item/%d", i))
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, res.Body)
				_ = res.Body.Close()
			}
			get(-1) // open the session outside the measurement

			samples := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := range b.N {
				start := time.Now()
				get(i)
				samples = append(samples, time.Since(start))
			}
			b.StopTimer()
			slices.Sort(samples)
			pct := func(p float64) float64 {
				return float64(samples[int(p*float64(len(samples)-1))]) / float64(time.Millisecond)
			}
			b.ReportMetric(pct(0.50), "p50-ms")
			b.ReportMetric(pct(0.99), "p99-ms")
			b.ReportMetric(pct(1), "max-ms")
		})
	}
}
