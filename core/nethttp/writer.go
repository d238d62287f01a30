package nethttp

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tophat-go/tophat/core"
)

// maxBuffered is how much body the bridge holds before the response starts.
// A handler that writes no more and returns gets a Content-Length (and its
// response leaves in one write); past it the body streams, chunked. net/http
// holds 2 KiB; 16 KiB is the core's own limit for copying a body behind its
// head, so most API and page responses keep their length.
const maxBuffered = 16 << 10

// sniffLen is how much of a body http.DetectContentType looks at.
const sniffLen = 512

// bufPool recycles the bodies held before a response starts. Only the bytes
// are pooled; the handler never sees the slice.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, maxBuffered); return &b }}

// responseWriter is the http.ResponseWriter a bridged handler writes to.
//
//	WriteHeader(1xx) ──► SendInformational (the fields stay for the final head)
//	WriteHeader(101) ──► Upgrade: the stream is the handler's (Hijack returns it)
//	WriteHeader(n)   ──► the head's fields are copied to the core's Header now
//	Write            ──► held in buf up to maxBuffered ─┬─ handler returns: Send (Content-Length)
//	                                                    └─ overflow or Flush: Begin, stream (chunked)
//	Hijack           ──► core Hijack, before anything was sent
type responseWriter struct {
	req  *core.Request
	w    *core.ResponseWriter
	head bool // answering HEAD: body bytes are counted, not held

	header http.Header
	status int // the final status, once WriteHeader ran

	// What the head's fields said when WriteHeader copied them.
	haveType  bool // a Content-Type key was set, even empty: no sniffing
	encoded   bool // a Content-Encoding was set: no sniffing either
	declared  bool // a valid Content-Length was set
	trailers  []string
	prefixed  bool // some key had http.TrailerPrefix
	buf       *[]byte
	headBytes int64 // HEAD: body bytes written

	bw       *core.BodyWriter // once the body streams
	conn     *core.Upgraded   // after WriteHeader(101) or Hijack
	hijacked bool
	receipt  core.ResponseWritten
	done     bool

	deadlines deadlines
}

// The interfaces net/http's callers look for, checked here rather than
// wrapped at each use (http.ResponseController finds them directly).
var (
	_ http.ResponseWriter                            = (*responseWriter)(nil)
	_ http.Flusher                                   = (*responseWriter)(nil)
	_ http.Hijacker                                  = (*responseWriter)(nil)
	_ interface{ FlushError() error }                = (*responseWriter)(nil)
	_ interface{ SetReadDeadline(time.Time) error }  = (*responseWriter)(nil)
	_ interface{ SetWriteDeadline(time.Time) error } = (*responseWriter)(nil)
	_ interface{ EnableFullDuplex() error }          = (*responseWriter)(nil)
)

func (rw *responseWriter) Header() http.Header {
	if rw.header == nil {
		rw.header = make(http.Header)
	}
	return rw.header
}

// WriteHeader follows net/http: a second call is ignored, and a status
// outside 100-999 is a programming error that panics.
func (rw *responseWriter) WriteHeader(code int) {
	if rw.done || rw.hijacked || rw.conn != nil || rw.status != 0 {
		return
	}
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("nethttp: invalid WriteHeader code %v", code))
	}
	switch {
	case code == 100:
		// The core sends 100 Continue on the first body read, when the
		// client asked for it.
		return
	case code == 101:
		rw.copyHeader()
		rw.conn, rw.receipt = rw.w.Upgrade(101)
		if rw.conn == nil {
			rw.status = code // failed: the receipt says why
		}
		return
	case code < 200:
		// RFC 8297: the fields stay set for the final response.
		rw.copyHeader()
		rw.w.SendInformational(code) //nolint:errcheck // WriteHeader has no error to return; a dead stream fails the final response
		return
	}
	rw.status = code
	rw.copyHeader()
}

