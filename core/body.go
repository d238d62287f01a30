package core

import (
	"bytes"
	"io"
)

// A Body reads a request body from the stream: a fixed number of bytes, or
// chunked framing decoded on the fly. It is an io.Reader; read it to io.EOF
// to see the trailers of a chunked body in Request.Trailer.
//
// A Body is valid until the handler returns. Reads return a *ProtocolError
// for a malformed or too large body and the stream's error (a net.Error for
// timeouts) when the stream fails.
type Body struct {
	c         *conn
	state     bodyState
	remaining int64 // bytes left of the body (fixed) or of the chunk (chunked)
	total     int64 // bytes of chunked data so far, for MaxBodyBytes
	err       error // sticky
}

type bodyState uint8

const (
	bodyDone      bodyState = iota // nothing (more) to read
	bodyFixed                      // remaining bytes of a Content-Length body
	bodyChunkSize                  // next: a chunk-size line
	bodyChunkData                  // remaining bytes of a chunk
	bodyChunkEnd                   // next: the CRLF after chunk data
)

func (b *Body) reset(c *conn, req *Request) {
	*b = Body{c: c}
	switch {
	case req.chunked:
		b.state = bodyChunkSize
	case req.contentLength > 0:
		b.state, b.remaining = bodyFixed, req.contentLength
	}
}

// Read reads body bytes. The first call answers "Expect: 100-continue".
func (b *Body) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.state == bodyDone {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	c := b.c
	if err := c.beforeBodyRead(); err != nil {
		b.err = err
		return 0, err
	}
	n, err := b.read(p)
	if err == io.EOF && b.state == bodyDone {
		return n, io.EOF
	}
	if err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			err = ErrBodyTruncated
		}
		b.err = c.readError(err)
		if n > 0 {
			return n, nil
		}
		return 0, b.err
	}
	return n, nil
}

func (b *Body) read(p []byte) (int, error) {
	cr := &b.c.r
	for {
		switch b.state {
		case bodyDone:
			return 0, io.EOF
		case bodyFixed, bodyChunkData:
			n, err := cr.Read(p[:min(int64(len(p)), b.remaining)])
			b.remaining -= int64(n)
			if b.remaining == 0 {
				if b.state == bodyFixed {
					b.state = bodyDone
				} else {
					b.state = bodyChunkEnd
				}
			}
			if n > 0 {
				return n, nil
			}
			return 0, err
		case bodyChunkEnd:
			line, err := cr.readLine(2)
			if err == errLineTooLong || (err == nil && !bytes.Equal(line, crlf)) {
				return 0, ErrMalformedChunk
			}
			if err != nil {
				return 0, err
			}
			b.state = bodyChunkSize
		case bodyChunkSize:
			line, err := cr.readLine(b.c.opts.MaxChunkLineBytes)
			if err == errLineTooLong {
				return 0, &ProtocolError{Status: 400, Reason: "chunk-size line longer than the limit"}
			}
			if err != nil {
				return 0, err
			}
			size, err := parseChunkLine(line)
			if err != nil {
				return 0, err
			}
			if size == 0 {
				if err := b.c.readTrailers(); err != nil {
					return 0, err
				}
				b.state = bodyDone
				return 0, io.EOF
			}
			max := b.c.opts.MaxBodyBytes
			if max >= 0 && b.total+size > max {
				return 0, ErrBodyTooLarge
			}
			b.total += size
			b.state, b.remaining = bodyChunkData, size
		}
	}
}

var crlf = []byte("\r\n")

// parseChunkLine parses "HEX [; ext...] CRLF" (RFC 9112 section 7.1.1).
func parseChunkLine(line []byte) (int64, error) {
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return 0, ErrMalformedChunk
	}
	line = line[:len(line)-2]
	var size int64
	i := 0
	for ; i < len(line) && isHex(line[i]); i++ {
		// 15 hex digits cannot overflow an int64.
		if i == 15 {
			return 0, &ProtocolError{Status: 400, Reason: "chunk size too large"}
		}
		size = size<<4 | int64(unhex(line[i]))
	}
	if i == 0 {
		return 0, ErrMalformedChunk
	}
	if err := checkChunkExtensions(line[i:]); err != nil {
		return 0, err
	}
	return size, nil
}

// checkChunkExtensions accepts *( BWS ";" BWS name [ BWS "=" BWS value ] )
// where value is a token or a quoted-string. Extensions are ignored.
func checkChunkExtensions(ext []byte) error {
	for {
		ext = trimOWS(ext)
		if len(ext) == 0 {
			return nil
		}
		if ext[0] != ';' {
			return ErrMalformedChunk
		}
		ext = trimOWS(ext[1:])
		n := 0
		for n < len(ext) && tokenTable[ext[n]] {
			n++
		}
		if n == 0 {
			return ErrMalformedChunk
		}
		ext = trimOWS(ext[n:])
		if len(ext) == 0 || ext[0] != '=' {
			continue
		}
		ext = trimOWS(ext[1:])
		if len(ext) > 0 && ext[0] == '"' {
			end := quotedEnd(ext)
			if end < 0 {
				return ErrMalformedChunk
			}
			ext = ext[end:]
			continue
		}
		n = 0
		for n < len(ext) && tokenTable[ext[n]] {
			n++
		}
		if n == 0 {
			return ErrMalformedChunk
		}
		ext = ext[n:]
	}
}

// quotedEnd returns the length of the quoted-string at the start of b, or -1.
func quotedEnd(b []byte) int {
	for i := 1; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			return i + 1
		case c == '\\':
			i++
		case c < ' ' && c != '\t', c == 0x7f:
			return -1
		}
	}
	return -1
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// readTrailers reads the trailer section after the last chunk. The lines
// are copied out of the read buffer, which later reads may reuse.
func (c *conn) readTrailers() error {
	c.trailerBuf = c.trailerBuf[:0]
	for {
		line, err := c.r.readLine(c.opts.MaxTrailerBytes - len(c.trailerBuf))
		if err == errLineTooLong {
			return &ProtocolError{Status: 431, Reason: "trailer section larger than the limit"}
		}
		if err != nil {
			return err
		}
		if bytes.Equal(line, crlf) {
			break
		}
		c.trailerBuf = append(c.trailerBuf, line...)
	}
	t := &c.req.trailer
	for rest := c.trailerBuf; len(rest) > 0; {
		line, next, err := nextLine(rest)
		if err != nil {
			return err
		}
		rest = next
		name, value, err := parseField(line)
		if err != nil {
			return err
		}
		if len(t.fields) == c.opts.MaxHeaderFields {
			return errTooManyFields
		}
		if !forbiddenTrailer(name) {
			t.fields = append(t.fields, field{name, value})
		}
	}
	return nil
}

// forbiddenTrailer lists fields a sender may not put in a trailer because
// they frame, route, authenticate or modify the request (RFC 9110 section
// 6.5.1); they are dropped rather than merged into what a handler sees.
func forbiddenTrailer(name []byte) bool {
	for _, f := range [...]string{
		"Transfer-Encoding", "Content-Length", "Host", "Trailer", "TE", "Connection",
		"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie",
		"Content-Type", "Content-Encoding", "Content-Range", "Range",
		"Expect", "Max-Forwards", "Cache-Control", "Pragma", "Upgrade",
		"If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since", "If-Range",
	} {
		if equalFold(name, f) {
			return true
		}
	}
	return false
}
