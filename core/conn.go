package core

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime/debug"
	"sync"
	"time"
)

// conn is the state of one stream being served. It is allocated per
// stream and never reused for another, so no handle a handler kept can
// reach another stream. Only its byte buffers are pooled (connBuffers):
// nothing a handler can hold points into them once its handler returned.
type conn struct {
	rwc     io.ReadWriteCloser
	handler Handler
	opts    *Options // with defaults; shared by the streams of a Serve
	tracker *tracked // set when a Server serves the stream

	r    connReader
	wbuf []byte
	// The first batched bytes of wbuf are complete responses to earlier
	// pipelined requests, waiting to leave with the current one.
	batched      int
	batchedCount int
	bufs         *connBuffers
	wd           watchdog
	in           bodyIn
	watch        *watcher // made for the first request that is watched

	// The handles of a request live in a slot; two slots alternate, so a
	// handle kept past its handler is dead while the next request is
	// served (see slot).
	slotMem [2]slot
	slots   [2]*slot
	cur     *slot
	seq     uint64

	// lastActivity is when the last response was written, which is when
	// the wait for the next request starts; it saves a clock read.
	lastActivity time.Time

	bodyErr  *ProtocolError // the request body broke
	requests uint64         // heads read whole, refused ones too
	// sinceFullRead is the time from the last full clock read to the
	// current request's start (see startTime).
	sinceFullRead time.Duration
	lastPath      string // the last undecoded path Request.Path made a string of
	tlsCache      *tls.ConnectionState

	// The flags sit together: the conn fits a size class with no room to
	// spare (TestConnFitsItsSizeClass).
	expect       bool // the request has Expect: 100-continue
	sentContinue bool
	broken       bool // the stream cannot carry another request
	hijacked     bool
	bodyReported bool      // and OnReject heard of bodyErr
	clientGone   bool      // a body read found the client gone
	end          EndReason // why serving ends, once known
	tlsChecked   bool
}

// connBuffers are a stream's read and write buffers, pooled between
// streams.
type connBuffers struct {
	read, write []byte
	scratch     []byte // made when first needed; see conn.scratchBuf
}

// initialWriteBuffer holds a typical head with a small body, so most
// responses leave in one write.
const initialWriteBuffer = 8 << 10

// maxPooledBuffer keeps a stream of huge heads or bodies from pinning
// large buffers in the pool forever.
const maxPooledBuffer = 32 << 10

var bufferPool = sync.Pool{New: func() any {
	return &connBuffers{read: make([]byte, initialReadBuffer), write: make([]byte, 0, initialWriteBuffer)}
}}

// ServeConn serves HTTP/1.1 requests on stream with h until the stream
// ends, on the calling goroutine, and closes the stream (unless a handler
// took it over with Upgrade or Hijack). opts may be nil for the defaults;
// invalid options (see Options.Validate) are refused with the error, and
// the stream is closed.
//
// It returns nil when the stream ended normally (the client closed it or
// asked to close, the idle timeout passed, a handler took it over), a
// *ProtocolError when a request was rejected, or the stream's error.
func ServeConn(stream io.ReadWriteCloser, h Handler, opts *Options) error {
	if err := opts.Validate(); err != nil {
		stream.Close()
		return err
	}
	if h == nil {
		stream.Close()
		return ErrNoHandler
	}
	o := opts.withDefaults()
	return serveConn(stream, h, &o, nil)
}

func serveConn(stream io.ReadWriteCloser, h Handler, opts *Options, t *tracked) error {
	c := &conn{rwc: stream, handler: h, opts: opts, tracker: t}
	c.acquireBuffers()
	c.r.reset(stream)
	c.wd.reset(stream)
	for i := range c.slots {
		c.slots[i] = newSlot(&c.slotMem[i])
	}
	c.lastActivity = time.Now()
	if opts.OnStream != nil {
		opts.OnStream(StreamEvent{Stream: stream})
	}
	return c.run(true, nil, c.lastActivity)
}

