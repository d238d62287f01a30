package bench

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// captureBytes is how much of the server's output memConn keeps: enough
// for the first response, which verify parses.
const captureBytes = 4 << 10

var (
	clientAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 50000}
	serverAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}
)

// memConn is the client side of a connection played from memory. Each Read
// returns the next batch of copies of one request (perRead of them, fewer
// if a short buffer or the last batch says so) until n requests are sent,
// then io.EOF; writes are counted and discarded. Reads never block and
// deadlines do nothing, so every server sees the same cheap stream and the
// benchmark measures the server alone.
//
// Reads and writes touch disjoint fields: net/http reads on a second
// goroutine (its background read) while the handler writes.
type memConn struct {
	batch   []byte // perRead copies of the request
	reqLen  int
	perRead int
	left    int    // requests not yet handed to Read
	pending []byte // the part of the current batch not yet read

	written  int64
	captured []byte // the first captureBytes written

	closeOnce sync.Once
	closed    chan struct{}
}

var _ net.Conn = (*memConn)(nil)

func newMemConn(request string, n, perRead int) *memConn {
	perRead = max(perRead, 1)
	return &memConn{
		batch:    bytes.Repeat([]byte(request), perRead),
		reqLen:   len(request),
		perRead:  perRead,
		left:     n,
		captured: make([]byte, 0, captureBytes),
		closed:   make(chan struct{}),
	}
}

func (c *memConn) Read(p []byte) (int, error) {
	if len(c.pending) == 0 {
		if c.left == 0 {
			return 0, io.EOF
		}
		k := min(c.left, c.perRead)
		c.left -= k
		c.pending = c.batch[:k*c.reqLen]
	}
	n := copy(p, c.pending)
	c.pending = c.pending[n:]
	return n, nil
}

func (c *memConn) Write(p []byte) (int, error) {
	c.written += int64(len(p))
	if room := cap(c.captured) - len(c.captured); room > 0 {
		c.captured = append(c.captured, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// Close reports the end of the connection to whoever waits on closed.
func (c *memConn) Close() error {
	c.closeOnce.Do(func() { close(c.closed) })
	return nil
}

func (c *memConn) LocalAddr() net.Addr              { return serverAddr }
func (c *memConn) RemoteAddr() net.Addr             { return clientAddr }
func (c *memConn) SetDeadline(time.Time) error      { return nil }
func (c *memConn) SetReadDeadline(time.Time) error  { return nil }
func (c *memConn) SetWriteDeadline(time.Time) error { return nil }

// oneShotListener hands out one connection, then blocks until closed, so
// an http.Server serves exactly that connection.
type oneShotListener struct {
	conns     chan net.Conn
	closeOnce sync.Once
	closed    chan struct{}
}

func newOneShotListener(c net.Conn) *oneShotListener {
	l := &oneShotListener{conns: make(chan net.Conn, 1), closed: make(chan struct{})}
	l.conns <- c
	return l
}

func (l *oneShotListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *oneShotListener) Close() error {
	l.closeOnce.Do(func() { close(l.closed) })
	return nil
}

func (l *oneShotListener) Addr() net.Addr { return serverAddr }

// errBadResponse is what verify reports for output that is not n copies of
// the expected response.
var errBadResponse = errors.New("bench: wrong response")

// verify checks that the server answered each of the n requests on c with
// a kept-alive 200 text/plain response carrying body: it parses the first
// response and checks that the output is exactly n responses of its size
// (the Date header has a fixed width, so every response has the same size).
func verify(c *memConn, n int, body string) error {
	head := bytes.Index(c.captured, []byte("\r\n\r\n"))
	if head < 0 {
		return fmt.Errorf("%w: no complete head in %q", errBadResponse, c.captured)
	}
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(c.captured)), nil)
	if err != nil {
		return fmt.Errorf("%w: %w in %q", errBadResponse, err, c.captured)
	}
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%w: body: %w in %q", errBadResponse, err, c.captured)
	}
	switch {
	case resp.StatusCode != http.StatusOK, string(got) != body:
		return fmt.Errorf("%w: %s %q", errBadResponse, resp.Status, got)
	case resp.Header.Get("Content-Type") != "text/plain":
		return fmt.Errorf("%w: Content-Type %q", errBadResponse, resp.Header.Get("Content-Type"))
	case resp.Close:
		return fmt.Errorf("%w: connection not kept alive", errBadResponse)
	}
	size := int64(head + len("\r\n\r\n") + len(body))
	if c.written != int64(n)*size {
		return fmt.Errorf("%w: wrote %d bytes for %d responses of %d", errBadResponse, c.written, n, size)
	}
	return nil
}