// copyHeader copies the handler's fields to the core's Header, as net/http
// takes its snapshot of the head at WriteHeader: fields set later are not
// in the head (they can still be trailers). Keys are sorted, as net/http
// writes them. The core frames the body itself, so Transfer-Encoding is
// dropped and Content-Length is passed on only when valid (net/http drops
// an invalid one too).
func (rw *responseWriter) copyHeader() {
	ch := rw.w.Header()
	ch.Reset()
	rw.haveType, rw.encoded, rw.declared, rw.prefixed = false, false, false, false
	rw.trailers = rw.trailers[:0]
	var stack [32]string
	keys := stack[:0]
	for k := range rw.header {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		vs := rw.header[k]
		switch {
		case strings.HasPrefix(k, http.TrailerPrefix):
			rw.prefixed = true
			continue
		case k == "Content-Type":
			rw.haveType = true
		case k == "Content-Encoding":
			rw.encoded = len(vs) > 0 && vs[0] != ""
		case k == "Transfer-Encoding":
			continue
		case k == "Content-Length":
			if len(vs) == 0 {
				continue
			}
			if n, err := strconv.ParseInt(vs[0], 10, 64); err != nil || n < 0 {
				continue
			}
			rw.declared = true
			ch.Set("Content-Length", vs[0])
			continue
		case k == "Trailer":
			for _, v := range vs {
				for name := range strings.SplitSeq(v, ",") {
					if name = textproto.TrimString(name); name != "" {
						rw.trailers = append(rw.trailers, textproto.CanonicalMIMEHeaderKey(name))
					}
				}
			}
		}
		for _, v := range vs {
			ch.Add(k, v)
		}
	}
}

func (rw *responseWriter) Write(p []byte) (int, error) {
	if err := rw.writable(); err != nil {
		return 0, err
	}
	if rw.bw != nil {
		return rw.bw.Write(p)
	}
	if rw.head {
		rw.headBytes += int64(len(p))
		return len(p), nil
	}
	if rw.buf == nil {
		rw.buf = bufPool.Get().(*[]byte)
	}
	b := *rw.buf
	if len(b)+len(p) <= maxBuffered {
		*rw.buf = append(b, p...)
		return len(p), nil
	}
	// Fill the buffer first, so the sniffer sees the body's start.
	fill := maxBuffered - len(b)
	*rw.buf = append(b, p[:fill]...)
	if err := rw.start(); err != nil {
		return 0, err
	}
	n, err := rw.bw.Write(p[fill:])
	return fill + n, err
}

// WriteString spares io.WriteString a conversion.
func (rw *responseWriter) WriteString(s string) (int, error) {
	if rw.bw != nil || rw.head {
		if err := rw.writable(); err != nil {
			return 0, err
		}
		if rw.bw != nil {
			return rw.bw.WriteString(s)
		}
	}
	return rw.Write([]byte(s))
}

// writable checks that body bytes may be written now, answering the
// implicit 200 of a first Write as net/http does.
func (rw *responseWriter) writable() error {
	switch {
	case rw.done:
		return ErrHandlerReturned
	case rw.hijacked:
		return http.ErrHijacked
	case rw.conn != nil:
		return http.ErrBodyNotAllowed // 101 has no body; Hijack to speak on
	}
	if rw.status == 0 {
		rw.WriteHeader(200)
	}
	if !bodyAllowed(rw.status) {
		return http.ErrBodyNotAllowed
	}
	return rw.deadlines.checkWrite()
}

// start opens the core's BodyWriter and moves the held body into it.
func (rw *responseWriter) start() error {
	rw.sniff()
	rw.bw = rw.w.Begin(rw.status)
	if rw.buf == nil {
		return nil
	}
	_, err := rw.bw.Write(*rw.buf)
	rw.release()
	return err
}

// sniff sets the Content-Type net/http would: DetectContentType of the
// body's start, unless the handler set one (even empty), set a
// Content-Encoding, or sent no body.
func (rw *responseWriter) sniff() {
	if rw.haveType || rw.encoded || rw.buf == nil || len(*rw.buf) == 0 || !bodyAllowed(rw.status) {
		return
	}
	b := *rw.buf
	rw.w.Header().Set("Content-Type", http.DetectContentType(b[:min(len(b), sniffLen)]))
}

func (rw *responseWriter) release() {
	if rw.buf != nil {
		*rw.buf = (*rw.buf)[:0]
		bufPool.Put(rw.buf)
		rw.buf = nil
	}
}

// Flush sends the head and what is written so far; the rest of the body
// streams.
func (rw *responseWriter) Flush() { rw.FlushError() } //nolint:errcheck // http.Flusher has no error

// FlushError is Flush reporting the stream's error, for
// http.ResponseController.
func (rw *responseWriter) FlushError() error {
	if err := rw.writable(); err != nil {
		if rw.conn != nil && !rw.hijacked {
			return nil // the 101 has left already
		}
		return err
	}
	if rw.bw == nil {
		if err := rw.start(); err != nil {
			return err
		}
	}
	return rw.bw.Flush()
}