// run serves the stream from its next request (waitErr: the wait for it,
// done already, failed) until it ends, or until it goes idle and moves to
// a fresh goroutine (see mayMove). start is when serving began.
func (c *conn) run(first bool, waitErr error, start time.Time) error {
	moved := false
	if c.tracker != nil {
		defer func() {
			if !moved {
				c.tracker.srv.untrackStream(c.tracker)
			}
		}()
	}
	err := c.serve(first, waitErr)
	if err == errMoved {
		moved = true
		srv := c.tracker.srv
		srv.goroutines.Go(func() { srv.work(func() { c.resume(start) }) })
		return nil
	}
	c.release()
	if c.opts.OnStream != nil {
		c.opts.OnStream(StreamEvent{Stream: c.rwc, Ended: true, Reason: c.end,
			Requests: c.requests, Lifetime: time.Since(start), Err: err})
	}
	return err
}

// resume goes on serving a stream that moved: it waits for the next
// request in a shallow frame, on the fresh goroutine's smallest stack, and
// only then serves it.
func (c *conn) resume(start time.Time) {
	err := c.waitForRequest(false)
	c.run(false, err, start)
}

// mayMove reports whether a stream between requests is about to wait
// without its buffers (see awaitRequest) on a goroutine of the Server's
// own: then it moves to a fresh goroutine to wait. A goroutine starts with
// a 2 KiB stack and serving a request grows it to 4 KiB or more, which the
// runtime never shrinks while the goroutine is parked in a read; a fresh
// one waits in 2 KiB. Streams served by ServeConn stay on the caller's
// goroutine, and those of a Server with a Spawn of its own on Spawn's.
func (c *conn) mayMove() bool {
	return c.tracker != nil && c.tracker.srv.Spawn == nil && !c.r.pending() &&
		!c.keepsBuffers(c.opts.IdleTimeout, false) && !c.busy()
}

// release returns the buffers to the pool. Every handle is dead by now.
func (c *conn) release() {
	c.wd.stop()
	c.putBuffers()
	c.r.src = nil
}

// putBuffers returns the buffers to the pool, unless they grew too large
// to be worth keeping.
func (c *conn) putBuffers() {
	b := c.bufs
	c.bufs = nil
	if cap(c.r.buf) <= maxPooledBuffer {
		b.read = c.r.buf[:cap(c.r.buf)]
	} else {
		b.read = make([]byte, initialReadBuffer)
	}
	if cap(c.wbuf) <= maxPooledBuffer {
		b.write = c.wbuf[:0]
	} else {
		b.write = make([]byte, 0, initialWriteBuffer)
	}
	c.r.buf, c.wbuf = nil, nil
	bufferPool.Put(b)
}

// errQuiet ends a stream without an error to report.
var errQuiet = errors.New("tophat: stream ended")

// errMoved stops serving on this goroutine: the stream goes on, on another.
var errMoved = errors.New("tophat: stream moved to another goroutine")

// serve serves requests until the stream ends or moves (errMoved). first
// says the next request is the stream's first; waitErr, that the wait for
// it was done and failed.
func (c *conn) serve(first bool, waitErr error) error {
	for {
		if !first && waitErr == nil && c.mayMove() {
			return errMoved
		}
		s := c.nextSlot()
		err := waitErr
		if err == nil {
			err = c.readRequest(s, first)
		}
		first, waitErr = false, nil
		if err != nil {
			return c.finish(s, err)
		}
		c.serveRequest(s)
		if c.hijacked {
			c.end = EndHijacked
			c.retire(s)
			return nil
		}
		c.reportBodyError() // one the handler met and answered itself
		closing := c.broken || s.w.closing
		clientDone := s.req.closeAfter
		// A client that sent Expect: 100-continue and got no 100 may or may
		// not send its body: the stream cannot be read on safely.
		waiting := c.expect && !c.sentContinue && c.in.unread()
		c.retire(s)
		if !closing && !waiting && !c.in.drain(c, c.opts.MaxDrainBytes) {
			closing = true
		}
		c.reportBodyError() // one the drain met
		if closing || waiting {
			c.end = c.closeReason(&s.w, clientDone)
			c.closeStream(!(clientDone && c.in.done() && !c.r.pending()))
			return nil
		}
		c.r.unpin()
	}
}

