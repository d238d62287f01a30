package metrics_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/metrics"
	"github.com/tophat-go/tophat/core/router"
	"github.com/tophat-go/tophat/transports/pipe"
)

const benchRequest = "GET /plaintext HTTP/1.1\r\nHost: localhost\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n"

// benchHandler is a router with one route, as a real program has; the
// pattern is the route label. It has no wildcard, which would cost the
// router an allocation.
func benchHandler() core.Handler {
	r := router.New()
	r.HandleFunc("GET /plaintext", func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		w.Header().Set("Content-Type", "text/plain")
		return w.SendString(200, "Hello, World!")
	})
	return r
}

// BenchmarkBare serves keep-alive requests one at a time over an
// in-process pipe; BenchmarkRecorded does the same with the Recorder's
// Middleware and hooks. Their difference is the cost of recording.
func BenchmarkBare(b *testing.B) { benchmarkPipe(b, benchHandler(), nil) }

func BenchmarkRecorded(b *testing.B) {
	rec, err := metrics.New(metrics.Config{})
	if err != nil {
		b.Fatal(err)
	}
	var opts core.Options
	rec.Hook(&opts)
	benchmarkPipe(b, rec.Middleware(benchHandler()), &opts)
	if snap := rec.Snapshot(); len(snap.Requests) != 1 || snap.Requests[0].Count < uint64(b.N) {
		b.Fatalf("recorded %+v, want %d requests", snap.Requests, b.N)
	}
}

func benchmarkPipe(b *testing.B, h core.Handler, opts *core.Options) {
	server, client := pipe.New(nil)
	served := make(chan error, 1)
	go func() { served <- core.ServeConn(server, h, opts) }()
	defer func() {
		client.Close()
		<-served
	}()
	request := []byte(benchRequest)
	// Every response has the same length (the Date field's is fixed):
	// learn it from the first, then read exactly that much per request.
	if _, err := client.Write(request); err != nil {
		b.Fatal(err)
	}
	first := make([]byte, 4096)
	n, err := client.Read(first)
	if err != nil || !bytes.HasSuffix(first[:n], []byte("Hello, World!")) {
		b.Fatalf("first response %q, %v", first[:n], err)
	}
	response := first[:n]
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := client.Write(request); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(client, response); err != nil {
			b.Fatal(err)
		}
	}
}