// Hijack hands the stream to the handler: a net.Conn (the core's
// Upgraded stream, with the stream's deadlines and addresses) and a
// bufio.ReadWriter whose Reader holds the bytes the client sent after the
// request head, if any.
func (rw *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	switch {
	case rw.done:
		return nil, nil, ErrHandlerReturned
	case rw.hijacked:
		return nil, nil, http.ErrHijacked
	case rw.conn == nil && (rw.status != 0 || rw.bw != nil):
		return nil, nil, ErrHijackStarted
	case rw.conn == nil:
		conn, receipt := rw.w.Hijack()
		if conn == nil {
			return nil, nil, receipt.Err()
		}
		rw.conn, rw.receipt = conn, receipt
	}
	rw.hijacked = true
	rw.release()
	br := bufio.NewReaderSize(rw.conn, max(4096, len(rw.conn.Buffered())))
	if n := len(rw.conn.Buffered()); n > 0 {
		br.Peek(n) //nolint:errcheck // moves bytes already read ahead; cannot fail
	}
	return rw.conn, bufio.NewReadWriter(br, bufio.NewWriter(rw.conn)), nil
}

// SetReadDeadline sets the deadline of the request body's reads; after a
// Hijack, the stream's.
func (rw *responseWriter) SetReadDeadline(t time.Time) error {
	if rw.conn != nil {
		return rw.conn.SetReadDeadline(t)
	}
	rw.deadlines.read = t
	return nil
}

// SetWriteDeadline sets the deadline of the response's writes; after a
// Hijack, the stream's.
func (rw *responseWriter) SetWriteDeadline(t time.Time) error {
	if rw.conn != nil {
		return rw.conn.SetWriteDeadline(t)
	}
	rw.deadlines.write = t
	return nil
}

// EnableFullDuplex is a no-op that succeeds: the core lets a handler read
// the request body while it writes the response.
func (rw *responseWriter) EnableFullDuplex() error { return nil }

// finish ends the response once the handler has returned: the held body
// goes with a Content-Length, a streamed one is finished with its
// trailers, and a handler that wrote nothing answers 200, as in net/http.
func (rw *responseWriter) finish() core.ResponseWritten {
	defer func() { rw.done = true }()
	if rw.conn != nil || rw.status == 101 {
		return rw.receipt // the stream is the handler's, or Upgrade failed
	}
	if rw.status == 0 {
		rw.WriteHeader(200)
	}
	rw.prefixed = rw.prefixed || hasPrefixedKey(rw.header)
	if rw.bw == nil && rw.hasTrailers() && rw.req.ProtoMinor() >= 1 && bodyAllowed(rw.status) && !rw.head && !rw.declared {
		// Trailers need chunked framing, so no length even for a small
		// body. A failed write is reported by Finish.
		rw.start() //nolint:errcheck
	}
	if rw.bw != nil {
		rw.copyTrailers()
		return rw.bw.Finish()
	}
	if rw.head {
		if !rw.declared && rw.headBytes > 0 && bodyAllowed(rw.status) {
			rw.w.Header().Set("Content-Length", strconv.FormatInt(rw.headBytes, 10))
		} else if !rw.declared {
			// Nothing says how long the GET body is: no Content-Length at
			// all, rather than a wrong 0.
			return rw.w.Begin(rw.status).Finish()
		}
		return rw.w.SendStatus(rw.status)
	}
	if rw.buf == nil {
		return rw.w.SendStatus(rw.status)
	}
	rw.sniff()
	r := rw.w.Send(rw.status, *rw.buf)
	rw.release()
	return r
}

// hasPrefixedKey reports whether a key announces a trailer by
// http.TrailerPrefix, which handlers set after the head was written.
func hasPrefixedKey(h http.Header) bool {
	for k := range h {
		if strings.HasPrefix(k, http.TrailerPrefix) {
			return true
		}
	}
	return false
}

func (rw *responseWriter) hasTrailers() bool { return len(rw.trailers) > 0 || rw.prefixed }

// copyTrailers moves the trailer values the handler set (declared keys and
// http.TrailerPrefix keys) to the core's trailer fields.
func (rw *responseWriter) copyTrailers() {
	if !rw.hasTrailers() {
		return
	}
	t := rw.bw.Trailer()
	for _, k := range rw.trailers {
		for _, v := range rw.header[k] {
			t.Add(k, v)
		}
	}
	if !rw.prefixed {
		return
	}
	for k, vs := range rw.header {
		if name, ok := strings.CutPrefix(k, http.TrailerPrefix); ok {
			for _, v := range vs {
				t.Add(name, v)
			}
		}
	}
}

// bodyAllowed reports whether a response with status carries a body.
func bodyAllowed(status int) bool {
	return status >= 200 && status != 204 && status != 304
}