// finish ends the stream when no request can be read: it answers a
// rejected request, and turns err into what ServeConn reports.
func (c *conn) finish(s *slot, err error) error {
	var pe *ProtocolError
	rejected := errors.As(err, &pe)
	switch {
	case c.end != EndNone:
	case rejected:
		c.end = EndRejected
	default:
		c.end = EndClientClosed
	}
	if rejected {
		c.rejected(pe, true)
		s.w.sendError(c, pe.Status, pe.Reason, true)
	}
	c.retire(s)
	// Linger after a rejection: the client may still be sending, and
	// closing with unread input makes TCP reset the stream, which can
	// destroy the answer before the client reads it.
	c.closeStream(rejected)
	if err == errQuiet || err == io.EOF {
		return nil
	}
	return err
}

// readRequest waits for the next request head and parses it into s.
func (c *conn) readRequest(s *slot, first bool) error {
	c.expect, c.sentContinue, c.bodyErr, c.bodyReported = false, false, nil, false
	if !c.r.pending() {
		if err := c.waitForRequest(first); err != nil {
			return err
		}
	}
	var scanner headScanner
	armed := false
	// The last response waits in the write buffer, which it does only when
	// bytes of this request were buffered behind it: if they hold the
	// whole head, it was here when that response was done.
	queued := c.batched > 0
	for {
		head, err := scanner.scanHead(&c.r, c.opts.MaxRequestLineBytes, c.opts.MaxHeaderBytes)
		if err != nil {
			return err
		}
		if head != nil {
			c.requests++
			if armed {
				c.wd.idle()
			}
			s.start = c.startTime(queued && !armed)
			if err := parseRequest(&s.req, head, scanner.lineEnd, scanner.fieldLineEnds(), c.opts); err != nil {
				return err
			}
			c.in.reset(c, &s.req)
			c.expect = s.req.expectContinue
			return nil
		}
		c.flushBatched()
		if !armed {
			c.wd.read(time.Now(), c.opts.ReadHeaderTimeout)
			armed = true
		}
		if err := c.r.fill(c.r.buffered() + 1); err != nil {
			c.wd.idle()
			if c.wd.isTimeout(err) {
				return &ProtocolError{Status: 408, Reason: "request head not received in time"}
			}
			if err == errBufferFull {
				return errHeadTooLarge
			}
			return errQuiet // the client went away mid-head: nobody to answer
		}
	}
}

// waitForRequest waits for the first byte of the next request, the stream
// marked idle meanwhile (unless it is the first).
func (c *conn) waitForRequest(first bool) error {
	c.flushBatched()
	timeout := c.opts.IdleTimeout
	if first {
		timeout = c.opts.ReadHeaderTimeout
	} else {
		c.tracker.setIdle(c)
	}
	err := c.awaitRequest(timeout, first)
	if !c.tracker.setActive(c) {
		c.end = EndShutdown
		return errQuiet // the server is shutting down this idle stream
	}
	if err != nil {
		c.end = EndClientClosed
		if c.wd.isTimeout(err) {
			c.end = EndIdleTimeout
		}
		return errQuiet // closed, timed out or broken between requests
	}
	return nil
}

// bufferHoldTime is how long a busy stream waiting for its next request
// keeps its read and write buffers. A busy stream's next request comes
// within it and is read with no extra cost; past it the buffers go back to
// the pool and the wait goes on with a one-byte read, so an idle
// kept-alive stream costs its goroutine and its conn, not 12 KiB of
// buffers. A stream that is not busy (see busy) gives them back at once.
const bufferHoldTime = 200 * time.Millisecond

