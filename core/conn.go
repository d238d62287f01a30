package core

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// conn is the state of one stream being served. It is pooled: a stream
// that ends returns its buffers for the next one, and nothing a request
// borrowed survives into another stream.
type conn struct {
	rwc     io.ReadWriteCloser
	handler Handler
	opts    Options
	tracker *tracked // set when a Server serves the stream

	r          connReader
	wbuf       []byte
	trailerBuf []byte
	scratch    []byte // drains unread bodies
	wd         watchdog

	req   Request
	w     ResponseWriter
	seq   uint64
	start time.Time // the handler's start: after the head was parsed

	// lastActivity is when the last response was written, which is when
	// the wait for the next request starts; it saves a clock read.
	lastActivity time.Time

	sentContinue bool
	broken       bool // the stream cannot carry another request
	hijacked     bool

	tlsChecked bool
	tlsCache   *tls.ConnectionState
}

// initialWriteBuffer holds a typical head with a small body, so most
// responses leave in one write.
const initialWriteBuffer = 8 << 10

var connPool = sync.Pool{New: func() any {
	c := &conn{wbuf: make([]byte, 0, initialWriteBuffer)}
	c.req.conn = c
	c.req.body.c = c
	return c
}}

// ServeConn serves HTTP/1.1 requests on stream with h until the stream
// ends, on the calling goroutine, and closes the stream (unless a handler
// took it over with Upgrade or Hijack). opts may be nil for the defaults.
//
// It returns nil when the stream ended normally (the client closed it or
// asked to close, the idle timeout passed, a handler took it over), a
// *ProtocolError when a request was rejected, or the stream's error.
func ServeConn(stream io.ReadWriteCloser, h Handler, opts *Options) error {
	return serveConn(stream, h, opts.withDefaults(), nil)
}

func serveConn(stream io.ReadWriteCloser, h Handler, opts Options, t *tracked) error {
	c := connPool.Get().(*conn)
	c.rwc, c.handler, c.opts, c.tracker = stream, h, opts, t
	c.r.reset(stream)
	c.wd.reset(stream)
	c.lastActivity = time.Now()
	err := c.serve()
	c.release()
	return err
}

// release returns the conn to the pool, dropping every reference to the
// stream, the handler and the last request.
func (c *conn) release() {
	c.wd.stop()
	c.req.reset()
	c.w.reset(c, 0)
	c.r.src = nil
	c.rwc, c.handler, c.tracker = nil, nil, nil
	c.opts = Options{}
	c.sentContinue, c.broken, c.hijacked = false, false, false
	c.tlsChecked, c.tlsCache = false, nil
	if cap(c.r.buf) > 4*initialReadBuffer {
		c.r.buf = nil // a stream of huge heads does not pin its buffer forever
	}
	if cap(c.wbuf) > 4*initialWriteBuffer {
		c.wbuf = make([]byte, 0, initialWriteBuffer)
	}
	connPool.Put(c)
}

// errQuiet ends a stream without an error to report.
var errQuiet = errors.New("tophat: stream ended")

func (c *conn) serve() error {
	first := true
	for {
		err := c.readRequest(first)
		first = false
		if err != nil {
			return c.finish(err)
		}
		c.serveRequest()
		if c.hijacked {
			return nil
		}
		if c.broken || c.w.closing {
			return c.finish(errQuiet)
		}
		if !c.drainBody() {
			return c.finish(errQuiet)
		}
		c.r.unpin()
	}
}

// finish closes the stream after the last response and turns err into
// what ServeConn reports.
func (c *conn) finish(err error) error {
	var pe *ProtocolError
	if errors.As(err, &pe) {
		c.reject(pe)
	}
	// Linger when the client may still be sending: closing with unread
	// input makes TCP reset the connection, which can destroy the response
	// in the client's receive buffer before it is read.
	unread := c.r.buffered() > 0 || (c.req.body.state != bodyDone && !c.hijacked)
	c.closeStream(pe != nil || unread)
	if err == errQuiet || err == io.EOF {
		return nil
	}
	return err
}

