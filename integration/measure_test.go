package integration

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/tophat-go/tophat/transports/kcp"
)

const (
	measureWarmup   = 50  // requests before timing: TLS handshake, KCP windows, pools
	measureRequests = 200 // timed small requests, one kept-alive stream
	measureRuns     = 3   // timed 10 MiB downloads
	downloadSeed    = 99
)

// download fetches bigSize pattern bytes and checks them, so a broken
// transport cannot look fast.
func download(tb testing.TB, e *env, c *http.Client) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), bigTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", e.url(fmt.Sprintf("/download?bytes=%d&seed=%d", bigSize, downloadSeed)), nil)
	if err != nil {
		tb.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	h := sha256.New()
	n, err := io.Copy(h, resp.Body)
	if err != nil || n != bigSize || hex.EncodeToString(h.Sum(nil)) != patternSum(downloadSeed, bigSize) {
		tb.Fatalf("download: %d bytes, err %v, or wrong content", n, err)
	}
}

// BenchmarkTransports measures each row: a small GET on a kept-alive
// stream, and a 10 MiB streamed download (b.SetBytes, so MB/s is shown).
func BenchmarkTransports(b *testing.B) {
	for _, r := range rows {
		b.Run(r.name, func(b *testing.B) {
			e := start(b, r)
			c := e.client(b)
			patternSum(downloadSeed, bigSize) // outside the timings
			b.Run("small", func(b *testing.B) {
				for range measureWarmup {
					get(b, c, e.url("/hello?n=bench"))
				}
				b.ReportAllocs()
				for b.Loop() {
					if resp := get(b, c, e.url("/hello?n=bench")); resp.StatusCode != 200 {
						b.Fatalf("status %d", resp.StatusCode)
					}
				}
			})
			b.Run("download10MiB", func(b *testing.B) {
				b.SetBytes(bigSize)
				for b.Loop() {
					download(b, e, c)
				}
			})
		})
	}
}

// presetRows are measured beside the table's rows, so that each KCP preset
// has figures from the same run as TCP's; the other tests skip them, since
// kcp-fast already covers the code they would run.
var presetRows = []row{
	{name: "kcp-normal", noFIN: true, listen: func(tb testing.TB) *endpoint {
		return kcpEndpoint(tb, &kcp.Config{Preset: kcp.Normal})
	}},
	{name: "kcp-lossy", noFIN: true, listen: func(tb testing.TB) *endpoint {
		return kcpEndpoint(tb, &kcp.Config{Preset: kcp.Lossy})
	}},
	{name: "kcp-bulk", noFIN: true, listen: func(tb testing.TB) *endpoint {
		return kcpEndpoint(tb, &kcp.Config{Preset: kcp.Bulk})
	}},
}

// TestMeasure prints, with TOPHAT_MEASURE=1, a table of every row and every
// KCP preset side by side: the median and 90th percentile latency of a
// small GET on one kept-alive stream, and the median throughput of three
// 10 MiB downloads. It reports figures and asserts nothing about speed.
func TestMeasure(t *testing.T) {
	if os.Getenv("TOPHAT_MEASURE") != "1" {
		t.Skip("set TOPHAT_MEASURE=1 to measure")
	}
	patternSum(downloadSeed, bigSize)
	var out strings.Builder
	tw := tabwriter.NewWriter(&out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "transport\tsmall GET p50\tp90\t10 MiB download MiB/s (median of %d)\truns\t\n", measureRuns)
	for _, r := range append(slices.Clip(rows), presetRows...) {
		t.Run(r.name, func(t *testing.T) {
			e := start(t, r)
			c := e.client(t)
			for range measureWarmup {
				get(t, c, e.url("/hello?n=m"))
			}
			lat := make([]time.Duration, measureRequests)
			for i := range lat {
				t0 := time.Now()
				wantBody(t, get(t, c, e.url("/hello?n=m")), 200, "hello m")
				lat[i] = time.Since(t0)
			}
			slices.Sort(lat)
			rates := make([]float64, measureRuns)
			for i := range rates {
				t0 := time.Now()
				download(t, e, c)
				rates[i] = bigSize / (1 << 20) / time.Since(t0).Seconds()
			}
			runs := fmt.Sprintf("%.0f", rates)
			slices.Sort(rates)
			fmt.Fprintf(tw, "%s\t%v\t%v\t%.0f\t%s\t\n", r.name,
				lat[len(lat)/2].Round(time.Microsecond), lat[len(lat)*9/10].Round(time.Microsecond),
				rates[len(rates)/2], runs)
		})
	}
	tw.Flush()
	fmt.Print(out.String())
}
