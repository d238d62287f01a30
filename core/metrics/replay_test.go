package metrics_test

import (
	"io"
	"testing"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/metrics"
)

// replayStream sends the same request n times, one per Read, and discards
// what the server writes: it costs next to nothing, so serving over it
// measures the engine and the handler alone, without a pipe's goroutine
// hand-offs.
type replayStream struct {
	request []byte
	left    int
	written int64
}

func (s *replayStream) Read(p []byte) (int, error) {
	if s.left == 0 {
		return 0, io.EOF
	}
	s.left--
	return copy(p, s.request), nil
}

func (s *replayStream) Write(p []byte) (int, error) {
	s.written += int64(len(p))
	return len(p), nil
}

func (s *replayStream) Close() error { return nil }

// serveReplay serves n requests on one stream.
func serveReplay(tb testing.TB, h core.Handler, opts *core.Options, n int) {
	s := &replayStream{request: []byte(benchRequest), left: n}
	if err := core.ServeConn(s, h, opts); err != nil {
		tb.Fatal(err)
	}
	if s.written == 0 && n > 0 {
		tb.Fatal("no response written")
	}
}

// recorded returns benchHandler under a new Recorder, and hooked options.
func recorded(tb testing.TB) (*metrics.Recorder, core.Handler, *core.Options) {
	rec, err := metrics.New(metrics.Config{})
	if err != nil {
		tb.Fatal(err)
	}
	opts := &core.Options{}
	rec.Hook(opts)
	return rec, rec.Middleware(benchHandler()), opts
}

// BenchmarkReplayBare and BenchmarkReplayRecorded serve requests over an
// in-memory stream that costs nothing, so their difference is the
// Recorder's cost with little noise around it.
func BenchmarkReplayBare(b *testing.B) {
	b.ReportAllocs()
	serveReplay(b, benchHandler(), nil, b.N)
}

func BenchmarkReplayRecorded(b *testing.B) {
	rec, h, opts := recorded(b)
	b.ReportAllocs()
	serveReplay(b, h, opts, b.N)
	if n := rec.Snapshot().Requests[0].Count; n != uint64(b.N) {
		b.Fatalf("recorded %d requests, want %d", n, b.N)
	}
}
