package core_test

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports/pipe"
)

// writeCounter delivers its input in one read, then io.EOF, and counts
// the writes it is given.
type writeCounter struct {
	onceStream
	writes int
}

func (s *writeCounter) Write(p []byte) (int, error) {
	s.writes++
	return s.onceStream.Write(p)
}

func TestPipelinedResponsesLeaveTogether(t *testing.T) {
	const requests = 4
	input := strings.Repeat("GET / HTTP/1.1\r\nHost: h\r\n\r\n", requests)
	for _, flushEach := range []bool{false, true} {
		var receipts []core.ResponseWritten
		h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
			rw := w.SendString(200, "hello")
			receipts = append(receipts, rw)
			return rw
		})
		s := &writeCounter{onceStream: onceStream{input: []byte(input), step: len(input)}}
		if err := core.ServeConn(s, h, &core.Options{FlushEachResponse: flushEach}); err != nil {
			t.Fatal(err)
		}
		wantWrites := 1
		if flushEach {
			wantWrites = requests
		}
		if s.writes != wantWrites {
			t.Errorf("FlushEachResponse=%v: %d writes, want %d", flushEach, s.writes, wantWrites)
		}
		for i, rw := range receipts {
			wantBuffered := !flushEach && i < requests-1
			if rw.Buffered() != wantBuffered || rw.HeadBytes() == 0 || rw.BodyBytes() != 5 {
				t.Errorf("FlushEachResponse=%v, receipt %d: buffered=%v head %d body %d", flushEach, i, rw.Buffered(), rw.HeadBytes(), rw.BodyBytes())
			}
		}
		br := bufio.NewReader(bytes.NewReader(s.out.Bytes()))
		for i := range requests {
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatalf("response %d: %v", i, err)
			}
			if body, _ := io.ReadAll(resp.Body); string(body) != "hello" {
				t.Fatalf("response %d: %q", i, body)
			}
		}
	}
}

// TestBatchedResponsesPrecede100Continue: a response waiting in the buffer
// leaves before the 100 Continue of the request behind it.
func TestBatchedResponsesPrecede100Continue(t *testing.T) {
	x := serve(t, nil, echoBody)
	x.send("GET /first HTTP/1.1\r\nHost: h\r\n\r\n" +
		"POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n")
	if resp := x.response("GET"); resp.StatusCode != 200 {
		t.Fatalf("first: %d", resp.StatusCode)
	}
	line, err := x.br.ReadString('\n')
	if err != nil || line != "HTTP/1.1 100 Continue\r\n" {
		t.Fatalf("%q %v", line, err)
	}
	x.br.ReadString('\n')
	x.send("hi")
	if resp := x.response("POST"); resp.body != "hi" {
		t.Fatalf("%q", resp.body)
	}
}

// readSizes records the size of every buffer the server reads into.
type readSizes struct {
	*pipe.Conn
	mu       sync.Mutex
	sizes    []int
	returned int // reads that returned
}

func (r *readSizes) Read(p []byte) (int, error) {
	r.mu.Lock()
	r.sizes = append(r.sizes, len(p))
	r.mu.Unlock()
	n, err := r.Conn.Read(p)
	r.mu.Lock()
	r.returned++
	r.mu.Unlock()
	return n, err
}

// waitSize returns the size of the read that follows the n-th, once the
// server has started it.
func (r *readSizes) waitSize(t *testing.T, n int) int {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		r.mu.Lock()
		sizes := r.sizes
		r.mu.Unlock()
		if len(sizes) > n {
			return sizes[n]
		}
	}
	t.Fatalf("the server started no read after its %dth", n)
	return 0
}

func (r *readSizes) returnedReads() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.returned
}

// TestStreamHoldsBuffersOnlyWhileBusy: a stream waits for its next request
// with a one-byte read, its buffers given back, after its first request
// and after a pause; one whose requests come close together keeps its
// buffers for a moment and reads the next request straight into them. So
// a burst of clients that each send a request and go quiet leaves no pool
// of freed buffers behind.
func TestStreamHoldsBuffersOnlyWhileBusy(t *testing.T) {
	server, client := pipe.New(nil)
	rs := &readSizes{Conn: server}
	x := serveStream(t, nil, echo, rs, client)
	// exchange sends a request, reads its response and returns the size of
	// the read the stream then waits with.
	exchange := func(path string) int {
		t.Helper()
		x.send("GET " + path + " HTTP/1.1\r\nHost: h\r\n\r\n")
		if resp := x.response("GET"); !strings.Contains(resp.body, "path="+path+"\n") {
			t.Fatalf("%s: %q", path, resp.body)
		}
		// No read can return before the next request is sent: the one
		// after those returned is the wait for it.
		return rs.waitSize(t, rs.returnedReads())
	}
	if got := exchange("/first"); got != 1 {
		t.Errorf("after its first request the stream waits with a %d-byte read, want a one-byte read", got)
	}
	// Requests in quick succession: a slow machine may take longer than
	// the hold between two of them, but not between every two of five.
	held := false
	for i := 0; i < 5 && !held; i++ {
		held = exchange("/quick") > 1
	}
	if !held {
		t.Error("a stream of requests in quick succession gave its buffers back between every two")
	}
	time.Sleep(300 * time.Millisecond) // past the hold
	if got := exchange("/after-pause"); got != 1 {
		t.Errorf("after a pause the stream waits with a %d-byte read, want a one-byte read", got)
	}
}

// TestIdleStreamHoldsNoBuffers: a kept-alive stream that waits longer than
// a moment gives its buffers back and waits with a one-byte read; the
// request that ends the wait is served whole.
func TestIdleStreamHoldsNoBuffers(t *testing.T) {
	server, client := pipe.New(nil)
	rs := &readSizes{Conn: server}
	x := serveStream(t, nil, echo, rs, client)
	x.send("GET /1 HTTP/1.1\r\nHost: h\r\n\r\n")
	x.response("GET")
	time.Sleep(400 * time.Millisecond)
	x.send("POST /2 HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello")
	if resp := x.response("POST"); !strings.Contains(resp.body, "path=/2\n") || !strings.Contains(resp.body, "body=hello\n") {
		t.Fatalf("%q", resp.body)
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if !slices.Contains(rs.sizes, 1) {
		t.Fatalf("reads of %v bytes: the idle stream kept its buffer", rs.sizes)
	}
}

// TestSendFileOverTCP: a file body goes out whole and framed over a TCP
// stream (where it takes the sendfile path), and a file shorter than the
// size given cuts the response off.
func TestSendFileOverTCP(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 5<<16) // 5 MiB: two slices
	name := t.TempDir() + "/file"
	if err := os.WriteFile(name, data, 0o600); err != nil {
		t.Fatal(err)
	}
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		f, err := os.Open(name)
		if err != nil {
			return w.SendString(500, err.Error())
		}
		defer f.Close()
		size := int64(len(data))
		if req.Path() == "/short" {
			size += 10
		}
		return w.SendReader(200, f, size)
	})
	c := serveTCP(t, h, nil)
	c.SetDeadline(time.Now().Add(20 * time.Second))
	io.WriteString(c, "GET /whole HTTP/1.1\r\nHost: h\r\n\r\nGET /short HTTP/1.1\r\nHost: h\r\n\r\n")
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(resp.Body)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("whole file: %d bytes, %v", len(got), err)
	}
	resp, err = http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(resp.Body); err == nil {
		t.Fatal("a file shorter than its declared size read as complete")
	}
}
