package core

import (
	"bytes"
)

// Request parsing, RFC 9112 sections 2 to 7, strict unless an Option says
// otherwise. Every rejection is a *ProtocolError carrying its status; the
// conn turns it into a response in one place (conn.reject).

func bad(reason string) *ProtocolError { return &ProtocolError{Status: 400, Reason: reason} }

var (
	errRequestLineTooLong = &ProtocolError{Status: 414, Reason: "request line longer than the limit"}
	errHeadTooLarge       = &ProtocolError{Status: 431, Reason: "request head larger than the limit"}
	errTooManyFields      = &ProtocolError{Status: 431, Reason: "too many header fields"}
	errVersion            = &ProtocolError{Status: 505, Reason: "HTTP version not supported"}
	errExpectation        = &ProtocolError{Status: 417, Reason: "unsupported expectation"}
	errCodingNotSupported = &ProtocolError{Status: 501, Reason: "transfer coding not implemented"}
	errConnect            = &ProtocolError{Status: 501, Reason: "CONNECT is not served here"}
)

var errBareLF = bad("line not ended by CRLF")

// maxMethodBytes bounds a method: the registered ones are at most 17 bytes
// long, and a long token before the first space is garbage, not a method.
const maxMethodBytes = 32

// headScanner finds the end of a request head in the read buffer without
// rescanning bytes it has seen, so a client trickling bytes costs linear time.
type headScanner struct {
	scanned   int // bytes of the head looked at so far
	lineStart int // where the line being scanned starts
	lineEnd   int // length of the request line including LF, 0 until known
	// The offsets of the LFs ending the lines after the request line, as
	// far as they fit: the parser walks the lines without searching again.
	ends  [scannedLines]int32
	lines int
}

// scannedLines is how many line ends a headScanner keeps; a head with more
// lines is parsed past them by searching.
const scannedLines = 64

// fieldLineEnds returns the line ends the scanner kept.
func (s *headScanner) fieldLineEnds() []int32 { return s.ends[:s.lines] }

// scanHead looks for a complete head at the start of the unread input.
// It returns the head (borrowed, with its final empty line) once complete,
// nil while more input is needed, or an error when a limit is passed.
//
// The head ends at the first empty line after the request line, CRLF or a
// bare LF, found in one pass that looks at each line end once: a head with
// bare LFs is then answered 400 at once by the line parser, which accepts
// only CRLF, rather than left to time out.
func (s *headScanner) scanHead(cr *connReader, maxLine, maxHead int) ([]byte, error) {
	// RFC 9112 section 2.2: ignore empty lines before a request-line.
	for s.scanned == 0 && cr.w-cr.r >= 2 && cr.buf[cr.r] == '\r' && cr.buf[cr.r+1] == '\n' {
		cr.r += 2
	}
	data := cr.buf[cr.r:cr.w]
	if s.lineEnd == 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			return s.checkLimits(data, maxLine, maxHead)
		}
		s.lineEnd = i + 1
		if s.lineEnd > maxLine {
			return nil, tooLongLine(data)
		}
		s.scanned, s.lineStart = s.lineEnd, s.lineEnd
	}
	for {
		i := bytes.IndexByte(data[s.scanned:], '\n')
		if i < 0 {
			break
		}
		end := s.scanned + i // the LF
		if s.lines < len(s.ends) {
			s.ends[s.lines] = int32(end)
			s.lines++
		}
		if n := end - s.lineStart; n == 0 || n == 1 && data[s.lineStart] == '\r' {
			return s.complete(cr, end+1, maxHead)
		}
		s.scanned, s.lineStart = end+1, end+1
	}
	s.scanned = len(data)
	return s.checkLimits(data, maxLine, maxHead)
}

func (s *headScanner) checkLimits(data []byte, maxLine, maxHead int) ([]byte, error) {
	if s.lineEnd == 0 && len(data) > maxLine {
		return nil, tooLongLine(data)
	}
	if len(data) > maxHead {
		return nil, errHeadTooLarge
	}
	return nil, nil
}

func (s *headScanner) complete(cr *connReader, end, maxHead int) ([]byte, error) {
	if end > maxHead {
		return nil, errHeadTooLarge
	}
	head := cr.buf[cr.r : cr.r+end]
	cr.r += end
	cr.floor = cr.r
	return head, nil
}

// tooLongLine tells a long target (414) from garbage (400): a request line
// starts with a short token and a space.
func tooLongLine(data []byte) error {
	sp := bytes.IndexByte(data[:min(len(data), maxMethodBytes+1)], ' ')
	if sp > 0 && isToken(data[:sp]) {
		return errRequestLineTooLong
	}
	return bad("malformed request line")
}

