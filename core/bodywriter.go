package core

import (
	"io"
	"os"
	"strconv"
)

// A BodyWriter writes a response body piece by piece. ResponseWriter.Begin
// opens it and Finish ends it. On HTTP/1.1 it is sent with chunked framing,
// unless the handler set a Content-Length first, which the BodyWriter then
// holds it to; on HTTP/1.0 the body ends when the stream closes.
//
// Writes are buffered; Flush sends what is buffered at once (server-sent
// events flush after every event). A BodyWriter may be written from another
// goroutine, one at a time, but the handler must not return before Finish:
// after it returns, every method fails with ErrResponseOver.
type BodyWriter struct {
	w *ResponseWriter
}

// flushSize is how many buffered bytes make a chunk: large enough that
// framing costs little, small enough to keep a stream's memory modest.
const flushSize = 8 << 10

// Begin sends the head of a response whose body follows through the
// returned BodyWriter. The head leaves with the first Flush or once enough
// body is buffered.
func (w *ResponseWriter) Begin(status int) *BodyWriter {
	if c := w.s.live(); c != nil {
		w.open(c, status, -1)
	}
	return &w.body
}

// open composes the head of a response whose body of n bytes (-1: not
// known) follows through w.body, passing it through the body filter if
// there is one and it takes the body.
func (w *ResponseWriter) open(c *conn, status int, n int64) {
	if err := w.begin(status, false); err != nil {
		w.openErr(err)
		return
	}
	if err := w.frame(c, status, n); err != nil {
		w.openErr(err)
		return
	}
	if w.filter != nil && !w.noBody {
		w.raw.w = w
		if fw := w.filter(status, &w.header, n, &w.raw); fw != nil {
			// The filter decides the bytes, so the length is no longer
			// known: chunked on HTTP/1.1, to the stream's end on 1.0.
			w.fw, w.declared = fw, -1
			w.framing = framingChunked
			if w.s.req.minor == 0 {
				w.framing = framingCloseDelimited
			}
		}
	}
	if err := w.appendHead(c, c.clock()); err != nil {
		w.openErr(err)
	}
}

// A BodyFilter rewrites a response body on its way to the stream, as
// compression does. A middleware installs one with
// ResponseWriter.SetBodyFilter before it calls the next handler; the core
// calls it once, when that handler's response starts, for a response that
// has a body (not HEAD, 1xx, 204 or 304), whichever terminal method it
// uses. It may change the header fields h (Content-Encoding, Vary, ...);
// length is the body's length as the handler gave it, -1 if streamed. It
// returns the writer that takes the body and writes what it makes to dst,
// or nil to leave the body alone.
//
// A filtered body is framed by chunked encoding (by the stream's end on
// HTTP/1.0), whatever Content-Length the handler set. The core closes the
// writer at the end of the body, and calls its Flush() error method, if it
// has one, on BodyWriter.Flush. The receipt's BodyBytes counts the bytes
// the filter wrote. A file sent with SendReader is read through the filter,
// not sent with sendfile. String bodies reach the writer through its
// WriteString method if it has one. A response that is aborted (see
// BodyWriter.Finish) drops the writer without closing it: it must hold
// nothing that needs a Close to be released.
type BodyFilter func(status int, h *Header, length int64, dst io.Writer) io.WriteCloser

// SetBodyFilter installs f for this response, replacing any other; nil
// removes it. It has no effect once a terminal method was called.
func (w *ResponseWriter) SetBodyFilter(f BodyFilter) {
	if w.state == writerFresh {
		w.filter = f
	}
}

// rawBody is where a body filter writes: straight into the framing.
type rawBody struct{ w *ResponseWriter }

func (r *rawBody) Write(p []byte) (int, error) {
	c, err := r.w.body.conn()
	if err != nil {
		return 0, err
	}
	return r.w.body.writeRaw(c, p, "")
}

// openErr records a body that could not open; if nothing was sent the
// core answers 500 for it.
func (w *ResponseWriter) openErr(err error) {
	if w.err == nil {
		w.err = err
	}
}

