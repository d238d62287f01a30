package core

import (
	"io"
	"strconv"
	"strings"
	"time"
)

// A ResponseWriter sends the response to one request. Set fields with
// Header, then end with exactly one terminal method: Send, SendString,
// SendStatus, SendReader, Stream (finished by Stream.Finish), Upgrade or
// Hijack. Each returns the ResponseWritten that the handler returns.
//
// The core owns the framing: Content-Length and Transfer-Encoding come from
// what the handler sends, and a Content-Length the handler sets is checked
// against the body, not trusted. A ResponseWriter is not safe for
// concurrent use and is valid only until the handler returns.
type ResponseWriter struct {
	c      *conn
	header Header
	state  writerState
	seq    uint64

	status   int
	framing  framing
	declared int64 // the body length promised in the head, -1 if none
	noBody   bool  // HEAD, 1xx, 204, 304: the head only
	pending  int   // start of unframed body bytes in c.wbuf, -1 if none

	headBytes int64
	bodyBytes int64
	first     time.Time // first byte handed to the stream
	last      time.Time
	err       error
	closing   bool // Connection: close was sent

	stream  Stream
	trailer Header
}

type writerState uint8

const (
	writerFresh     writerState = iota // nothing sent
	writerStreaming                    // head sent or buffered, body open
	writerDone                         // response complete (or failed)
	writerHijacked                     // stream handed to the handler
)

type framing uint8

const (
	framingNone           framing = iota // no body
	framingLength                        // Content-Length
	framingChunked                       // Transfer-Encoding: chunked
	framingCloseDelimited                // HTTP/1.0 body of unknown length
)

func (w *ResponseWriter) reset(c *conn, seq uint64) {
	header, trailer := w.header, w.trailer
	header.Reset()
	trailer.Reset()
	*w = ResponseWriter{c: c, header: header, trailer: trailer, seq: seq, declared: -1, pending: -1}
	w.stream.w = w
}

// Header returns the response header fields to set before a terminal method.
func (w *ResponseWriter) Header() *Header { return &w.header }

// Sent reports whether a terminal method has been called.
func (w *ResponseWriter) Sent() bool { return w.state != writerFresh }

// Send sends status with body, framed by Content-Length.
func (w *ResponseWriter) Send(status int, body []byte) ResponseWritten {
	return w.send(status, body, "")
}

// SendString sends status with body, framed by Content-Length.
func (w *ResponseWriter) SendString(status int, body string) ResponseWritten {
	return w.send(status, nil, body)
}

// SendStatus sends status with an empty body.
func (w *ResponseWriter) SendStatus(status int) ResponseWritten {
	return w.send(status, nil, "")
}

// writeCombineLimit is the largest body copied behind the head so the whole
// response leaves in one write; larger bodies are written from the caller's
// slice, which costs a second write but no copy.
const writeCombineLimit = 16 << 10

func (w *ResponseWriter) send(status int, b []byte, s string) ResponseWritten {
	if err := w.begin(status, false); err != nil {
		return w.refuse(err)
	}
	n := int64(len(b) + len(s))
	if err := w.frame(status, n); err != nil {
		return w.refuse(err)
	}
	c := w.c
	now := time.Now() // one clock read for the Date field, the write deadline and the first byte
	if err := w.appendHead(now); err != nil {
		return w.refuse(err)
	}
	var tooMuch error
	if w.noBody && n > 0 && bodiless(status) {
		tooMuch = ErrBodyNotAllowed
	}
	switch {
	case w.noBody || n == 0:
		w.flushAt(now)
	case n <= writeCombineLimit:
		c.wbuf = append(c.wbuf, b...)
		c.wbuf = append(c.wbuf, s...)
		w.bodyBytes = n
		w.flushAt(now)
	default:
		w.flushAt(now)
		if w.writeDirect(b, s) == nil {
			w.bodyBytes = n
		}
	}
	w.state = writerDone
	if w.err == nil {
		w.err = tooMuch
	}
	return w.result()
}

// begin checks that a response may start with status.
func (w *ResponseWriter) begin(status int, informational bool) error {
	if w.state != writerFresh {
		return ErrAlreadySent
	}
	if status < 100 || status > 999 || (!informational && status < 200) {
		return ErrInvalidStatus
	}
	return nil
}

// refuse records a misuse that sent nothing; the core answers 500.
func (w *ResponseWriter) refuse(err error) ResponseWritten {
	if w.state != writerFresh {
		return ResponseWritten{seq: w.seq, status: w.status, err: err}
	}
	w.err = err
	return ResponseWritten{seq: w.seq, err: err}
}