// readRequest waits for the next request head and parses it.
func (c *conn) readRequest(first bool) error {
	c.seq++
	c.req.reset()
	c.sentContinue = false
	c.w.reset(c, c.seq)
	if c.r.buffered() == 0 {
		timeout := c.opts.IdleTimeout
		if first {
			timeout = c.opts.ReadHeaderTimeout
		}
		if !first {
			c.tracker.setIdle(c)
		}
		c.wd.read(c.lastActivity, timeout)
		err := c.r.fill(1)
		if !c.tracker.setActive(c) {
			return errQuiet // the server is shutting down this idle stream
		}
		if err != nil {
			return errQuiet // closed, timed out or broken between requests
		}
	}
	var scanner headScanner
	armed := false
	for {
		head, err := scanner.scanHead(&c.r, c.opts.MaxRequestLineBytes, c.opts.MaxHeaderBytes)
		if err != nil {
			return err
		}
		if head != nil {
			c.start = time.Now()
			if err := parseRequest(&c.req, head, &c.opts); err != nil {
				return err
			}
			c.req.body.reset(c, &c.req)
			c.wd.handlerRunning()
			return nil
		}
		if !armed {
			c.wd.read(time.Now(), c.opts.ReadHeaderTimeout)
			armed = true
		}
		if err := c.r.fill(c.r.buffered() + 1); err != nil {
			if c.isTimeout(err) {
				return &ProtocolError{Status: 408, Reason: "request head not received in time"}
			}
			if err == errBufferFull {
				return errHeadTooLarge
			}
			return errQuiet // the client went away mid-head: nobody to answer
		}
	}
}

// serveRequest runs the handler and makes sure the request was answered.
func (c *conn) serveRequest() {
	w := &c.w
	rw, panicked := c.callHandler()
	switch {
	case panicked:
	case w.state == writerFresh:
		c.opts.ErrorLog.Error("tophat: handler returned without a response",
			"request", c.req.String(), "err", errOr(w.err, ErrNoResponse))
		c.internalError()
	case rw.IsZero() && w.state == writerStreaming:
		c.opts.ErrorLog.Error("tophat: handler returned with its stream unfinished",
			"request", c.req.String(), "err", ErrNoResponse)
		c.broken = true
	case w.state == writerStreaming:
		c.broken = true // returned before Finish: the body's end is unknown
	}
}

func errOr(err, fallback error) error {
	if err != nil {
		return err
	}
	return fallback
}

// callHandler recovers a panic: 500 if nothing was sent, else the stream
// is closed, and the server goes on serving other streams.
func (c *conn) callHandler() (rw ResponseWritten, panicked bool) {
	defer func() {
		if p := recover(); p != nil {
			panicked = true
			c.opts.ErrorLog.Error("tophat: handler panicked", "request", c.req.String(),
				"panic", fmt.Sprint(p), "err", ErrHandlerPanic)
			c.broken = true
			if c.w.state == writerFresh {
				c.internalError()
			}
		}
	}()
	return c.handler.Serve(&c.req, &c.w), false
}

// internalError answers 500 for a handler that could not.
func (c *conn) internalError() {
	w := &c.w
	w.header.Reset()
	w.header.Set("Content-Type", "text/plain; charset=utf-8")
	w.err = nil
	w.send(500, nil, "Internal Server Error\n")
}

// mustCloseAfter decides, when a response head is written, whether the
// stream ends after it.
func (c *conn) mustCloseAfter(status int) bool {
	req, b := &c.req, &c.req.body
	switch {
	case req.closeAfter, c.broken, c.tracker.shuttingDown():
		return true
	case req.expectContinue && !c.sentContinue && b.state != bodyDone:
		// The client may be waiting to send a body nobody asked for: close
		// rather than guess where the next request starts (RFC 9110 10.1.1).
		return true
	case b.state == bodyFixed && b.remaining > c.opts.MaxDrainBytes:
		return true
	case status == 101:
		return false
	}
	return false
}