// parseRequest fills req from a complete head (request line, fields, empty
// line) and checks every framing rule before the handler sees it. The
// scanner found the lines' ends already: lineEnd is the request line's
// length with its LF, ends the LFs of the lines after it (see headScanner).
func parseRequest(req *Request, head []byte, lineEnd int, ends []int32, o *Options) error {
	if lineEnd < 2 || head[lineEnd-2] != '\r' {
		return errBareLF
	}
	line, rest := head[:lineEnd-2], head[lineEnd:]
	var err error
	if err := parseRequestLine(req, line, o); err != nil {
		return err
	}
	var (
		hosts, contentLengths int
		teFields              [][]byte
		clValue, hostValue    []byte
	)
	pos := len(head) - len(rest)
	req.header.src = head
	for k := 0; ; k++ {
		lineStart := pos
		if k < len(ends) {
			// The scanner found this line's LF already.
			e := int(ends[k])
			if e == pos || head[e-1] != '\r' {
				return errBareLF
			}
			line, pos = head[pos:e-1], e+1
		} else {
			line, rest, err = nextLine(head[pos:])
			if err != nil {
				return err
			}
			pos = len(head) - len(rest)
		}
		if len(line) == 0 {
			break
		}
		nameEnd, valueStart, valueEnd, err := parseField(line)
		if err != nil {
			return err
		}
		if len(req.header.fields) == o.MaxHeaderFields {
			return errTooManyFields
		}
		req.header.add(lineStart, lineStart+nameEnd, lineStart+valueStart, lineStart+valueEnd)
		name, value := line[:nameEnd], line[valueStart:valueEnd]
		if !namedField[len(name)&31] {
			continue // most fields: no need to compare names
		}
		switch {
		case equalFold(name, "Host"):
			hosts++
			hostValue = value
			if req.form == OriginForm || req.form == AsteriskForm {
				req.host = value
			}
		case equalFold(name, "Content-Length"):
			contentLengths++
			if contentLengths > 1 && (!o.FoldContentLength || !bytes.Equal(value, clValue)) {
				return bad("more than one Content-Length")
			}
			clValue = value
		case equalFold(name, "Transfer-Encoding"):
			teFields = append(teFields, value)
		case equalFold(name, "Connection"):
			parseConnection(req, value)
		case equalFold(name, "Expect"):
			if !equalFold(value, "100-continue") {
				return errExpectation
			}
			req.expectContinue = req.minor >= 1 // RFC 9110 section 10.1.1: ignored on 1.0
		}
	}

	if req.minor >= 1 && hosts != 1 {
		return bad("HTTP/1.1 request needs exactly one Host field")
	}
	if hosts > 1 {
		return bad("more than one Host field")
	}
	if hosts == 1 {
		// An http(s) target has an authority, so the Host that names it is
		// never empty (RFC 9112 section 3.2); an absolute-form target
		// carries its own.
		if !validHost(hostValue, req.form == AbsoluteForm || req.form == AuthorityForm) {
			if len(hostValue) == 0 {
				return bad("empty Host field")
			}
			return bad("malformed Host field")
		}
	}
	if req.minor == 0 {
		req.closeAfter = !req.keepAlive10
	}
	if req.upgrade && !req.header.Has("Upgrade") {
		req.upgrade = false
	}

	switch {
	case len(teFields) > 0 && contentLengths > 0:
		return bad("both Transfer-Encoding and Content-Length")
	case len(teFields) > 0:
		if req.minor == 0 {
			return bad("Transfer-Encoding in an HTTP/1.0 request")
		}
		if err := parseTransferEncoding(teFields); err != nil {
			return err
		}
		req.chunked = true
		req.contentLength = -1
	case contentLengths > 0:
		n, err := parseContentLength(clValue, o.FoldContentLength)
		if err != nil {
			return err
		}
		if o.MaxBodyBytesCeiling >= 0 && n > o.MaxBodyBytesCeiling {
			return ErrBodyTooLarge
		}
		req.contentLength = n
	}
	return nil
}

// namedField marks the lengths of the field names the core acts on: in a
// request Host, Expect, Connection, Content-Length and Transfer-Encoding,
// in a response the last three and Date. A name of another length needs
// no comparison.
var namedField = func() (t [32]bool) {
	for _, n := range []string{"Host", "Expect", "Connection", "Content-Length", "Transfer-Encoding", "Date"} {
		t[len(n)] = true
	}
	return t
}()