// frame decides the framing of a response with a body of n bytes (-1 when
// unknown) and checks the Content-Length the handler set.
func (w *ResponseWriter) frame(status int, n int64) error {
	c := w.c
	w.status = status
	declared := int64(-1)
	if v := w.header.Get("Content-Length"); v != "" {
		d, err := parseContentLengthString(v)
		if err != nil {
			return ErrContentLength
		}
		declared = d
	}
	head := c.req.method != nil && string(c.req.method) == "HEAD"
	switch {
	case bodiless(status):
		w.framing, w.noBody = framingNone, true
		if status == 304 && declared >= 0 {
			w.framing, w.declared = framingLength, declared
		}
		return nil
	case head:
		w.noBody = true
		if n < 0 {
			n = declared
		}
		if n >= 0 {
			w.framing, w.declared = framingLength, n
		}
		return nil
	case declared >= 0:
		if n >= 0 && n != declared {
			return ErrContentLength
		}
		w.framing, w.declared = framingLength, declared
	case n >= 0:
		w.framing, w.declared = framingLength, n
	case c.req.minor >= 1:
		w.framing = framingChunked
	default:
		w.framing = framingCloseDelimited
	}
	return nil
}

// appendHead puts the status line and header section into c.wbuf.
func (w *ResponseWriter) appendHead(now time.Time) error {
	c := w.c
	b := appendStatusLine(c.wbuf[:0], w.status)
	userClose, hasDate, hasConnection := false, false, false
	for _, f := range w.header.fields {
		if !validFieldName(f.name) || !validFieldValue(f.value) {
			c.wbuf = c.wbuf[:0]
			return ErrInvalidHeader
		}
		switch {
		case equalFold(f.name, "Content-Length"), equalFold(f.name, "Transfer-Encoding"):
			continue // framing is decided by the core, below
		case equalFold(f.name, "Connection"):
			hasConnection = true
			userClose = userClose || hasTokenString(f.value, "close")
		case equalFold(f.name, "Date"):
			hasDate = true
		}
		b = append(b, f.name...)
		b = append(b, ": "...)
		b = append(b, f.value...)
		b = append(b, "\r\n"...)
	}
	if !hasDate {
		b = append(b, "Date: "...)
		b = appendDate(b, now)
		b = append(b, "\r\n"...)
	}
	switch w.framing {
	case framingLength:
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, w.declared, 10)
		b = append(b, "\r\n"...)
	case framingChunked:
		if !w.noBody {
			b = append(b, "Transfer-Encoding: chunked\r\n"...)
		}
	}
	w.closing = userClose || w.framing == framingCloseDelimited || c.mustCloseAfter(w.status)
	switch {
	case w.closing && !userClose:
		b = append(b, "Connection: close\r\n"...)
	case !w.closing && c.req.minor == 0 && !hasConnection:
		b = append(b, "Connection: keep-alive\r\n"...)
	}
	b = append(b, "\r\n"...)
	c.wbuf = b
	w.headBytes = int64(len(b))
	w.state = writerStreaming
	return nil
}

// flush writes c.wbuf to the stream under the write timeout.
func (w *ResponseWriter) flush() {
	if len(w.c.wbuf) > 0 {
		w.flushAt(time.Now())
	}
}

// flushAt is flush for a caller that has just read the clock.
func (w *ResponseWriter) flushAt(now time.Time) {
	c := w.c
	if len(c.wbuf) == 0 || w.err != nil {
		c.wbuf = c.wbuf[:0]
		return
	}
	c.wd.write(now, c.opts.WriteTimeout)
	if w.first.IsZero() {
		w.first = now
	}
	_, err := c.rwc.Write(c.wbuf)
	c.wbuf = c.wbuf[:0]
	w.wrote(err)
}

// writeDirect writes a large body (b, or s if b is nil) straight from the
// caller's memory, after the buffered head has gone out.
func (w *ResponseWriter) writeDirect(b []byte, s string) error {
	if w.err != nil {
		return w.err
	}
	var err error
	if b != nil {
		_, err = w.c.rwc.Write(b)
	} else {
		_, err = io.WriteString(w.c.rwc, s)
	}
	w.wrote(err)
	return err
}

func (w *ResponseWriter) wrote(err error) {
	w.last = time.Now()
	w.c.lastActivity = w.last
	if err != nil && w.err == nil {
		w.err = w.c.writeError(err)
		w.c.broken = true
	}
}

