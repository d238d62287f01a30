//go:build !race

package core_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

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

// TestRepeatedPathAllocations: a handler that asks for the path, as most
// do, pays nothing when a stream repeats it (Request.Path reuses the last
// string), as a client polling one endpoint does.
func TestRepeatedPathAllocations(t *testing.T) {
	byPath := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		if req.Path() != "/plaintext" {
			return w.SendString(404, "")
		}
		return w.SendString(200, "Hello, World!")
	})
	serve := func(n int) {
		s := &replayStream{request: []byte(benchRequest), left: n}
		if err := core.ServeConn(s, byPath, nil); err != nil {
			t.Fatal(err)
		}
	}
	serve(10)
	const requests = 1000
	many := testing.AllocsPerRun(10, func() { serve(requests + 2) })
	few := testing.AllocsPerRun(10, func() { serve(2) })
	if perRequest := (many - few) / requests; perRequest > 0 {
		t.Fatalf("%.3f allocations per request calling Path, want 0", perRequest)
	}
}

// TestStreamAllocations bounds what a stream costs on the heap beyond the
// pooled buffers: its own state, not a buffer per stream. A stream that
// reads no body once allocated a 4 KiB drain buffer it kept while idle.
func TestStreamAllocations(t *testing.T) {
	serve := func() {
		s := &replayStream{request: []byte(benchRequest), left: 2}
		if err := core.ServeConn(s, hello, nil); err != nil {
			t.Fatal(err)
		}
	}
	serve() // warm the pools
	const streams = 200
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range streams {
		serve()
	}
	runtime.ReadMemStats(&after)
	perStream := (after.TotalAlloc - before.TotalAlloc) / streams
	// The conn (its two sets of request handles inline) is 2 KiB, the
	// header tables of its two alternating requests about 1.4 KiB, and a
	// stream without deadlines has its timer.
	const limit = 5 << 10
	if perStream > limit {
		t.Fatalf("%d bytes allocated per stream, want at most %d", perStream, limit)
	}
	t.Logf("%d bytes allocated per stream", perStream)
}

// TestIdleStreamStackAllocation: a Server's stream that goes quiet waits
// for its next request on a goroutine with the smallest stack (2 KiB), not
// on the one serving grew to 4 KiB or more, which the runtime would keep
// for as long as the stream stays idle. Over TCP, as most idle streams are.
//
// It measures in a fresh process: goroutines and stacks that other tests
// (or an earlier run of this one) freed are reused and blur the count.
func TestIdleStreamStackAllocation(t *testing.T) {
	const child = "TOPHAT_STACK_TEST_CHILD"
	if os.Getenv(child) == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestIdleStreamStackAllocation$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), child+"=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("the measuring process failed: %v\n%s", err, out)
		}
		if !strings.Contains(string(out), "bytes of goroutine stack per idle stream") {
			t.Fatalf("the measuring process measured nothing:\n%s", out)
		}
		t.Logf("%s", out)
		return
	}
	const streams = 500
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &core.Server{Handler: hello}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(tcpListener{ln}) }()
	defer func() {
		srv.Close()
		<-served
	}()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range streams {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: h\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	// Let the streams settle into their wait, and the stacks of goroutines
	// that ended go back to the heap.
	time.Sleep(100 * time.Millisecond)
	runtime.GC()
	runtime.ReadMemStats(&after)
	perStream := (int64(after.StackInuse) - int64(before.StackInuse)) / streams
	if perStream > 3<<10 {
		t.Fatalf("%d bytes of goroutine stack per idle stream, want the 2 KiB of a fresh goroutine", perStream)
	}
	t.Logf("%d bytes of goroutine stack per idle stream", perStream)
}

type tcpListener struct{ net.Listener }

func (l tcpListener) Accept() (io.ReadWriteCloser, error) { return l.Listener.Accept() }
