package core

import (
	"io"
	"sync"
)

// A Body reads a request body from the stream: a fixed number of bytes, or
// chunked framing decoded on the fly. It is an io.Reader; read it to io.EOF
// to see the trailers of a chunked body in Request.Trailer.
//
// The first read answers "Expect: 100-continue", unless the final response
// has already reached the wire. Reads return a *ProtocolError for a
// malformed or too large body (ErrMalformedChunk, ErrBodyTooLarge,
// ErrBodyTruncated), and the stream's error (a net.Error for timeouts) when
// the stream fails. After the handler returns, reads return
// ErrResponseOver.
type Body struct {
	s *slot
}

// Read reads body bytes.
func (b *Body) Read(p []byte) (int, error) {
	c := b.s.live()
	if c == nil {
		return 0, ErrResponseOver
	}
	return c.in.read(c, p)
}

// WriteTo writes the rest of the body to w, reading the stream in pieces of
// up to 32 KiB; io.Copy from a Body uses it. A copy through io.Discard or a
// bufio.Writer would otherwise read 8 or 4 KiB at a time, a system call
// each: eight for a 64 KiB upload instead of two or three. It returns the
// bytes written and the first error other than io.EOF, as Read would have
// (a *ProtocolError for a bad or too large body) or w's.
func (b *Body) WriteTo(w io.Writer) (int64, error) {
	c := b.s.live()
	if c == nil {
		return 0, ErrResponseOver
	}
	buf := copyBuffers.Get().(*[copyBufferSize]byte)
	defer copyBuffers.Put(buf)
	var written int64
	for {
		n, err := c.in.read(c, buf[:])
		if n > 0 {
			m, werr := w.Write(buf[:n])
			written += int64(m)
			if werr == nil && m < n {
				werr = io.ErrShortWrite
			}
			if werr != nil {
				return written, werr
			}
		}
		if err == io.EOF {
			return written, nil
		}
		if err != nil {
			return written, err
		}
	}
}

// copyBufferSize is the piece Body.WriteTo reads: large enough that an
// upload takes few reads, small enough to pool.
const copyBufferSize = 32 << 10

// copyBuffers are Body.WriteTo's buffers, held only while it runs.
var copyBuffers = sync.Pool{New: func() any { return new([copyBufferSize]byte) }}

// bodyIn is the state of the request body being read: the conn owns it, so
// the core can drain it after the handler's Body handle is dead.
type bodyIn struct {
	kind    bodyKind
	limit   int64 // the request's body limit, -1 for none
	got     int64 // bytes of a fixed-length body read so far
	armed   bool  // the read deadline was set for this body
	armedAt int64 // connReader.consumed when it was set
	left    int64 // bytes left of a fixed-length body
	chunked chunkedReader
	err     error // sticky: the first error ends the body for good
}

type bodyKind uint8

const (
	bodyNone    bodyKind = iota // no body, or all of it read
	bodyFixed                   // Content-Length
	bodyChunked                 // Transfer-Encoding: chunked
)

func (in *bodyIn) reset(c *conn, req *Request) {
	in.err, in.limit, in.got, in.armed = nil, c.opts.MaxBodyBytes, 0, false
	switch {
	case req.chunked:
		in.kind = bodyChunked
		in.chunked.reset(&c.r, chunkLimits{
			maxLine:    c.opts.MaxChunkLineBytes,
			maxBody:    c.opts.MaxBodyBytes,
			maxTrailer: c.opts.MaxTrailerBytes,
			maxFields:  c.opts.MaxHeaderFields,
		}, req)
	case req.contentLength > 0:
		in.kind, in.left = bodyFixed, req.contentLength
	default:
		in.kind = bodyNone
	}
}

// done reports whether the body has been read to its end without error.
func (in *bodyIn) done() bool { return in.kind == bodyNone && in.err == nil }

// unread reports whether body bytes may still be on their way.
func (in *bodyIn) unread() bool { return in.kind != bodyNone && in.err == nil }