// beforeBodyRead answers 100-continue and arms the body read timeout.
func (c *conn) beforeBodyRead() error {
	if c.req.expectContinue && !c.sentContinue && c.w.state == writerFresh {
		c.sentContinue = true
		c.wd.write(time.Now(), c.opts.WriteTimeout)
		if _, err := io.WriteString(c.rwc, "HTTP/1.1 100 Continue\r\n\r\n"); err != nil {
			c.broken = true
			return c.writeError(err)
		}
	}
	c.wd.read(time.Now(), c.opts.BodyReadTimeout)
	return nil
}

// drainBody reads what the handler left of the body so the next request
// can be found; it reports false when the stream must close instead.
func (c *conn) drainBody() bool {
	b := &c.req.body
	if b.state == bodyDone && b.err == nil {
		return true
	}
	if b.err != nil || (c.req.expectContinue && !c.sentContinue) {
		return false
	}
	if c.scratch == nil {
		c.scratch = make([]byte, 4<<10)
	}
	var drained int64
	for drained <= c.opts.MaxDrainBytes {
		n, err := b.Read(c.scratch)
		drained += int64(n)
		if err == io.EOF {
			return true
		}
		if err != nil {
			return false
		}
	}
	return false
}

// reject answers a request the core refused, then the stream closes.
func (c *conn) reject(pe *ProtocolError) {
	if c.w.state != writerFresh {
		return
	}
	body := strconv.Itoa(pe.Status) + " " + statusText(pe.Status) + ": " + pe.Reason + "\n"
	b := appendStatusLine(c.wbuf[:0], pe.Status)
	b = append(b, "Date: "...)
	b = appendDate(b, time.Now())
	b = append(b, "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(len(body)), 10)
	b = append(b, "\r\n\r\n"...)
	b = append(b, body...)
	c.wd.write(time.Now(), c.opts.WriteTimeout)
	c.rwc.Write(b) //nolint:errcheck // the stream closes next either way
	c.wbuf = b[:0]
}

// lingerTimeout bounds how long a closing stream reads what the client
// still sends, so that closing with unread input (which makes TCP send a
// reset) does not destroy the response before the client reads it.
const (
	lingerTimeout = 500 * time.Millisecond
	lingerBytes   = 256 << 10
)

func (c *conn) closeStream(linger bool) {
	if cw, ok := c.rwc.(interface{ CloseWrite() error }); ok && linger {
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

// readError marks the stream broken after a failed body read and reports
// a timeout the way the stream's kind does.
func (c *conn) readError(err error) error {
	c.broken = true
	if c.wd.timedOut() {
		return ErrTimeout
	}
	return err
}

func (c *conn) writeError(err error) error {
	if c.wd.timedOut() {
		return ErrTimeout
	}
	return err
}

func (c *conn) isTimeout(err error) bool {
	if c.wd.timedOut() {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
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

// tracked is a Server's view of one stream, for Shutdown and Close.
type tracked struct {
	srv     *Server
	rwc     io.ReadWriteCloser
	created time.Time
	state   atomic.Int32
}

const (
	// stateNew: accepted, first request not begun. Shutdown leaves such a
	// stream alone for newStreamGrace, since a client that just connected
	// is most likely about to send a request (or a TLS handshake), and a
	// fresh connection closed under it is an error clients do not retry.
	stateNew int32 = iota
	stateActive
	stateIdle
	stateClosed
)

// newStreamGrace is how long Shutdown lets a new, silent stream live; the
// read-header timeout bounds it too.
const newStreamGrace = 5 * time.Second

func (t *tracked) setIdle(*conn) {
	if t != nil {
		t.state.CompareAndSwap(stateActive, stateIdle)
	}
}

// setActive reports false if the server closed the stream while it waited.
func (t *tracked) setActive(*conn) bool {
	return t == nil || t.state.CompareAndSwap(stateIdle, stateActive) || t.state.CompareAndSwap(stateNew, stateActive)
}

// claimIdle marks the stream closed if it waits for a request, reporting
// whether it did; the caller then closes it.
func (t *tracked) claimIdle(now time.Time) bool {
	return t.state.CompareAndSwap(stateIdle, stateClosed) ||
		(now.Sub(t.created) > newStreamGrace && t.state.CompareAndSwap(stateNew, stateClosed))
}

func (t *tracked) shuttingDown() bool {
	return t != nil && t.srv.inShutdown.Load()
}
