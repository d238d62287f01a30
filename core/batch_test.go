package core_test

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/tophat-go/tophat/core"
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
