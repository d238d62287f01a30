package core

import (
	"bytes"
	"io"
)

// chunkedReader decodes a chunked body (RFC 9112 section 7.1) from the
// connection's reader. It is plain io code: it knows lines, limits and
// framing, not connections, handlers or responses, so it is fuzzed alone.
// Every framing error is a *ProtocolError that matches ErrMalformedChunk
// (400), or ErrBodyTooLarge (413), or 431 for trailers past their limit;
// errors of the underlying reader pass through unchanged.
type chunkedReader struct {
	r      *connReader
	limits chunkLimits
	state  chunkState
	left   int64 // data bytes left in the current chunk
	data   int64 // data bytes so far, held to limits.maxBody
	excess int64 // framing bytes beyond the free allowance (see chunkOverheadAllowance)

	// req receives the trailer fields; nil discards them (a body drained
	// after its handler returned). trailerBuf holds copies of the trailer
	// lines, which the read buffer does not keep.
	req        *Request
	trailerBuf []byte
}

type chunkLimits struct {
	maxLine    int   // a chunk-size line with its extensions, CRLF included
	maxBody    int64 // data bytes in all; -1 for no limit
	maxTrailer int   // the trailer section
	maxFields  int   // trailer fields
}

type chunkState uint8

const (
	chunkSize chunkState = iota // next: a chunk-size line
	chunkData                   // left bytes of data
	chunkEnd                    // next: the CRLF after the data
	chunkDone                   // the last chunk and the trailers were read
)

// Framing bytes (size lines, extensions, CRLFs) cost memory and CPU but
// carry no data, so a client could send megabytes of extensions around a
// few bytes of body. Each chunk may spend chunkOverheadAllowance framing
// bytes for free (a 16-digit size, CRLF, and the CRLF after the data); what
// a chunk spends beyond that must be paid for by twice its data, and once
// the unpaid excess passes maxChunkOverhead the body is refused (CWE-400).
const (
	chunkOverheadAllowance = 16 + 2 + 2
	maxChunkOverhead       = 16 << 10
)

func (d *chunkedReader) reset(r *connReader, limits chunkLimits, req *Request) {
	*d = chunkedReader{r: r, limits: limits, req: req, trailerBuf: d.trailerBuf[:0]}
}

func malformedChunk(reason string) *ProtocolError {
	return &ProtocolError{Status: 400, Reason: "malformed chunked body: " + reason, kind: ErrMalformedChunk}
}

var errChunkOverhead = malformedChunk("too much framing for the data it carries")

// Read reads data bytes; io.EOF follows the last chunk and its trailers.
// The end of the underlying stream anywhere before that is
// io.ErrUnexpectedEOF: a body cut short must never read as complete.
func (d *chunkedReader) Read(p []byte) (int, error) {
	n, err := d.read(p)
	if err == io.EOF && d.state != chunkDone {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

func (d *chunkedReader) read(p []byte) (int, error) {
	for {
		switch d.state {
		case chunkDone:
			return 0, io.EOF
		case chunkData:
			if len(p) == 0 {
				return 0, nil
			}
			n, err := d.r.Read(p[:min(int64(len(p)), d.left)])
			d.left -= int64(n)
			if d.left == 0 {
				d.state = chunkEnd
			}
			if n > 0 {
				return n, nil
			}
			return 0, err
		case chunkEnd:
			line, err := d.r.readLine(2)
			if err == errLineTooLong || (err == nil && !bytes.Equal(line, crlf)) {
				return 0, malformedChunk("chunk data not followed by CRLF")
			}
			if err != nil {
				return 0, err
			}
			d.state = chunkSize
		case chunkSize:
			if err := d.readSize(); err != nil {
				return 0, err
			}
		}
	}
}

func (d *chunkedReader) readSize() error {
	line, err := d.r.readLine(d.limits.maxLine)
	if err == errLineTooLong {
		return malformedChunk("chunk-size line longer than the limit")
	}
	if err != nil {
		return err
	}
	size, err := parseChunkLine(line)
	if err != nil {
		return err
	}
	d.excess = max(d.excess+int64(len(line))+2-chunkOverheadAllowance-2*size, 0)
	if d.excess > maxChunkOverhead {
		return errChunkOverhead
	}
	if size == 0 {
		if err := d.readTrailers(); err != nil {
			return err
		}
		d.state = chunkDone
		return nil
	}
	if d.limits.maxBody >= 0 && d.data+size > d.limits.maxBody {
		return ErrBodyTooLarge
	}
	d.data += size
	d.state, d.left = chunkData, size
	return nil
}

var crlf = []byte("\r\n")

// maxChunkSizeDigits keeps a chunk size within an int64.
const maxChunkSizeDigits = 15

// parseChunkLine parses "HEX *( BWS ";" BWS name [ BWS "=" BWS value ] )
// CRLF" (RFC 9112 section 7.1.1). Whitespace is allowed only where the
// grammar has BWS, and not even there right after the size: net/http and
// other recipients refuse "5 ;x", and a size line that two parsers read
// differently is how a body is smuggled.
func parseChunkLine(line []byte) (int64, error) {
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return 0, malformedChunk("chunk-size line not ended by CRLF")
	}
	line = line[:len(line)-2]
	var size int64
	i := 0
	for ; i < len(line) && isHex(line[i]); i++ {
		if i == maxChunkSizeDigits {
			return 0, malformedChunk("chunk size too large")
		}
		size = size<<4 | int64(unhex(line[i]))
	}
	if i == 0 {
		return 0, malformedChunk("chunk size is not hexadecimal")
	}
	if i < len(line) && line[i] != ';' {
		return 0, malformedChunk("unexpected bytes after the chunk size")
	}
	return size, checkChunkExtensions(line[i:])
}

func checkChunkExtensions(ext []byte) error {
	for len(ext) > 0 {
		ext = skipBWS(ext)
		if len(ext) == 0 || ext[0] != ';' {
			return malformedChunk("unexpected bytes after the chunk size")
		}
		ext = skipBWS(ext[1:])
		n := tokenLen(ext)
		if n == 0 {
			return malformedChunk("chunk extension without a name")
		}
		ext = ext[n:]
		if rest := skipBWS(ext); len(rest) > 0 && rest[0] == '=' {
			ext = skipBWS(rest[1:])
			if len(ext) > 0 && ext[0] == '"' {
				end := quotedEnd(ext)
				if end < 0 {
					return malformedChunk("malformed quoted chunk extension value")
				}
				ext = ext[end:]
			} else {
				n = tokenLen(ext)
				if n == 0 {
					return malformedChunk("chunk extension without a value")
				}
				ext = ext[n:]
			}
		}
	}
	return nil
}

func skipBWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	return b
}

