package core_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/tophat-go/tophat/transports/pipe"
)

// deadlineCounter counts how often the core moves a stream's deadlines.
type deadlineCounter struct {
	*pipe.Conn
	reads, writes atomic.Int64
}

func (d *deadlineCounter) SetReadDeadline(t time.Time) error {
	d.reads.Add(1)
	return d.Conn.SetReadDeadline(t)
}

func (d *deadlineCounter) SetWriteDeadline(t time.Time) error {
	d.writes.Add(1)
	return d.Conn.SetWriteDeadline(t)
}

// TestBusyStreamKeepsItsDeadlines checks that a stream answering request
// after request does not move its socket deadlines for each: a deadline
// that ends within a quarter timeout of the ideal one is kept.
func TestBusyStreamKeepsItsDeadlines(t *testing.T) {
	server, client := pipe.New(nil)
	counted := &deadlineCounter{Conn: server}
	x := serveStream(t, nil, echo, counted, client)
	const requests = 200
	for range requests {
		x.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		if r := x.response("GET"); r.StatusCode != 200 {
			t.Fatalf("status %d", r.StatusCode)
		}
	}
	reads, writes := counted.reads.Load(), counted.writes.Load()
	t.Logf("%d requests: %d read and %d write deadline changes", requests, reads, writes)
	if reads > requests/4 || writes > requests/4 {
		t.Errorf("%d requests moved the read deadline %d times and the write deadline %d times, want at most %d each",
			requests, reads, writes, requests/4)
	}
}