func (w *ResponseWriter) result() ResponseWritten {
	rw := ResponseWritten{
		seq:       w.seq,
		status:    w.status,
		headBytes: w.headBytes,
		bodyBytes: w.bodyBytes,
		err:       w.err,
	}
	start := w.c.start
	if !w.first.IsZero() {
		rw.ttfb = w.first.Sub(start)
		rw.duration = w.last.Sub(start)
	}
	return rw
}

// Upgrade sends status (101 Switching Protocols, or a 2xx answering a
// CONNECT) with the header fields set, and hands the stream to the handler,
// which then owns it: the core neither reads, writes nor closes it again.
// The Upgraded stream first returns any bytes the client sent after the
// request head.
func (w *ResponseWriter) Upgrade(status int) (*Upgraded, ResponseWritten) {
	connect := string(w.c.req.method) == "CONNECT"
	if err := w.begin(status, true); err != nil {
		return nil, w.refuse(err)
	}
	if status != 101 && !(connect && status >= 200 && status < 300) {
		return nil, w.refuse(ErrInvalidStatus)
	}
	w.status, w.framing, w.noBody = status, framingNone, true
	if err := w.appendHead(time.Now()); err != nil {
		return nil, w.refuse(err)
	}
	w.flush()
	if w.err != nil {
		w.state = writerDone
		return nil, w.result()
	}
	return w.hijack(), w.result()
}

// Hijack hands the stream to the handler without writing anything, for
// code that speaks the rest of the exchange itself (the net/http bridge's
// Hijack). The ResponseWritten it returns has status 0.
func (w *ResponseWriter) Hijack() (*Upgraded, ResponseWritten) {
	if w.state != writerFresh {
		return nil, w.refuse(ErrAlreadySent)
	}
	return w.hijack(), ResponseWritten{seq: w.seq}
}

func (w *ResponseWriter) hijack() *Upgraded {
	c := w.c
	w.state = writerHijacked
	c.hijacked = true
	c.wd.disarm()
	u := &Upgraded{stream: c.rwc}
	if n := c.r.buffered(); n > 0 {
		u.buffered = append([]byte(nil), c.r.take(n)...)
	}
	return u
}

// An Upgraded stream belongs to the handler that upgraded or hijacked it.
// Reads return the bytes the client sent after the request head first.
type Upgraded struct {
	stream   io.ReadWriteCloser
	buffered []byte
}

// Read reads the buffered bytes, then the stream.
func (u *Upgraded) Read(p []byte) (int, error) {
	if len(u.buffered) > 0 {
		n := copy(p, u.buffered)
		u.buffered = u.buffered[n:]
		return n, nil
	}
	return u.stream.Read(p)
}

// Write writes to the stream.
func (u *Upgraded) Write(p []byte) (int, error) { return u.stream.Write(p) }

// Close closes the stream.
func (u *Upgraded) Close() error { return u.stream.Close() }

// Stream returns the underlying stream, for its optional methods
// (deadlines, addresses). Read through the Upgraded stream until
// Buffered is empty, or those bytes are lost.
func (u *Upgraded) Stream() io.ReadWriteCloser { return u.stream }

// Buffered returns the bytes read ahead and not yet returned by Read.
func (u *Upgraded) Buffered() []byte { return u.buffered }

func validFieldName(s string) bool {
	if len(s) == 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tokenTable[s[i]] {
			return false
		}
	}
	return true
}

// validFieldValue refuses CR, LF, NUL and other controls, which would let
// a value end the field or the head (response splitting).
func validFieldValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

func hasTokenString(v, token string) bool {
	for len(v) > 0 {
		e := v
		if i := strings.IndexByte(v, ','); i >= 0 {
			e, v = v[:i], v[i+1:]
		} else {
			v = ""
		}
		for len(e) > 0 && (e[0] == ' ' || e[0] == '\t') {
			e = e[1:]
		}
		for len(e) > 0 && (e[len(e)-1] == ' ' || e[len(e)-1] == '\t') {
			e = e[:len(e)-1]
		}
		if equalFold(e, token) {
			return true
		}
	}
	return false
}

func parseContentLengthString(v string) (int64, error) {
	if len(v) == 0 || len(v) > 18 {
		return 0, ErrContentLength
	}
	var n int64
	for i := 0; i < len(v); i++ {
		if !isDigit(v[i]) {
			return 0, ErrContentLength
		}
		n = n*10 + int64(v[i]-'0')
	}
	return n, nil
}