// conn returns the conn of an open body, or why it is not open.
func (b *BodyWriter) conn() (*conn, error) {
	w := b.w
	c := w.s.live()
	switch {
	case c == nil:
		return nil, ErrResponseOver
	case w.err != nil:
		return nil, w.err
	case w.state != writerOpen:
		return nil, ErrAlreadySent
	}
	return c, nil
}

// Write buffers p as body bytes, sending a chunk when the buffer fills.
func (b *BodyWriter) Write(p []byte) (int, error) {
	return b.write(p, "")
}

// WriteString is Write for a string, without converting it.
func (b *BodyWriter) WriteString(s string) (int, error) {
	return b.write(nil, s)
}

func (b *BodyWriter) write(p []byte, str string) (int, error) {
	c, err := b.conn()
	if err != nil {
		return 0, err
	}
	if fw := b.w.fw; fw != nil {
		if p != nil {
			return fw.Write(p)
		}
		if sw, ok := fw.(io.StringWriter); ok {
			return sw.WriteString(str)
		}
		return writeStringVia(fw, c, str)
	}
	return b.writeRaw(c, p, str)
}

// writeStringVia writes s to w in pieces copied through the conn's scratch
// buffer, so a string body costs no copy of its own.
func writeStringVia(w io.Writer, c *conn, s string) (int, error) {
	scratch := c.scratchBuf()
	written := 0
	for written < len(s) {
		n := copy(scratch, s[written:])
		m, err := w.Write(scratch[:n])
		written += m
		if err != nil {
			return written, err
		}
	}
	return written, nil
}

// writeRaw writes body bytes that go out as they are.
func (b *BodyWriter) writeRaw(c *conn, p []byte, str string) (int, error) {
	w := b.w
	n := len(p) + len(str)
	if w.noBody {
		if bodiless(w.status) && n > 0 {
			return 0, ErrBodyNotAllowed
		}
		return n, nil // HEAD: the body a GET would get is computed, not sent
	}
	if w.declared >= 0 && w.bodyLeft+w.bodyBytes+int64(n) > w.declared {
		return 0, ErrContentLength // refused whole: the body so far stays valid
	}
	if len(c.wbuf)+n > flushSize && n >= flushSize/2 {
		// Large write: send what is buffered, then this as one chunk
		// straight from the caller's memory.
		w.frameChunk(c)
		w.openChunk(c, n)
		w.flush(c)
		w.writeDirect(c, p, str)
		if w.framing == framingChunked {
			c.wbuf = append(c.wbuf, "\r\n"...)
		}
	} else {
		if w.pending < 0 {
			w.pending = len(c.wbuf)
		}
		c.wbuf = append(c.wbuf, p...)
		c.wbuf = append(c.wbuf, str...)
		w.bodyLeft += int64(n)
		if len(c.wbuf) >= flushSize {
			w.frameChunk(c)
			w.flush(c)
		}
	}
	if w.err != nil {
		return 0, w.err
	}
	return n, nil
}

// ReadFrom copies r into the body, reading straight into the write
// buffer, so io.Copy to a BodyWriter needs no buffer of its own.
func (b *BodyWriter) ReadFrom(r io.Reader) (int64, error) {
	w := b.w
	if w.fw != nil {
		return b.readFromFiltered(r)
	}
	var total int64
	for {
		c, err := b.conn()
		if err != nil {
			return total, err
		}
		// r may be the request body, whose read writes out batched
		// responses and so moves what is behind them in c.wbuf: do it
		// now, before a slice of c.wbuf is handed to r.
		c.flushBatched()
		if len(c.wbuf) >= flushSize-chunkHeaderRoom {
			w.frameChunk(c)
			w.flush(c)
			continue
		}
		if w.pending < 0 {
			w.pending = len(c.wbuf)
		}
		room := flushSize - len(c.wbuf)
		if w.declared >= 0 && !w.noBody {
			room = int(min(int64(room), w.declared-w.bodyBytes-w.bodyLeft+1)) // +1 detects a reader that runs over
		}
		start := len(c.wbuf)
		c.wbuf = c.wbuf[:start+room]
		n, rerr := r.Read(c.wbuf[start:])
		c.wbuf = c.wbuf[:start+n]
		if w.err != nil {
			// The read failed the response (a request body that broke):
			// what it read is not to be sent.
			c.wbuf = c.wbuf[:start]
			return total, w.err
		}
		if w.noBody {
			c.wbuf = c.wbuf[:start]
		}
		if w.declared >= 0 && !w.noBody && w.bodyBytes+w.bodyLeft+int64(n) > w.declared {
			// The reader runs past the declared length: keep the bytes
			// that fit, drop the rest.
			keep := int(w.declared - w.bodyBytes - w.bodyLeft)
			c.wbuf = c.wbuf[:start+keep]
			w.bodyLeft += int64(keep)
			return total + int64(keep), ErrContentLength
		}
		if !w.noBody {
			w.bodyLeft += int64(n)
		}
		total += int64(n)
		if rerr == io.EOF {
			return total, nil
		}
		if rerr != nil {
			return total, rerr
		}
	}
}