// nextLine splits off the next line, which must end in CRLF.
func nextLine(b []byte) (line, rest []byte, err error) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return nil, nil, bad("unterminated line") // cannot happen for a scanned head
	}
	if i == 0 || b[i-1] != '\r' {
		return nil, nil, errBareLF
	}
	// A CR inside the line is rejected by the parser of the line: it is no
	// token character, no target character and no field-value character.
	return b[:i-1], b[i+1:], nil
}

// parseRequestLine checks each byte of the method and of the target once,
// in the pass that finds the space after each.
func parseRequestLine(req *Request, line []byte, o *Options) error {
	sp1 := 0
	for sp1 < len(line) && tokenTable[line[sp1]] {
		sp1++
	}
	switch {
	case sp1 == 0 || sp1 == len(line):
		return bad("malformed request line")
	case line[sp1] != ' ' || sp1 > maxMethodBytes:
		return bad("malformed method")
	}
	var t targetScan
	sp2 := t.scan(line, sp1+1)
	switch {
	case sp2 == len(line):
		return bad("malformed request line")
	case line[sp2] != ' ':
		// A byte no target holds. The version after the space is judged
		// first, as when the line is split before the target is checked.
		sp := bytes.IndexByte(line[sp2:], ' ')
		if sp < 0 {
			return bad("malformed request line")
		}
		if _, err := parseVersion(line[sp2+sp+1:]); err != nil {
			return err
		}
		return bad("invalid character in request-target")
	case sp2 == sp1+1:
		return bad("malformed request line")
	}
	minor, err := parseVersion(line[sp2+1:])
	if err != nil {
		return err
	}
	req.method, req.target, req.minor = line[:sp1], line[sp1+1:sp2], uint8(minor)
	return parseTarget(req, o, &t)
}

// targetScan is what the request line's single pass over the target
// learned: offsets are from the target's start.
type targetScan struct {
	query    int  // the first '?', or -1
	brackets bool // a '[' or ']'
	percent  bool // a '%'
}

// scan walks line from start while its bytes are target characters and
// returns where it stopped.
func (t *targetScan) scan(line []byte, start int) int {
	t.query = -1
	i := start
	for ; i < len(line); i++ {
		c := line[i]
		if !targetTable[c] {
			break
		}
		switch c {
		case '?':
			if t.query < 0 {
				t.query = i - start
			}
		case '%':
			t.percent = true
		case '[', ']':
			t.brackets = true
		}
	}
	return i
}

// parseVersion accepts HTTP/1.0 and HTTP/1.1. Higher 1.x minors are served
// as 1.1 (RFC 9110 section 6.2); other well-formed versions are 505.
func parseVersion(v []byte) (int, error) {
	if len(v) != 8 || string(v[:5]) != "HTTP/" || !isDigit(v[5]) || v[6] != '.' || !isDigit(v[7]) {
		return 0, bad("malformed HTTP version")
	}
	if v[5] != '1' {
		return 0, errVersion
	}
	return min(int(v[7]-'0'), 1), nil
}

// parseTarget sorts out the form of req.target, whose bytes scan checked.
func parseTarget(req *Request, o *Options, scan *targetScan) error {
	t := req.target
	connect := string(req.method) == "CONNECT"
	switch {
	case connect:
		if !o.AllowConnect {
			return errConnect
		}
		if !validHost(t, false) || bytes.LastIndexByte(t, ':') < 0 {
			return bad("CONNECT needs host:port")
		}
		req.form, req.host = AuthorityForm, t
		return nil
	case t[0] == '/':
		if scan.brackets {
			return bad("invalid character in request-target") // only an IP literal in an authority has them
		}
		req.form, req.path = OriginForm, t
		if scan.query >= 0 {
			req.path, req.rawQuery = t[:scan.query], t[scan.query+1:]
		}
		if scan.percent {
			return checkEscapes(t)
		}
		return nil
	case len(t) == 1 && t[0] == '*':
		if string(req.method) != "OPTIONS" {
			return bad("asterisk-form is for OPTIONS only")
		}
		req.form, req.path = AsteriskForm, t
		return nil
	}
	var authority []byte
	switch {
	case hasPrefixFold(t, "http://"):
		authority = t[len("http://"):]
	case hasPrefixFold(t, "https://"):
		authority = t[len("https://"):]
	default:
		return bad("malformed request-target")
	}
	end := len(authority)
	if i := bytes.IndexAny(authority, "/?"); i >= 0 {
		end = i
	}
	host, pathQuery := authority[:end], authority[end:]
	if bytes.ContainsAny(pathQuery, "[]") {
		return bad("invalid character in request-target")
	}
	if len(host) == 0 || !validHost(host, true) {
		return bad("malformed authority in request-target")
	}
	req.form, req.host = AbsoluteForm, host
	if len(pathQuery) == 0 || pathQuery[0] == '?' {
		req.path = slash
		if len(pathQuery) > 0 {
			req.rawQuery = pathQuery[1:]
		}
		return checkEscapes(req.rawQuery)
	}
	return splitPathQuery(req, pathQuery)
}

