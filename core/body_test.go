package core_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports/pipe"
)

// TestBodyWriteTo: io.Copy from a Body reads the stream in large pieces
// (one read of 8 KiB per piece through io.Discard before), copies the body
// whole, fixed-length or chunked, reports a body past the limit as
// ErrBodyTooLarge, and fails with ErrResponseOver once the handler returned.
func TestBodyWriteTo(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789abcdef"), 4<<10) // 64 KiB
	type result struct {
		n   int64
		err error
		sum string
		// The previous request's Body, used in this handler (the serving
		// goroutine, as the handle rules want): its WriteTo's error.
		deadErr error
	}
	results := make(chan result, 1)
	var kept *core.Body // touched by the serving goroutine alone
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		var deadErr error
		if kept != nil {
			wt, ok := any(kept).(io.WriterTo)
			if !ok {
				return w.SendString(500, "Body is no io.WriterTo")
			}
			var n int64
			if n, deadErr = wt.WriteTo(io.Discard); n != 0 {
				deadErr = fmt.Errorf("%d bytes from a dead Body", n)
			}
		}
		kept = req.Body()
		var got bytes.Buffer
		var n int64
		var err error
		if req.Path() == "/discard" {
			n, err = io.Copy(io.Discard, req.Body()) // io.Discard reads 8 KiB at a time itself
			got.Write(body[:n])
		} else {
			n, err = io.Copy(&got, req.Body())
		}
		results <- result{n, err, fmt.Sprintf("%d:%t", got.Len(), bytes.Equal(got.Bytes(), body)), deadErr}
		if err != nil {
			return w.SendString(400, err.Error())
		}
		return w.SendString(200, "ok")
	})
	server, client := pipe.New(nil)
	rs := &readSizes{Conn: server}
	x := serveStream(t, &core.Options{MaxBodyBytes: 100 << 10}, h, rs, client)

	x.send(fmt.Sprintf("POST /discard HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n", len(body)))
	x.send(string(body))
	x.response("POST")
	if r := <-results; r.err != nil || r.n != int64(len(body)) || r.sum != fmt.Sprintf("%d:true", len(body)) {
		t.Fatalf("fixed-length body: copied %d (%s), %v", r.n, r.sum, r.err)
	}
	rs.mu.Lock()
	largest := slices.Max(rs.sizes)
	rs.mu.Unlock()
	if largest < 32<<10 {
		t.Errorf("the largest read of the stream was %d bytes, want 32 KiB pieces", largest)
	}

	var chunked strings.Builder
	for rest := body; len(rest) > 0; rest = rest[min(len(rest), 10000):] {
		fmt.Fprintf(&chunked, "%x\r\n%s\r\n", min(len(rest), 10000), rest[:min(len(rest), 10000)])
	}
	x.send("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked.String() + "0\r\n\r\n")
	if resp := x.response("POST"); resp.StatusCode != 200 {
		t.Fatalf("chunked body: %d %s", resp.StatusCode, resp.body)
	}
	r := <-results
	if r.err != nil || r.n != int64(len(body)) || r.sum != fmt.Sprintf("%d:true", len(body)) {
		t.Fatalf("chunked body: copied %d (%s), %v", r.n, r.sum, r.err)
	}
	if !errors.Is(r.deadErr, core.ErrResponseOver) {
		t.Errorf("WriteTo of the Body of a request whose handler returned: %v, want ErrResponseOver", r.deadErr)
	}

	big := bytes.Repeat([]byte("x"), 150<<10)
	x.send("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" + fmt.Sprintf("%x\r\n", len(big)) + string(big) + "\r\n0\r\n\r\n")
	if resp := x.response("POST"); resp.StatusCode != 413 && resp.StatusCode != 400 {
		t.Errorf("a body past the limit was answered %d", resp.StatusCode)
	}
	if r := <-results; !errors.Is(r.err, core.ErrBodyTooLarge) {
		t.Errorf("a body past the limit: %v, want ErrBodyTooLarge", r.err)
	}
}