// readFromFiltered copies r through the body filter.
func (b *BodyWriter) readFromFiltered(r io.Reader) (int64, error) {
	c, err := b.conn()
	if err != nil {
		return 0, err
	}
	scratch := c.scratchBuf()
	var total int64
	for {
		n, rerr := r.Read(scratch)
		if n > 0 {
			if _, err := b.write(scratch[:n], ""); err != nil {
				return total, err
			}
			total += int64(n)
		}
		if rerr == io.EOF {
			return total, nil
		}
		if rerr != nil {
			return total, rerr
		}
	}
}

// chunkHeaderRoom is the room kept for a chunk-size line and the CRLF
// after the data: 8 hex digits cover the largest chunk this code makes.
const chunkHeaderRoom = 8 + 2 + 2

// frameChunk turns the unframed bytes at the end of c.wbuf into a chunk.
func (w *ResponseWriter) frameChunk(c *conn) {
	if w.pending < 0 {
		return
	}
	start := w.pending
	w.pending = -1
	size := len(c.wbuf) - start
	if size == 0 || w.framing != framingChunked {
		return
	}
	var hdr [18]byte
	h := strconv.AppendInt(hdr[:0], int64(size), 16)
	h = append(h, "\r\n"...)
	c.wbuf = append(c.wbuf, h...) // grow by len(h)
	copy(c.wbuf[start+len(h):], c.wbuf[start:start+size])
	copy(c.wbuf[start:], h)
	c.wbuf = append(c.wbuf, "\r\n"...)
}

// openChunk appends the size line of a chunk of n bytes that will follow.
func (w *ResponseWriter) openChunk(c *conn, n int) {
	if w.framing != framingChunked {
		return
	}
	c.wbuf = strconv.AppendInt(c.wbuf, int64(n), 16)
	c.wbuf = append(c.wbuf, "\r\n"...)
}

// Flush sends the head and everything buffered.
func (b *BodyWriter) Flush() error {
	c, err := b.conn()
	if err != nil {
		return err
	}
	w := b.w
	if f, ok := w.fw.(interface{ Flush() error }); ok {
		if err := f.Flush(); err != nil {
			return err
		}
	}
	w.frameChunk(c)
	w.flush(c)
	return w.err
}

// Trailer returns the trailer fields sent after the last chunk by Finish.
// They are sent only with chunked framing (HTTP/1.1 without a declared
// Content-Length); clients learn of them through a Trailer field set in the
// head, by convention.
func (b *BodyWriter) Trailer() *Header { return &b.w.trailer }

