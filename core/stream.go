package core

import (
	"io"
	"strconv"
	"time"
)

// A Stream is a response body written piece by piece, opened by
// ResponseWriter.Stream and ended by Finish. On HTTP/1.1 it is sent with
// chunked framing, unless the handler set a Content-Length first, which the
// Stream then holds it to; on HTTP/1.0 the body ends when the stream closes.
//
// Writes are buffered; Flush sends what is buffered at once (server-sent
// events flush after every event). A Stream may be written from another
// goroutine, one at a time, but the handler must not return before Finish.
type Stream struct {
	w *ResponseWriter
}

// streamFlushSize is how many buffered bytes make a chunk: large enough that
// framing costs little, small enough to keep a stream's memory modest.
const streamFlushSize = 8 << 10

// Stream sends the head of a streamed response. The head leaves with the
// first Flush or once enough body is buffered.
func (w *ResponseWriter) Stream(status int) *Stream {
	if err := w.begin(status, false); err != nil {
		w.streamErr(err)
		return &w.stream
	}
	if err := w.frame(status, -1); err != nil {
		w.streamErr(err)
		return &w.stream
	}
	if err := w.appendHead(time.Now()); err != nil {
		w.streamErr(err)
	}
	return &w.stream
}

// streamErr records a Stream that could not open; if nothing was sent the
// core answers 500 for it.
func (w *ResponseWriter) streamErr(err error) {
	if w.err == nil {
		w.err = err
	}
}

// Write buffers p as body bytes, sending a chunk when the buffer fills.
func (s *Stream) Write(p []byte) (int, error) {
	return s.write(p, "")
}

// WriteString is Write for a string, without converting it.
func (s *Stream) WriteString(str string) (int, error) {
	return s.write(nil, str)
}

func (s *Stream) write(p []byte, str string) (int, error) {
	w := s.w
	n := len(p) + len(str)
	if w.state != writerStreaming {
		if w.err != nil {
			return 0, w.err
		}
		return 0, ErrAlreadySent
	}
	if w.err != nil {
		return 0, w.err
	}
	if w.noBody {
		if bodiless(w.status) && n > 0 {
			return 0, ErrBodyNotAllowed
		}
		return n, nil // HEAD: the body a GET would get is computed, not sent
	}
	if w.declared >= 0 && w.bodyBytes+int64(n) > w.declared {
		return 0, ErrContentLength // refused whole: the body so far stays valid
	}
	c := w.c
	if len(c.wbuf)+n > streamFlushSize && n >= streamFlushSize/2 {
		// Large write: send what is buffered, then this as one chunk
		// straight from the caller's memory.
		w.frameChunk()
		w.openChunk(n)
		w.flush()
		w.writeDirect(p, str)
		if w.framing == framingChunked {
			c.wbuf = append(c.wbuf, "\r\n"...)
		}
	} else {
		if w.pending < 0 {
			w.pending = len(c.wbuf)
		}
		c.wbuf = append(c.wbuf, p...)
		c.wbuf = append(c.wbuf, str...)
		if len(c.wbuf) >= streamFlushSize {
			w.frameChunk()
			w.flush()
		}
	}
	if w.err != nil {
		return 0, w.err
	}
	w.bodyBytes += int64(n)
	return n, nil
}