// awaitRequest waits for the first byte of the next request, up to timeout
// from the end of the last response. Streams without deadlines keep their
// buffers: nothing could stop the first, buffered read to release them.
// Neither does a stream's first request: its first read may run a
// handshake (TLS on the serving goroutine), which a short deadline would
// break for good.
func (c *conn) awaitRequest(timeout time.Duration, first bool) error {
	if c.keepsBuffers(timeout, first) {
		c.wd.read(c.lastActivity, timeout)
		err := c.r.fill(1)
		c.wd.idle()
		return err
	}
	if c.busy() {
		c.wd.read(c.lastActivity, bufferHoldTime) // the last write was a moment ago: no clock read
		err := c.r.fill(1)
		if err == nil || !c.wd.isTimeout(err) {
			return err
		}
		c.r.err = nil // a read that timed out loses nothing
	}
	c.releaseBuffers()
	c.wd.read(c.lastActivity, timeout)
	n, err := c.rwc.Read(c.r.stashBuf[:])
	c.acquireBuffers()
	if n > 0 {
		c.r.stash, c.r.stashed = c.r.stashBuf[0], true
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	c.r.err = err
	return err
}

// keepsBuffers reports whether a wait for a request with timeout keeps the
// stream's buffers throughout (see awaitRequest).
func (c *conn) keepsBuffers(timeout time.Duration, first bool) bool {
	return first || c.wd.deadlines == nil || timeout >= 0 && timeout <= bufferHoldTime || c.r.floor > 0 || len(c.wbuf) > 0
}

// busy reports whether the stream's last two requests started within
// bufferHoldTime of each other, which makes a next request within the hold
// likely. A stream's first wait, and its first after a pause, give the
// buffers back at once: a burst of clients that each send a request or two
// and then go quiet leaves behind no pool of freed buffers (memory the
// runtime returns to the system only minutes later).
func (c *conn) busy() bool {
	// The two slots hold the starts of the last two requests (of the last
	// and the next, once the next has its slot but not yet its start).
	a, b := c.slots[0].start, c.slots[1].start
	if a.IsZero() || b.IsZero() {
		return false
	}
	d := a.Sub(b)
	return d < bufferHoldTime && d > -bufferHoldTime
}

// releaseBuffers returns the stream's empty buffers to the pool while it
// waits, and lets its request tables go; acquireBuffers takes buffers
// back, and the next request grows new tables.
func (c *conn) releaseBuffers() {
	c.r.r, c.r.w, c.r.floor = 0, 0, 0
	c.putBuffers()
	for _, s := range c.slots {
		s.dropTables()
	}
}

func (c *conn) acquireBuffers() {
	c.bufs = bufferPool.Get().(*connBuffers)
	c.r.buf, c.wbuf = c.bufs.read, c.bufs.write[:0]
}

// serveRequest runs the handler and makes sure the request was answered:
// a handler that sent nothing gets a 500 (or the status of the body error
// it met) sent for it, one that left its body unfinished is aborted.
func (c *conn) serveRequest(s *slot) {
	w := &s.w
	rw, panicked := c.callHandler(s)
	c.stopWatching()
	switch {
	case panicked, w.state == writerHijacked, w.state == writerDone:
	case w.state == writerFresh:
		if c.bodyErr != nil {
			c.rejected(c.bodyErr, true)
			w.err = nil
			w.sendError(c, c.bodyErr.Status, c.bodyErr.Reason, true)
			return
		}
		c.opts.ErrorLog.Error("tophat: handler returned without a response",
			"request", s.req.String(), "err", errOr(w.err, ErrNoResponse))
		w.err = nil
		w.sendError(c, 500, "", false)
	case w.state == writerOpen:
		if rw.IsZero() {
			c.opts.ErrorLog.Error("tophat: handler returned with its body unfinished",
				"request", s.req.String(), "err", ErrNoResponse)
		}
		w.abort(c, errOr(w.err, ErrNoResponse))
	}
}

func errOr(err, fallback error) error {
	if err != nil {
		return err
	}
	return fallback
}

// callHandler recovers a panic: 500 if nothing was sent, else the response
// is aborted; either way the stream closes, and the server goes on serving
// other streams.
func (c *conn) callHandler(s *slot) (rw ResponseWritten, panicked bool) {
	// panicked stays true only if Serve does not return; recover is called
	// only then, since calling it costs a few nanoseconds per request.
	panicked = true
	defer func() {
		if !panicked {
			return
		}
		if p := recover(); p != nil {
			c.opts.ErrorLog.Error("tophat: handler panicked", "request", s.req.String(),
				"panic", fmt.Sprint(p), "err", ErrHandlerPanic, "stack", string(debug.Stack()))
			c.broken = true
			switch w := &s.w; w.state {
			case writerFresh:
				w.err = nil
				w.sendError(c, 500, "", true)
			case writerOpen:
				w.abort(c, ErrHandlerPanic)
			}
		}
	}()
	return c.handler.Serve(&s.req, &s.w), false
}

// mayBatch reports whether a complete response may wait in the write
// buffer: the next request is already buffered, this one's body was read
// whole, the stream stays open, and the batch is within its bounds.
func (c *conn) mayBatch(w *ResponseWriter) bool {
	return !c.opts.FlushEachResponse && !w.closing && !c.broken && c.in.done() && c.r.buffered() > 0 &&
		len(c.wbuf) <= maxBatchBytes && c.batchedCount < maxBatchResponses
}

// flushBatched writes the complete responses waiting at the start of the
// write buffer, keeping what the current response has buffered behind them.
func (c *conn) flushBatched() {
	n := c.batched
	if n == 0 {
		return
	}
	c.batched, c.batchedCount = 0, 0
	c.wd.write(c.clock(), c.opts.WriteTimeout)
	_, err := c.rwc.Write(c.wbuf[:n])
	c.wd.idle()
	c.lastActivity = c.clock()
	c.wbuf = c.wbuf[:copy(c.wbuf, c.wbuf[n:])]
	w := &c.cur.w
	if w.headEnd >= 0 {
		w.headEnd -= n
	}
	if w.pending >= 0 {
		w.pending -= n
	}
	if err != nil {
		c.broken = true
		w.writeFailed = true
		if w.err == nil {
			w.err = c.writeError(err)
		}
	}
}

// mustCloseAfter decides, as a response head is composed, whether the
// stream ends after it.
func (c *conn) mustCloseAfter() bool {
	return c.cur.req.closeAfter || c.broken || c.tracker.shuttingDown()
}

// mustCloseAtHead decides it again as the head leaves: a client still
// waiting for 100-continue, whose body nobody read, may or may not send it;
// and a response sent whole while more of a Content-Length body is unread
// than the drain takes will close the stream, which its head should say
// (RFC 9112 section 9.6) so a pipelining client stops sending. A streamed
// response does not say so: its handler may read the body yet.
func (c *conn) mustCloseAtHead(w *ResponseWriter) bool {
	return c.mustCloseAfter() || (c.expect && !c.sentContinue && c.in.unread()) ||
		(w.whole && c.in.kind == bodyFixed && c.in.err == nil && c.in.left > c.opts.MaxDrainBytes)
}

// beforeBodyRead answers 100-continue (RFC 9110 section 10.1.1): on the
// first body read, unless a final response already reached the wire. A
// head that is only buffered stays behind the 100.
func (c *conn) beforeBodyRead() error {
	c.flushBatched() // the read may block
	if c.expect && !c.sentContinue && !c.cur.w.onWire {
		c.sentContinue = true
		c.wd.write(c.clock(), c.opts.WriteTimeout)
		_, err := io.WriteString(c.rwc, "HTTP/1.1 100 Continue\r\n\r\n")
		c.wd.idle()
		if err != nil {
			return c.writeError(err)
		}
	}
	return nil
}

// bodyEnded runs when the body has been read to its end.
func (c *conn) bodyEnded() { c.watchClient() }

// bodyFailed runs when a body read fails: the stream is done for, the
// response in progress cannot complete, and a client that went away
// cancels the request's context.
func (c *conn) bodyFailed(err error) {
	c.broken = true
	s := c.cur
	var pe *ProtocolError
	if errors.As(err, &pe) {
		c.bodyErr = pe
	}
	if pe == nil || errors.Is(err, ErrBodyTruncated) {
		c.clientGone = true
		s.req.cancelContext(ErrClientGone)
	}
	if s.w.state == writerOpen && s.w.err == nil {
		s.w.err = err
	}
}

// closeReason says why the stream closes after the response w; clientDone
// is true when the request asked for the close.
func (c *conn) closeReason(w *ResponseWriter, clientDone bool) EndReason {
	switch {
	case c.tracker.closedByServer():
		return EndShutdown
	case w.writeFailed:
		return EndWriteFailed
	case c.clientGone:
		return EndClientClosed
	case c.bodyErr != nil:
		return EndRejected
	case clientDone:
		return EndClientClosed
	}
	return EndServerClosed
}

// rejected tells Options.OnReject of a refused request, once.
func (c *conn) rejected(pe *ProtocolError, answered bool) {
	if pe == c.bodyErr {
		if c.bodyReported {
			return
		}
		c.bodyReported = true
	}
	if c.opts.OnReject == nil {
		return
	}
	r := Rejection{Status: pe.Status, Reason: pe.Reason, Err: pe, Answered: answered}
	if req := &c.cur.req; len(req.method) > 0 {
		r.RequestLine = req.String()
	}
	if a, ok := c.rwc.(interface{ RemoteAddr() net.Addr }); ok {
		r.RemoteAddr = a.RemoteAddr()
	}
	c.opts.OnReject(r)
}

// reportBodyError reports a body error that the core did not answer.
func (c *conn) reportBodyError() {
	if c.bodyErr != nil {
		c.rejected(c.bodyErr, false)
	}
}

// lingerTimeout bounds how long a closing stream reads what the client
// still sends, so that closing with unread input (which makes TCP send a
// reset) does not destroy the response before the client reads it.
const (
	lingerTimeout = 500 * time.Millisecond
	lingerBytes   = 256 << 10
)

// closeStream closes the stream; with linger, gracefully: half-close, then
// read what is still in flight, for a bounded time, until the client
// closes too.
func (c *conn) closeStream(linger bool) {
	c.flushBatched()
	if cw, ok := c.rwc.(interface{ CloseWrite() error }); ok && linger && c.r.err == nil {
		if cw.CloseWrite() == nil {
			c.wd.read(time.Now(), lingerTimeout)
			var total int64
			for total < lingerBytes {
				n, err := c.r.src.Read(c.r.buf)
				total += int64(n)
				if err != nil {
					break
				}
			}
		}
	}
	c.wd.stop()
	c.rwc.Close()
}

func (c *conn) writeError(err error) error {
	if c.wd.timedOut() {
		return ErrTimeout
	}
	return err
}

// startTime reads the clock for the start of the current request: the
// previous request's start plus the monotonic time elapsed, which costs
// one clock read instead of the two of a full one (wall and monotonic). A
// full read is taken for a stream's first request and once the last full
// read is a second old, so the wall time (the Date field) never lags a
// change of the system clock by more than a second. A request queued
// behind the previous response (pipelined: its head was buffered whole
// when that response was done) starts when that response was done, and
// costs no clock read at all.
func (c *conn) startTime(queued bool) time.Time {
	prev := c.slots[(c.seq+1)&1].start // the previous request's slot
	if !prev.IsZero() {
		if d := c.lastActivity.Sub(prev); queued && d >= 0 && c.sinceFullRead+d < time.Second {
			c.sinceFullRead += d
			return c.lastActivity
		}
		if d := time.Since(prev); d >= 0 && c.sinceFullRead+d < time.Second {
			c.sinceFullRead += d
			return prev.Add(d)
		}
	}
	c.sinceFullRead = 0
	return time.Now()
}

// clock returns the time. Every reading during a request is its start
// plus the monotonic time elapsed, which costs one clock read instead of
// two, on the hot path several times a request.
func (c *conn) clock() time.Time {
	if c.cur == nil || c.cur.start.IsZero() {
		return time.Now()
	}
	start := c.cur.start
	return start.Add(time.Since(start))
}

// scratchBuf returns a 4 KiB buffer for draining unread bodies and copying
// bodies through filters. It lives with the pooled buffers, so a stream
// that never needs it pays nothing, and an idle one holds none.
func (c *conn) scratchBuf() []byte {
	if c.bufs.scratch == nil {
		c.bufs.scratch = make([]byte, 4<<10)
	}
	return c.bufs.scratch
}

// tlsState asks the stream for its TLS state once per stream.
func (c *conn) tlsState() *tls.ConnectionState {
	if !c.tlsChecked {
		c.tlsChecked = true
		if s, ok := c.rwc.(interface{ ConnectionState() tls.ConnectionState }); ok {
			st := s.ConnectionState()
			c.tlsCache = &st
		}
	}
	return c.tlsCache
}
