package conformance

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"
)

// Waits of Run. A server that passes a case never makes Run wait them out:
// AnswerWait runs only when a response that is due does not come, and
// QuietWait only for the few cases whose server must stay silent.
const (
	AnswerWait = 5 * time.Second
	QuietWait  = 300 * time.Millisecond
	// caseDeadline bounds a whole case, writes included.
	caseDeadline = 20 * time.Second
)

// probe is sent to learn whether a stream is still open: an open stream
// answers it with the echo of its target.
const (
	probe       = "GET /__probe HTTP/1.1\r\nHost: probe\r\n\r\n"
	probeTarget = "target=/__probe"
)

// Run plays c on a connection from dial and reports what the server did.
// It reads the responses c wants; then, if the last one announced
// Connection: close (or none was wanted), it reads on to the end of the
// stream, and otherwise it sends a probe request and reads until the
// probe's answer. Responses met on the way are counted as extra.
func Run(dial func() (net.Conn, error), c *Case) Outcome {
	conn, err := dial()
	if err != nil {
		return Outcome{Err: err}
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(caseDeadline))
	wrote := make(chan struct{})
	go func() {
		defer close(wrote)
		io.WriteString(conn, c.Raw) // the server may refuse and close early
		if cw, ok := conn.(interface{ CloseWrite() error }); ok && c.HalfClose {
			cw.CloseWrite()
		}
	}()
	defer func() { conn.Close(); <-wrote }()

	br := bufio.NewReaderSize(conn, 64<<10)
	var o Outcome
	expect, finals := len(c.Want), 0
	for len(o.Responses) < expect {
		method := "GET"
		if finals < len(c.Want) && c.Want[finals].Method != "" {
			method = c.Want[finals].Method
		}
		r, err := readResponse(conn, br, method, AnswerWait)
		if err != nil {
			o.setEnd(err, true)
			return o
		}
		o.Responses = append(o.Responses, r)
		if r.Status == 100 && c.MayContinue {
			expect++ // allowed, not wanted
		}
		if r.Status >= 200 || r.Status == 101 {
			finals++
		}
		if c.Then != "" && len(o.Responses) == c.ThenAfter {
			<-wrote
			io.WriteString(conn, c.Then)
		}
	}
	<-wrote

	if n := len(o.Responses); n == 0 || o.Responses[n-1].Close || c.HalfClose {
		wait := AnswerWait
		if n == 0 && !c.Close {
			wait = QuietWait
		}
		for {
			r, err := readResponse(conn, br, "GET", wait)
			if err != nil {
				o.setEnd(err, false)
				return o
			}
			if strings.Contains(r.Body, probeTarget) {
				return o
			}
			o.Extra++
		}
	}
	if _, err := io.WriteString(conn, probe); err != nil {
		o.setEnd(err, false)
		return o
	}
	for {
		r, err := readResponse(conn, br, "GET", AnswerWait)
		if err != nil {
			o.setEnd(err, true)
			return o
		}
		if strings.Contains(r.Body, probeTarget) {
			return o
		}
		o.Extra++
	}
}

// setEnd records how reading stopped. A timeout is a stall when a response
// was due, and a stream left open otherwise.
func (o *Outcome) setEnd(err error, due bool) {
	var ne net.Error
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		o.Closed = true
	case errors.As(err, &ne) && ne.Timeout():
		o.Stalled = due
	default:
		o.Err = err
		o.Closed = true
	}
}

func readResponse(conn net.Conn, br *bufio.Reader, method string, wait time.Duration) (Response, error) {
	conn.SetReadDeadline(time.Now().Add(wait))
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		return Response{}, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return Response{}, err
	}
	return Response{Status: resp.StatusCode, Header: resp.Header, Close: resp.Close, Body: string(body)}, nil
}