var slash = []byte("/")

func splitPathQuery(req *Request, b []byte) error {
	path := b
	if i := bytes.IndexByte(b, '?'); i >= 0 {
		path, req.rawQuery = b[:i], b[i+1:]
	}
	req.path = path
	return checkEscapes(b)
}

// checkEscapes rejects a "%" not followed by two hex digits.
func checkEscapes(b []byte) error {
	for i := 0; i < len(b); i++ {
		if b[i] == '%' {
			if i+2 >= len(b) || !isHex(b[i+1]) || !isHex(b[i+2]) {
				return bad("malformed percent-encoding in request-target")
			}
		}
	}
	return nil
}

// parseField splits "name: value", rejecting obs-fold, whitespace before
// the colon, invalid name characters and control bytes in the value. The
// name is line[:nameEnd], the value line[valueStart:valueEnd].
func parseField(line []byte) (nameEnd, valueStart, valueEnd int, err error) {
	if line[0] == ' ' || line[0] == '\t' {
		return 0, 0, 0, bad("obsolete line folding")
	}
	// One pass finds the colon and checks the name: every byte before it
	// must be a token character, which also refuses whitespace before it.
	i := 0
	for i < len(line) && tokenTable[line[i]] {
		i++
	}
	if i == len(line) || line[i] != ':' {
		return 0, 0, 0, bad("malformed header field name")
	}
	if i == 0 {
		return 0, 0, 0, bad("empty header field name")
	}
	// The value without the whitespace around it (OWS).
	start, end := i+1, len(line)
	for start < end && (line[start] == ' ' || line[start] == '\t') {
		start++
	}
	for end > start && (line[end-1] == ' ' || line[end-1] == '\t') {
		end--
	}
	if !validFieldValue(line[start:end]) {
		return 0, 0, 0, bad("invalid character in header field value")
	}
	return i, start, end, nil
}

func parseConnection(req *Request, value []byte) {
	if bytes.IndexByte(value, ',') < 0 {
		connectionOption(req, value) // one option, as browsers send: no list to walk
		return
	}
	for opt := range listElements(value) {
		connectionOption(req, opt)
	}
}

func connectionOption(req *Request, opt []byte) {
	switch {
	case equalFold(opt, "close"):
		req.closeAfter = true
	case equalFold(opt, "keep-alive"):
		req.keepAlive10 = true
	case equalFold(opt, "upgrade"):
		req.upgrade = true
	}
}

// parseTransferEncoding accepts only codings that end in exactly one
// "chunked" (RFC 9112 section 6.3); the only coding the core decodes is
// chunked, so any other before it is 501. Empty list elements, which RFC
// 9110 section 5.6.1 lets recipients skip, are refused here: this field
// decides where the body ends, and a proxy that reads "chunked," or an
// empty field differently from us would frame the stream differently.
func parseTransferEncoding(fields [][]byte) error {
	var codings, chunked int
	var last []byte
	other := false
	for _, v := range fields {
		if len(v) == 0 || v[0] == ',' || v[len(v)-1] == ',' {
			return bad("empty element in Transfer-Encoding")
		}
		for coding := range listElements(v) {
			if len(coding) == 0 {
				return bad("empty element in Transfer-Encoding")
			}
			if !isToken(coding) {
				return bad("malformed Transfer-Encoding")
			}
			codings++
			if equalFold(coding, "chunked") {
				chunked++
			} else {
				other = true
			}
			last = coding
		}
	}
	switch {
	case codings == 0:
		return bad("empty Transfer-Encoding")
	case !equalFold(last, "chunked"):
		return bad("Transfer-Encoding does not end in chunked")
	case chunked > 1:
		return bad("chunked applied more than once")
	case other:
		return errCodingNotSupported
	}
	return nil
}

func parseContentLength(v []byte, fold bool) (int64, error) {
	if fold && bytes.IndexByte(v, ',') >= 0 {
		var first []byte
		for e := range listElements(v) {
			if first == nil {
				first = e
			} else if !bytes.Equal(e, first) {
				return 0, bad("conflicting Content-Length values")
			}
		}
		v = first
	}
	// 18 digits cannot overflow an int64.
	if len(v) == 0 || len(v) > 18 {
		return 0, bad("malformed Content-Length")
	}
	var n int64
	for _, c := range v {
		if !isDigit(c) {
			return 0, bad("malformed Content-Length")
		}
		n = n*10 + int64(c-'0')
	}
	return n, nil
}