// Finish ends the body, sends what is buffered and the trailers, and returns
// what was written. A response that cannot end well (fewer bytes than a
// declared Content-Length, an invalid trailer field, a request body that
// broke while it was written) is aborted: if none of it reached the wire
// the core sends an error response in its place (500, or the request
// body's 400 or 413), otherwise the stream is closed so that the client
// sees a cut-off body. The receipt's Err says why.
func (b *BodyWriter) Finish() ResponseWritten {
	w := b.w
	c := w.s.live()
	switch {
	case c == nil:
		return deadReceipt
	case w.state == writerFresh:
		return w.refuse(w.err)
	case w.state != writerOpen:
		return w.refuse(ErrAlreadySent)
	case w.err != nil:
		return w.abort(c, w.err)
	}
	if fw := w.fw; fw != nil {
		w.fw = nil // what Close writes goes out as it is
		if err := fw.Close(); err != nil || w.err != nil {
			return w.abort(c, errOr(w.err, err))
		}
	}
	w.frameChunk(c)
	if w.declared >= 0 && !w.noBody && w.bodyBytes+w.bodyLeft != w.declared {
		return w.abort(c, ErrContentLength)
	}
	if w.framing == framingChunked && !w.noBody {
		if !w.trailer.valid() {
			return w.abort(c, ErrInvalidHeader)
		}
		c.wbuf = append(c.wbuf, "0\r\n"...)
		for _, f := range w.trailer.fields {
			c.wbuf = appendField(c.wbuf, f.name, f.value)
		}
		c.wbuf = append(c.wbuf, "\r\n"...)
	}
	w.complete(c, c.clock())
	w.state = writerDone
	return w.result()
}

// sendFileSlice is how much of a file one sendfile call may send: the
// write timeout is armed afresh for each slice, so it stays a bound on
// inactivity and never cuts a long download that is moving.
const sendFileSlice = 4 << 20

// sendFile sends the declared body straight from the file to the stream:
// a stream whose ReadFrom knows files (a TCP socket: sendfile or splice)
// moves the bytes without copying them through user space.
func (w *ResponseWriter) sendFile(c *conn, rf io.ReaderFrom, f *os.File) error {
	w.frameChunk(c)
	w.flush(c)
	for w.err == nil && w.bodyBytes < w.declared {
		now := c.clock()
		c.wd.write(now, c.opts.WriteTimeout)
		n, err := rf.ReadFrom(io.LimitReader(f, min(w.declared-w.bodyBytes, sendFileSlice)))
		c.wd.idle()
		if n > 0 {
			w.reached(now)
		}
		w.bodyBytes += n
		if err != nil {
			w.wrote(c, err)
			return w.err
		}
		if n == 0 {
			return io.ErrUnexpectedEOF // the file is shorter than declared
		}
		w.lastByte(c, c.clock())
	}
	return w.err
}

// SendReader sends status with the body read from r. With size >= 0 the
// body is framed by Content-Length and size bytes are read (a reader with
// more is cut there, and the receipt's Err is ErrContentLength). A reader
// that ends early or fails aborts the response as Finish describes: 500 if
// nothing was on the wire yet, else a cut-off body. With size < 0 the body
// is streamed (chunked on HTTP/1.1). An *os.File with a known size goes
// to a TCP stream through sendfile, without passing through user space.
func (w *ResponseWriter) SendReader(status int, r io.Reader, size int64) ResponseWritten {
	c := w.s.live()
	if c == nil {
		return deadReceipt
	}
	// The size frames the body as a Content-Length would, without
	// formatting one into the header (frame checks it against a
	// Content-Length the handler set).
	w.open(c, status, max(size, -1))
	b := &w.body
	if w.state != writerOpen {
		return w.refuse(w.err)
	}
	if w.noBody {
		return b.Finish() // HEAD: the length is known without reading
	}
	if f, ok := r.(*os.File); ok && w.framing == framingLength && w.fw == nil {
		if rf, ok := c.rwc.(io.ReaderFrom); ok {
			if err := w.sendFile(c, rf, f); err != nil {
				return w.abort(c, err)
			}
			return b.Finish()
		}
	}
	_, err := b.ReadFrom(r)
	switch {
	case err == ErrContentLength && w.err == nil:
		// The reader holds more than size: the size bytes sent make a
		// whole response; the receipt says what was left out.
		rw := b.Finish()
		if rw.err == nil {
			rw.err = err
		}
		return rw
	case err != nil:
		return w.abort(c, err)
	}
	return b.Finish()
}