func tokenLen(b []byte) int {
	n := 0
	for n < len(b) && tokenTable[b[n]] {
		n++
	}
	return n
}

// quotedEnd returns the length of the quoted-string at the start of b, or
// -1. Controls other than HTAB are refused inside it, after a backslash
// too: a bare CR there would end the line for a recipient that splits on
// CR, and the framing would differ between it and us.
func quotedEnd(b []byte) int {
	for i := 1; i < len(b); i++ {
		c := b[i]
		if c == '\\' {
			i++
			if i == len(b) {
				return -1
			}
			c = b[i]
			if !quotedByte(c) {
				return -1
			}
			continue
		}
		if c == '"' {
			return i + 1
		}
		if !quotedByte(c) {
			return -1
		}
	}
	return -1
}

// quotedByte marks what a quoted-string may hold: HTAB, SP, VCHAR and
// obs-text (RFC 9110 section 5.6.4).
func quotedByte(c byte) bool { return c == '\t' || (c >= ' ' && c != 0x7f) }

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

var errTrailerTooLarge = &ProtocolError{Status: 431, Reason: "trailer section larger than the limit"}

// readTrailers reads the trailer section after the last chunk: lines that
// end in CRLF, each checked as it arrives, so a bare LF is refused at once
// rather than left waiting for a CRLF that never comes.
func (d *chunkedReader) readTrailers() error {
	d.trailerBuf = d.trailerBuf[:0]
	for {
		line, err := d.r.readLine(d.limits.maxTrailer - len(d.trailerBuf))
		if err == errLineTooLong {
			return errTrailerTooLarge
		}
		if err != nil {
			return err
		}
		if len(line) < 2 || line[len(line)-2] != '\r' {
			return malformedChunk("trailer line not ended by CRLF")
		}
		if len(line) == 2 {
			break
		}
		d.trailerBuf = append(d.trailerBuf, line...)
	}
	fields := 0
	var trailer *RequestHeader
	for pos := 0; pos < len(d.trailerBuf); {
		line, next, err := nextLine(d.trailerBuf[pos:])
		if err != nil {
			return err
		}
		start := pos
		pos = len(d.trailerBuf) - len(next)
		nameEnd, valueStart, valueEnd, err := parseField(line)
		if err != nil {
			return err
		}
		if fields++; fields > d.limits.maxFields {
			return errTooManyFields
		}
		if d.req != nil && !forbiddenTrailer(line[:nameEnd]) {
			if trailer == nil {
				trailer = d.req.trailerTable()
				trailer.src = d.trailerBuf
			}
			trailer.add(start, start+nameEnd, start+valueStart, start+valueEnd)
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