// ReadFrom copies r into the stream, reading straight into the write
// buffer, so io.Copy to a Stream needs no buffer of its own.
func (s *Stream) ReadFrom(r io.Reader) (int64, error) {
	w := s.w
	c := w.c
	var total int64
	for {
		if w.state != writerStreaming {
			return total, ErrAlreadySent
		}
		if w.err != nil {
			return total, w.err
		}
		if len(c.wbuf) >= streamFlushSize-chunkHeaderRoom {
			w.frameChunk()
			w.flush()
			continue
		}
		if w.pending < 0 {
			w.pending = len(c.wbuf)
		}
		room := streamFlushSize - len(c.wbuf)
		if w.declared >= 0 {
			room = int(min(int64(room), w.declared-w.bodyBytes+1)) // +1 detects a reader that runs over
		}
		start := len(c.wbuf)
		c.wbuf = c.wbuf[:start+room]
		n, err := r.Read(c.wbuf[start:])
		c.wbuf = c.wbuf[:start+n]
		if w.noBody {
			c.wbuf = c.wbuf[:start]
		}
		if w.declared >= 0 && !w.noBody && w.bodyBytes+int64(n) > w.declared {
			// The reader runs past the declared length: keep the bytes
			// that fit, drop the rest.
			keep := int(w.declared - w.bodyBytes)
			c.wbuf = c.wbuf[:start+keep]
			w.bodyBytes += int64(keep)
			total += int64(keep)
			return total, ErrContentLength
		}
		w.bodyBytes += int64(n)
		total += int64(n)
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

// chunkHeaderRoom is the room kept for a chunk-size line and the CRLF
// after the data: 8 hex digits cover the largest chunk this code makes.
const chunkHeaderRoom = 8 + 2 + 2

// frameChunk turns the unframed bytes at the end of c.wbuf into a chunk.
func (w *ResponseWriter) frameChunk() {
	c := w.c
	if w.pending < 0 {
		return
	}
	start := w.pending
	w.pending = -1
	size := len(c.wbuf) - start
	if size == 0 {
		c.wbuf = c.wbuf[:start]
		return
	}
	if w.framing != framingChunked {
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
func (w *ResponseWriter) openChunk(n int) {
	if w.framing != framingChunked {
		return
	}
	c := w.c
	c.wbuf = strconv.AppendInt(c.wbuf, int64(n), 16)
	c.wbuf = append(c.wbuf, "\r\n"...)
}

// Flush sends the head and everything buffered.
func (s *Stream) Flush() error {
	w := s.w
	if w.state != writerStreaming {
		if w.err != nil {
			return w.err
		}
		return ErrAlreadySent
	}
	w.frameChunk()
	w.flush()
	return w.err
}

// Trailer returns the trailer fields sent after the last chunk by Finish.
// They are sent only with chunked framing (HTTP/1.1 without a declared
// Content-Length); clients learn of them through a Trailer field set in the
// head, by convention.
func (s *Stream) Trailer() *Header { return &s.w.trailer }

// Finish ends the body, sends what is buffered and the trailers, and returns
// what was written. A Stream with a declared Content-Length that received
// fewer bytes is cut off: the stream is closed, and Err is ErrContentLength.
func (s *Stream) Finish() ResponseWritten {
	w := s.w
	c := w.c
	switch w.state {
	case writerFresh:
		return w.refuse(w.err)
	case writerStreaming:
	default:
		return w.refuse(ErrAlreadySent)
	}
	w.frameChunk()
	if w.err == nil && w.declared >= 0 && !w.noBody && w.bodyBytes != w.declared {
		// Fewer bytes than promised: send them and close, so the client
		// sees a truncated body rather than a shorter one it could trust.
		w.flush()
		c.broken = true
		if w.err == nil {
			w.err = ErrContentLength
		}
	}
	if w.err == nil && w.framing == framingChunked && !w.noBody {
		c.wbuf = append(c.wbuf, "0\r\n"...)
		for _, f := range w.trailer.fields {
			if !validFieldName(f.name) || !validFieldValue(f.value) {
				w.err = ErrInvalidHeader
				continue
			}
			c.wbuf = append(c.wbuf, f.name...)
			c.wbuf = append(c.wbuf, ": "...)
			c.wbuf = append(c.wbuf, f.value...)
			c.wbuf = append(c.wbuf, "\r\n"...)
		}
		c.wbuf = append(c.wbuf, "\r\n"...)
	}
	if w.err == nil {
		w.flush()
	} else {
		c.wbuf = c.wbuf[:0]
	}
	w.state = writerDone
	return w.result()
}

// SendReader sends status with the body read from r. With size >= 0 the
// body is framed by Content-Length and exactly size bytes are read; a
// reader that ends early cuts the response off (ErrContentLength, stream
// closed). With size < 0 the body is streamed (chunked on HTTP/1.1).
func (w *ResponseWriter) SendReader(status int, r io.Reader, size int64) ResponseWritten {
	if size >= 0 && !w.header.Has("Content-Length") {
		w.header.Set("Content-Length", strconv.FormatInt(size, 10))
	}
	s := w.Stream(status)
	if w.state != writerStreaming {
		return w.refuse(w.err)
	}
	if w.noBody {
		return s.Finish() // HEAD: the length is known without reading
	}
	_, err := s.ReadFrom(r)
	if err == ErrContentLength {
		rw := s.Finish()
		if rw.err == nil {
			rw.err = err
		}
		return rw
	}
	if err != nil && w.err == nil {
		w.err = err
		c := w.c
		c.broken = true
		c.wbuf = c.wbuf[:0]
		w.state = writerDone
		return w.result()
	}
	return s.Finish()
}