// listElements yields the comma-separated elements of a field value with
// surrounding whitespace removed (RFC 9110 section 5.6.1).
func listElements(v []byte) func(yield func([]byte) bool) {
	return func(yield func([]byte) bool) {
		for len(v) > 0 {
			e := v
			if i := bytes.IndexByte(v, ','); i >= 0 {
				e, v = v[:i], v[i+1:]
			} else {
				v = nil
			}
			if !yield(trimOWS(e)) {
				return
			}
		}
	}
}

// validHost checks host[:port] (RFC 3986 authority without userinfo). An
// empty host is allowed in a Host field when the target has no authority.
func validHost(h []byte, allowEmpty bool) bool {
	if len(h) == 0 {
		return allowEmpty
	}
	i := 0
	if h[0] == '[' {
		end := bytes.IndexByte(h, ']')
		if end < 2 {
			return false
		}
		for _, c := range h[1:end] {
			if !isHex(c) && c != ':' && c != '.' {
				return false
			}
		}
		i = end + 1
	} else {
		for i < len(h) && h[i] != ':' {
			c := h[i]
			switch {
			case regNameTable[c]:
			case c == '%' && i+2 < len(h) && isHex(h[i+1]) && isHex(h[i+2]):
				i += 2
			default:
				return false
			}
			i++
		}
		if i == 0 {
			return false
		}
	}
	if i == len(h) {
		return true
	}
	if h[i] != ':' {
		return false
	}
	for _, c := range h[i+1:] {
		if !isDigit(c) {
			return false
		}
	}
	return true
}

func hasPrefixFold(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && equalFold(b[:len(prefix)], prefix)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isHex(c byte) bool   { return isDigit(c) || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F') }
func isAlnum(c byte) bool {
	return isDigit(c) || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

// regNameTable marks the bytes of a host name other than percent-escapes:
// unreserved and sub-delims (RFC 3986 section 3.2.2).
var regNameTable = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = isAlnum(byte(c))
	}
	for _, c := range []byte("-._~!$&'()*+,;=") {
		t[c] = true
	}
	return t
}()

// tokenTable marks tchar (RFC 9110 section 5.6.2).
var tokenTable = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = isAlnum(byte(c))
	}
	for _, c := range []byte("!#$%&'*+-.^_`|~") {
		t[c] = true
	}
	return t
}()

// targetTable marks the bytes a request-target may hold (RFC 3986 section
// 2 via RFC 9112 section 3.2): unreserved, sub-delims, ":", "@", "/", "?",
// "%" (checked for escapes apart), and "[" "]" for an IP literal in an
// absolute-form authority. Everything else, '"', '<', '\', '{', '|', '^'
// and '`' among them, is 400: clients percent-encode it, and an
// intermediary that does so while we do not would see another target.
var targetTable = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = isAlnum(byte(c))
	}
	for _, c := range []byte("-._~!$&'()*+,;=:@/?%[]") {
		t[c] = true
	}
	return t
}()

// valueTable marks field-vchar, SP and HTAB (RFC 9110 section 5.5):
// everything but the controls, so no CR, LF or NUL.
var valueTable = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = c >= ' ' && c != 0x7f
	}
	t['\t'] = true
	return t
}()

// validFieldValue reports whether every byte of v is allowed in a field
// value (valueTable), request or response: no CR, LF, NUL or other
// control, which would let a value end the field or the head (request
// smuggling, response splitting). It looks at eight bytes at a time: a
// word with no control byte (below 0x20, or 0x7F) passes whole, and only a
// word that may hold one, such as a tab, is checked byte by byte.
func validFieldValue[T ~string | ~[]byte](v T) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for len(v) >= 8 {
		x := uint64(v[0]) | uint64(v[1])<<8 | uint64(v[2])<<16 | uint64(v[3])<<24 |
			uint64(v[4])<<32 | uint64(v[5])<<40 | uint64(v[6])<<48 | uint64(v[7])<<56
		below := (x - 0x20*ones) &^ x & highs // some byte < 0x20 (bytes >= 0x80 never flag)
		y := x ^ 0x7f*ones
		del := (y - ones) &^ y & highs // some byte == 0x7F
		if below|del != 0 {
			break
		}
		v = v[8:]
	}
	for i := 0; i < len(v); i++ {
		if !valueTable[v[i]] {
			return false
		}
	}
	return true
}

func isToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !tokenTable[c] {
			return false
		}
	}
	return true
}