func (in *bodyIn) read(c *conn, p []byte) (int, error) {
	if in.err != nil {
		return 0, in.err
	}
	if in.kind == bodyNone {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	if err := c.beforeBodyRead(); err != nil {
		return 0, in.fail(c, err)
	}
	if in.kind == bodyFixed && in.limit >= 0 && in.got+in.left > in.limit {
		// The declared length is past the limit: refuse before reading, so
		// the answer is 413, not a body cut at an arbitrary point.
		return 0, in.fail(c, ErrBodyTooLarge)
	}
	n, err := in.readTimed(c, p)
	c.wd.idle()
	if in.kind == bodyNone {
		c.bodyEnded()
		return n, io.EOF
	}
	if err != nil {
		err = in.fail(c, err)
		if n > 0 {
			return n, nil // the bytes now, the error on the next call
		}
		return 0, err
	}
	return n, nil
}

// readTimed reads under BodyReadTimeout, a bound on inactivity. A stream
// with deadlines gets one when the body's first read begins, not one per
// read (each costs a clock read and a timer change, for every few KiB of
// an upload): when it passes, a read that saw bytes arrive since it was set
// sets a new one and goes on, since a deadline that passes loses nothing.
// A bare stream's timer closes the stream, so it is armed for every read.
func (in *bodyIn) readTimed(c *conn, p []byte) (int, error) {
	timeout := c.opts.BodyReadTimeout
	if c.wd.deadlines == nil || !in.armed {
		c.wd.read(c.clock(), timeout)
		in.armed, in.armedAt = true, c.r.consumed
	}
	for {
		n, err := in.readFramed(c, p)
		if n > 0 || err == nil || c.wd.deadlines == nil || !c.wd.isTimeout(err) || c.r.consumed == in.armedAt {
			return n, err
		}
		c.r.err = nil // the stream moved since the deadline was set: set another
		c.wd.read(c.clock(), timeout)
		in.armedAt = c.r.consumed
	}
}

func (in *bodyIn) readFramed(c *conn, p []byte) (n int, err error) {
	if in.kind == bodyFixed {
		n, err = c.r.Read(p[:min(int64(len(p)), in.left)])
		in.left -= int64(n)
		in.got += int64(n)
		if in.left == 0 {
			in.kind = bodyNone
		}
		return n, err
	}
	n, err = in.chunked.Read(p)
	if err == io.EOF {
		in.kind = bodyNone
	}
	return n, err
}

// setLimit changes the body limit of the request being served.
func (in *bodyIn) setLimit(n int64) {
	in.limit = n
	in.chunked.limits.maxBody = n
}

// fail makes err the body's sticky error and tells the conn.
func (in *bodyIn) fail(c *conn, err error) error {
	in.err = in.classify(c, err)
	c.bodyFailed(in.err)
	return in.err
}

// classify turns what the stream reported into what a handler should see.
func (in *bodyIn) classify(c *conn, err error) error {
	switch {
	case err == io.EOF, err == io.ErrUnexpectedEOF:
		return ErrBodyTruncated
	case c.wd.timedOut():
		return ErrTimeout
	}
	return err
}

// drain reads and discards what the handler left of the body, at most max
// bytes of it; it reports whether the body ended within them.
func (in *bodyIn) drain(c *conn, max int64) bool {
	switch in.kind {
	case bodyFixed:
		if in.left > max {
			return false // not worth reading: the stream closes instead
		}
	case bodyChunked:
		in.chunked.req = nil // the request's handles are dead
	}
	var drained int64
	for in.unread() {
		scratch := c.scratchBuf()
		// One byte past max tells a body that ends at max from a longer one.
		n, err := in.read(c, scratch[:min(int64(len(scratch)), max-drained+1)])
		drained += int64(n)
		switch {
		case drained > max:
			return false
		case err == io.EOF:
			return true
		case err != nil:
			return false
		}
	}
	return in.done()
}
