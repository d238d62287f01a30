//go:build !race

package tophatotel_test

import (
	"io"
	"testing"

	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/tophat-go/tophat/core"
	tophatotel "github.com/tophat-go/tophat/core/metrics/otel"
	"github.com/tophat-go/tophat/core/router"
)

// replayStream hands out the same request on every Read, left times, and
// discards the responses.
type replayStream struct {
	request []byte
	left    int
}

func (s *replayStream) Read(p []byte) (int, error) {
	if s.left == 0 {
		return 0, io.EOF
	}
	s.left--
	return copy(p, s.request), nil
}

func (s *replayStream) Write(p []byte) (int, error) { return len(p), nil }
func (s *replayStream) Close() error                { return nil }

const keepAliveGet = "GET /users/7 HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: test\r\n\r\n"

// perRequestAllocs serves requests keep-alive GETs with h on one stream
// and returns the allocations per request in steady state: a stream of
// many against a stream of two, so that per-stream setup cancels out.
func perRequestAllocs(t *testing.T, h core.Handler, opts *core.Options) float64 {
	t.Helper()
	const requests = 500
	serve := func(n int) {
		if err := core.ServeConn(&replayStream{request: []byte(keepAliveGet), left: n}, h, opts); err != nil {
			t.Fatal(err)
		}
	}
	serve(requests) // warm the pools and the caches of attribute sets
	many := testing.AllocsPerRun(5, func() { serve(requests + 2) })
	few := testing.AllocsPerRun(5, func() { serve(2) })
	return (many - few) / requests
}

// TestMetricsAllocations: recording a request's metrics into the SDK
// allocates nothing once its attribute sets are cached.
func TestMetricsAllocations(t *testing.T) {
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	tel, err := tophatotel.New(tophatotel.Options{TracerProvider: tracenoop.NewTracerProvider(),
		MeterProvider: mp, Propagators: propagation.TraceContext{}})
	if err != nil {
		t.Fatal(err)
	}
	r := router.New()
	r.HandleFunc("GET /users/{id}", func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return w.SendString(200, "user")
	})
	opts := &core.Options{}
	tel.Hook(opts)
	bare := perRequestAllocs(t, r, nil)
	measured := perRequestAllocs(t, tel.Middleware(r), opts)
	t.Logf("allocations per request: bare %.2f, with metrics %.2f", bare, measured)
	if measured > bare {
		t.Errorf("%.2f allocations per request with metrics, %.2f without: want no more", measured, bare)
	}
}
