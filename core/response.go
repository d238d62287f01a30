package core

import (
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// A ResponseWriter sends the response to one request. Set fields with
// Header, then end with exactly one terminal method: Send, SendString,
// SendStatus, SendReader, Begin (finished by BodyWriter.Finish), Upgrade or
// Hijack. Each returns the ResponseWritten that the handler returns.
//
// The core owns the framing: Content-Length and Transfer-Encoding come from
// what the handler sends, and a Content-Length the handler sets is checked
// against the body, not trusted. A ResponseWriter is not safe for
// concurrent use. Once its handler returns it is dead: terminal methods
// return a receipt whose Err is ErrResponseOver, and nothing is written.
type ResponseWriter struct {
	s      *slot
	header Header
	state  writerState
	seq    uint64

	status   int
	framing  framing
	declared int64 // the body length promised in the head, -1 if none
	noBody   bool  // HEAD, 1xx, 204, 304: the head only
	pending  int   // start of unframed body bytes in c.wbuf, -1 if none

	// What of the response is still in c.wbuf, and what the stream has
	// accepted: a receipt reports only the latter.
	headEnd   int   // offset of the head's final CRLF in c.wbuf; -1 once it left
	headLeft  int   // head bytes in c.wbuf
	bodyLeft  int64 // body bytes in c.wbuf, not counting chunk framing
	onWire    bool  // some byte of the response reached the stream
	headBytes int64
	bodyBytes int64

	// When the stream accepted the first and the last byte, from the
	// slot's start (offsets, not times: a conn holds two writers).
	ttfb, ttlb     time.Duration
	timed          bool // ttfb is set
	err            error
	writeFailed    bool // the stream refused a write
	buffered       bool // complete in the write buffer, not yet written
	whole          bool // sent whole by one call (Send and friends), not streamed
	closing        bool // the stream ends after this response
	userConnection bool // the handler set a Connection field

	body    BodyWriter
	trailer Header

	filter BodyFilter     // set by a middleware
	fw     io.WriteCloser // the filter's writer, once it took the body
	raw    rawBody        // where the filter writes
}

type writerState uint8

const (
	writerFresh    writerState = iota // nothing sent
	writerOpen                        // head composed, body open
	writerDone                        // response complete (or failed)
	writerHijacked                    // stream handed to the handler
)

type framing uint8

const (
	framingNone           framing = iota // no body
	framingLength                        // Content-Length
	framingChunked                       // Transfer-Encoding: chunked
	framingCloseDelimited                // HTTP/1.0 body of unknown length
)

// reset readies w for the stream's request number seq, keeping the
// storage of its header and trailer.
//
// Field by field: a composite literal assigned to *w builds the whole
// struct on the stack and copies it, twice the work on every request.
// TestResetClearsEveryField holds the list to the struct's fields.
func (w *ResponseWriter) reset(seq uint64) {
	w.header.Reset()
	w.trailer.Reset()
	w.state, w.seq, w.status, w.framing, w.declared, w.noBody, w.pending = writerFresh, seq, 0, 0, -1, false, -1
	w.headEnd, w.headLeft, w.bodyLeft, w.onWire, w.headBytes, w.bodyBytes = -1, 0, 0, false, 0, 0
	w.ttfb, w.ttlb, w.timed, w.err = 0, 0, false, nil
	w.writeFailed, w.buffered, w.whole, w.closing, w.userConnection = false, false, false, false, false
	w.body.w = w
	w.filter, w.fw, w.raw.w = nil, nil, nil
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

// SendStatus sends status with an empty body. Answering HEAD, it carries
// the Content-Length the handler set, as the GET response would.
func (w *ResponseWriter) SendStatus(status int) ResponseWritten {
	return w.send(status, nil, "")
}

// writeCombineLimit is the largest body copied behind the head so the whole
// response leaves in one write; larger bodies are written from the caller's
// slice, which costs a second write but no copy.
const writeCombineLimit = 16 << 10

func (w *ResponseWriter) send(status int, b []byte, s string) ResponseWritten {
	c := w.s.live()
	if c == nil {
		return deadReceipt
	}
	w.whole = true
	if w.filter != nil {
		return w.sendFiltered(c, status, b, s)
	}
	if err := w.begin(status, false); err != nil {
		return w.refuse(err)
	}
	n := int64(len(b) + len(s))
	if err := w.frame(c, status, n); err != nil {
		return w.refuse(err)
	}
	now := c.clock() // one clock read for the Date field, the write deadline and the first byte
	if err := w.appendHead(c, now); err != nil {
		return w.refuse(err)
	}
	var tooMuch error
	if w.noBody && n > 0 && bodiless(status) {
		tooMuch = ErrBodyNotAllowed
	}
	switch {
	case w.noBody || n == 0:
		w.complete(c, now)
	case n <= writeCombineLimit:
		c.wbuf = append(c.wbuf, b...)
		c.wbuf = append(c.wbuf, s...)
		w.bodyLeft = n
		w.complete(c, now)
	default:
		w.flushAt(c, now)
		w.writeDirect(c, b, s)
	}
	w.state = writerDone
	if w.err == nil {
		w.err = tooMuch
	}
	return w.result()
}

// sendFiltered is send for a response with a body filter: through the
// BodyWriter, which the filter may take.
func (w *ResponseWriter) sendFiltered(c *conn, status int, b []byte, s string) ResponseWritten {
	w.open(c, status, int64(len(b)+len(s)))
	if w.state != writerOpen {
		return w.refuse(w.err)
	}
	if w.fw == nil && w.noBody && len(b)+len(s) > 0 && bodiless(status) {
		w.body.Finish()
		w.err = errOr(w.err, ErrBodyNotAllowed)
		return w.result()
	}
	if len(b) > 0 {
		w.body.Write(b)
	} else if len(s) > 0 {
		w.body.WriteString(s)
	}
	return w.body.Finish()
}

// deadReceipt is what a dead ResponseWriter's terminal methods return.
var deadReceipt = ResponseWritten{err: ErrResponseOver}

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
func (w *ResponseWriter) frame(c *conn, status int, n int64) error {
	w.status = status
	declared := int64(-1)
	if v := w.header.Get("Content-Length"); v != "" {
		d, err := parseContentLengthString(v)
		if err != nil {
			return ErrContentLength
		}
		declared = d
	}
	req := &w.s.req
	switch {
	case bodiless(status):
		w.framing, w.noBody = framingNone, true
		if status == 304 && declared >= 0 {
			w.framing, w.declared = framingLength, declared
		}
		return nil
	case string(req.method) == "HEAD":
		// The head a GET would get: the length the handler declares, or
		// the length of the body it computed.
		w.noBody = true
		switch {
		case declared >= 0 && n > 0 && n != declared:
			return ErrContentLength
		case declared >= 0:
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
	case req.minor >= 1:
		w.framing = framingChunked
	default:
		w.framing = framingCloseDelimited
	}
	return nil
}

// appendHead puts the status line and header section into c.wbuf. Whether
// the stream closes after the response is decided here from what is known,
// and again when the head leaves (settleHead), since a body read between
// the two can change it.
func (w *ResponseWriter) appendHead(c *conn, now time.Time) error {
	start := len(c.wbuf)
	b := appendStatusLine(c.wbuf, w.status)
	userClose, hasDate := false, false
	for _, f := range w.header.fields {
		if !validFieldName(f.name) || !validFieldValue(f.value) {
			c.wbuf = c.wbuf[:start]
			return ErrInvalidHeader
		}
		switch {
		case !namedField[len(f.name)&31]:
			// Most fields: no need to compare names.
		case equalFold(f.name, "Content-Length"), equalFold(f.name, "Transfer-Encoding"):
			continue // framing is decided by the core, below
		case equalFold(f.name, "Connection"):
			w.userConnection = true
			userClose = userClose || hasTokenString(f.value, "close")
		case equalFold(f.name, "Date"):
			hasDate = true
		}
		b = appendField(b, f.name, f.value)
	}
	if !hasDate {
		b = appendDateField(b, now)
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
	w.closing = userClose || w.framing == framingCloseDelimited || c.mustCloseAfter()
	switch {
	case w.closing && !userClose:
		b = append(b, "Connection: close\r\n"...)
	case !w.closing && w.s.req.minor == 0 && !w.userConnection:
		b = append(b, "Connection: keep-alive\r\n"...)
	}
	w.headEnd = len(b)
	b = append(b, "\r\n"...)
	c.wbuf = b
	w.headLeft = len(b) - start
	w.state = writerOpen
	return nil
}

// settleHead runs as the head leaves. If the stream must now close though
// the head did not say so (a 100-continue the client still waits for, a
// Shutdown begun meanwhile), it says so now.
func (w *ResponseWriter) settleHead(c *conn) {
	if w.headEnd < 0 {
		return
	}
	at := w.headEnd
	w.headEnd = -1
	if w.closing || !c.mustCloseAtHead(w) {
		return
	}
	w.closing = true
	if w.userConnection || w.s.req.minor == 0 {
		return // the stream still closes after the response
	}
	const line = "Connection: close\r\n"
	c.wbuf = append(c.wbuf, line...)
	copy(c.wbuf[at+len(line):], c.wbuf[at:len(c.wbuf)-len(line)])
	copy(c.wbuf[at:], line)
	w.headLeft += len(line)
	if w.pending >= 0 {
		w.pending += len(line)
	}
}

// flush writes c.wbuf to the stream under the write timeout.
func (w *ResponseWriter) flush(c *conn) {
	if len(c.wbuf) > 0 {
		w.flushAt(c, c.clock())
	}
}

// flushAt is flush for a caller that has just read the clock. The buffer
// may start with complete responses to earlier pipelined requests
// (c.batched bytes); they leave first, in the same write.
func (w *ResponseWriter) flushAt(c *conn, now time.Time) {
	if len(c.wbuf) == 0 || w.err != nil {
		return
	}
	w.settleHead(c)
	c.wd.write(now, c.opts.WriteTimeout)
	n, err := c.rwc.Write(c.wbuf)
	c.wd.idle()
	earlier := c.batched
	c.batched, c.batchedCount = 0, 0
	w.accepted(c, max(n-earlier, 0), err, now)
	c.wbuf = c.wbuf[:0]
}

// Pipelined responses leave together: when the client has already sent
// the next request, a complete small response waits in the write buffer
// and leaves with the responses after it, in one write instead of one
// each. The wait is bounded in bytes and in responses, and everything
// buffered is written before the engine blocks on a read, before a body
// is read, before a stream is handed over and before it closes.
const (
	maxBatchBytes     = 32 << 10
	maxBatchResponses = 32
)

// complete ends a response whose bytes are all in c.wbuf: it leaves now,
// or waits for the responses to the requests already buffered behind it.
func (w *ResponseWriter) complete(c *conn, now time.Time) {
	if len(c.wbuf) == c.batched {
		return // all of it is on the wire already
	}
	if !c.mayBatch(w) {
		w.flushAt(c, now)
		return
	}
	w.settleHead(c)
	w.buffered = true
	w.headBytes += int64(w.headLeft)
	w.bodyBytes += w.bodyLeft
	w.headLeft, w.bodyLeft = 0, 0
	w.ttfb = now.Sub(w.s.start)
	w.ttlb, w.timed = w.ttfb, true
	c.lastActivity = now
	c.batched = len(c.wbuf)
	c.batchedCount++
}

// accepted counts n bytes of c.wbuf as taken by the stream: the head
// first, then the body (a failed write may count chunk framing as body).
func (w *ResponseWriter) accepted(c *conn, n int, err error, now time.Time) {
	if n > 0 {
		w.reached(now)
	}
	head := min(n, w.headLeft)
	w.headBytes += int64(head)
	w.headLeft -= head
	if err == nil {
		w.bodyBytes += w.bodyLeft
		w.bodyLeft = 0
	} else {
		body := min(int64(n-head), w.bodyLeft)
		w.bodyBytes += body
		w.bodyLeft = 0
		w.headLeft = 0
	}
	w.wrote(c, err)
}

// reached records that bytes of the response reached the stream at now.
func (w *ResponseWriter) reached(now time.Time) {
	w.onWire = true
	if !w.timed {
		w.ttfb, w.timed = now.Sub(w.s.start), true
	}
}

// writeDirect writes a large body (b, or s if b is nil) straight from the
// caller's memory, after the buffered head has gone out.
func (w *ResponseWriter) writeDirect(c *conn, b []byte, s string) error {
	if w.err != nil {
		return w.err
	}
	now := c.clock()
	c.wd.write(now, c.opts.WriteTimeout)
	var n int
	var err error
	if b != nil {
		n, err = c.rwc.Write(b)
	} else {
		n, err = io.WriteString(c.rwc, s)
	}
	c.wd.idle()
	if n > 0 {
		w.reached(now)
	}
	w.bodyBytes += int64(n)
	w.wrote(c, err)
	return w.err
}

func (w *ResponseWriter) wrote(c *conn, err error) {
	w.lastByte(c, c.clock())
	if err != nil {
		w.writeFailed = true
		c.broken = true
		if w.err == nil {
			w.err = c.writeError(err)
		}
		w.s.req.cancelContext(ErrClientGone)
	}
}

// abort ends a response that cannot be completed. If nothing of it reached
// the stream, its buffered bytes are dropped and the core's error response
// goes in its place: err's status for a *ProtocolError (a body that failed
// to arrive), else 500. If part of it is on the wire, the rest is dropped
// and the stream closes, so the client sees a cut-off response, never a
// complete one that lies. Either way the stream carries no more requests,
// and the receipt says what went out, with err.
func (w *ResponseWriter) abort(c *conn, err error) ResponseWritten {
	c.broken = true
	if w.onWire && !w.writeFailed {
		// What is buffered is good body: let the client have it before the
		// cut, without the end of the framing.
		cause := w.err
		w.err = nil
		w.frameChunk(c)
		w.flush(c)
		w.err = errOr(cause, w.err)
	}
	c.wbuf = c.wbuf[:c.batched] // earlier responses still go
	w.headLeft, w.bodyLeft, w.pending, w.headEnd = 0, 0, -1, -1
	if !w.onWire {
		status, reason := 500, "Internal Server Error"
		var pe *ProtocolError
		if errors.As(err, &pe) {
			status, reason = pe.Status, pe.Reason
			c.rejected(pe, true)
		}
		w.state, w.err = writerFresh, nil
		rw := w.sendError(c, status, reason, true)
		if rw.err == nil {
			rw.err = err
		}
		w.err = rw.err
		return rw
	}
	w.state = writerDone
	if w.err == nil {
		w.err = err
	}
	return w.result()
}

// sendError sends the core's own error response in plain text; with
// closeAfter the stream closes after it.
func (w *ResponseWriter) sendError(c *conn, status int, reason string, closeAfter bool) ResponseWritten {
	if closeAfter {
		c.broken = true
	}
	w.filter, w.fw = nil, nil // the core's own answers go out plain
	w.header.Reset()
	w.header.Set("Content-Type", "text/plain; charset=utf-8")
	var b strings.Builder
	b.WriteString(strconv.Itoa(status))
	b.WriteByte(' ')
	b.WriteString(statusText(status))
	if reason != "" && reason != statusText(status) {
		b.WriteString(": ")
		b.WriteString(reason)
	}
	b.WriteByte('\n')
	return w.send(status, nil, b.String())
}

func (w *ResponseWriter) result() ResponseWritten {
	rw := ResponseWritten{
		seq:       w.seq,
		status:    w.status,
		headBytes: w.headBytes,
		bodyBytes: w.bodyBytes,
		buffered:  w.buffered,
		err:       w.err,
	}
	if w.timed {
		rw.ttfb, rw.duration = w.ttfb, w.ttlb
	}
	return rw
}

// lastByte records that the stream accepted the response's latest bytes
// at now.
func (w *ResponseWriter) lastByte(c *conn, now time.Time) {
	w.ttlb = now.Sub(w.s.start)
	c.lastActivity = now
}

// SendInformational sends an interim response with status (102, 103
// Early Hints, ...) and the header fields set so far, which stay set for
// the final response, as net/http's WriteHeader does for 1xx. It must come
// before the final response starts. 100 Continue is the core's (on the
// first body read) and 101 is Upgrade's: both are ErrInvalidStatus here.
// An HTTP/1.0 client gets nothing (RFC 9110 section 15.2), and no error.
func (w *ResponseWriter) SendInformational(status int) error {
	c := w.s.live()
	switch {
	case c == nil:
		return ErrResponseOver
	case w.state != writerFresh:
		return ErrAlreadySent
	case status < 102 || status > 199:
		return ErrInvalidStatus
	case w.s.req.minor == 0:
		return nil
	}
	c.flushBatched()
	if !w.header.valid() {
		return ErrInvalidHeader
	}
	b := appendStatusLine(c.wbuf, status)
	for _, f := range w.header.fields {
		b = appendField(b, f.name, f.value)
	}
	b = append(b, "\r\n"...)
	c.wd.write(c.clock(), c.opts.WriteTimeout)
	_, err := c.rwc.Write(b)
	c.wd.idle()
	c.wbuf = b[:0]
	if err != nil {
		w.wrote(c, err)
		return w.err
	}
	return nil
}

// Upgrade sends status (101 Switching Protocols, or a 2xx answering a
// CONNECT) with the header fields set, and hands the stream to the handler,
// which then owns it: the core neither reads, writes nor closes it again.
// The Upgraded stream first returns any bytes the client sent after the
// request head.
func (w *ResponseWriter) Upgrade(status int) (*Upgraded, ResponseWritten) {
	c := w.s.live()
	if c == nil {
		return nil, deadReceipt
	}
	connect := string(w.s.req.method) == "CONNECT"
	if err := w.begin(status, true); err != nil {
		return nil, w.refuse(err)
	}
	if status != 101 && !(connect && status >= 200 && status < 300) {
		return nil, w.refuse(ErrInvalidStatus)
	}
	w.status, w.framing, w.noBody = status, framingNone, true
	if err := w.appendHead(c, c.clock()); err != nil {
		return nil, w.refuse(err)
	}
	w.flush(c)
	if w.err != nil {
		w.state = writerDone
		return nil, w.result()
	}
	return w.hijack(c), w.result()
}

// Hijack hands the stream to the handler without writing anything, for
// code that speaks the rest of the exchange itself (the net/http bridge's
// Hijack). The ResponseWritten it returns has status 0.
func (w *ResponseWriter) Hijack() (*Upgraded, ResponseWritten) {
	c := w.s.live()
	if c == nil {
		return nil, deadReceipt
	}
	if w.state != writerFresh {
		return nil, w.refuse(ErrAlreadySent)
	}
	return w.hijack(c), ResponseWritten{seq: w.seq}
}

func (w *ResponseWriter) hijack(c *conn) *Upgraded {
	c.stopWatching()
	c.flushBatched()
	w.state = writerHijacked
	c.hijacked = true
	c.wd.disarm()
	u := &Upgraded{stream: c.rwc}
	if c.r.stashed {
		c.r.fill(c.r.buffered() + 1) //nolint:errcheck // only moves the stashed byte
	}
	if n := c.r.buffered(); n > 0 {
		u.buffered = append([]byte(nil), c.r.take(n)...)
	}
	return u
}

// An Upgraded stream belongs to the handler that upgraded or hijacked it.
// Reads return the bytes the client sent after the request head first.
//
// It is a net.Conn, so WebSocket and other libraries take it as it is. Its
// addresses and deadlines are the stream's where the stream has them; on
// a stream without deadlines the deadline methods do nothing and return
// nil, and the addresses are a placeholder of network "tophat".
type Upgraded struct {
	stream   io.ReadWriteCloser
	buffered []byte
}

var _ net.Conn = (*Upgraded)(nil)

// LocalAddr returns the stream's local address, or a placeholder.
func (u *Upgraded) LocalAddr() net.Addr {
	if a, ok := u.stream.(interface{ LocalAddr() net.Addr }); ok {
		return a.LocalAddr()
	}
	return streamAddr{}
}

// RemoteAddr returns the stream's remote address, or a placeholder.
func (u *Upgraded) RemoteAddr() net.Addr {
	if a, ok := u.stream.(interface{ RemoteAddr() net.Addr }); ok {
		return a.RemoteAddr()
	}
	return streamAddr{}
}

// SetDeadline sets the stream's read and write deadlines, if it has them.
func (u *Upgraded) SetDeadline(t time.Time) error {
	if d, ok := u.stream.(interface{ SetDeadline(time.Time) error }); ok {
		return d.SetDeadline(t)
	}
	if err := u.SetReadDeadline(t); err != nil {
		return err
	}
	return u.SetWriteDeadline(t)
}

// SetReadDeadline sets the stream's read deadline, if it has one.
func (u *Upgraded) SetReadDeadline(t time.Time) error {
	if d, ok := u.stream.(interface{ SetReadDeadline(time.Time) error }); ok {
		return d.SetReadDeadline(t)
	}
	return nil
}

// SetWriteDeadline sets the stream's write deadline, if it has one.
func (u *Upgraded) SetWriteDeadline(t time.Time) error {
	if d, ok := u.stream.(interface{ SetWriteDeadline(time.Time) error }); ok {
		return d.SetWriteDeadline(t)
	}
	return nil
}

// streamAddr stands for the address of a stream that knows none.
type streamAddr struct{}

func (streamAddr) Network() string { return "tophat" }
func (streamAddr) String() string  { return "stream" }

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

// appendField appends "name: value" and its CRLF.
func appendField(b []byte, name, value string) []byte {
	b = append(b, name...)
	b = append(b, ": "...)
	b = append(b, value...)
	return append(b, "\r\n"...)
}

// valid reports whether every field can be sent without breaking the
// framing (see validFieldName and validFieldValue).
func (h *Header) valid() bool {
	for _, f := range h.fields {
		if !validFieldName(f.name) || !validFieldValue(f.value) {
			return false
		}
	}
	return true
}

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
