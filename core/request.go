package core

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"iter"
	"net"
	"net/url"
	"strings"
	"time"
)

// A Request is one HTTP request as it arrived on a stream. It is parsed in
// place in the stream's read buffer: the []byte values it returns are
// borrowed and valid only until the handler returns, and must not be
// modified. Methods that return strings return copies a handler may keep.
//
// A Request belongs to one handler call. Once that call returns, the
// Request is dead: its methods return zero values, its Body returns
// ErrResponseOver and its Context is cancelled. See "Lifetimes" in the
// package documentation.
type Request struct {
	s *slot

	method   []byte
	target   []byte
	path     []byte // path of the target, still percent-encoded
	rawQuery []byte
	host     []byte

	header  RequestHeader
	trailer *RequestHeader // made for the first trailer field, kept by the slot

	contentLength  int64 // -1 when chunked
	form           TargetForm
	minor          uint8 // HTTP/1.minor
	chunked        bool
	closeAfter     bool // the client asked to close, or HTTP/1.0 without keep-alive
	keepAlive10    bool // HTTP/1.0 with Connection: keep-alive
	expectContinue bool
	upgrade        bool

	body Body

	methodString string
	pathString   string
	query        url.Values

	ctx    context.Context // created on first use
	cancel context.CancelCauseFunc

	pattern    string
	pathValues []pathValue // set by a router; the slice is kept between requests
}

type pathValue struct{ name, value string }

// A TargetForm is the form of a request-target (RFC 9112 section 3.2).
type TargetForm uint8

// The request-target forms.
const (
	OriginForm    TargetForm = iota // "/path?query"
	AbsoluteForm                    // "http://host/path?query", as sent to proxies
	AuthorityForm                   // "host:port", CONNECT only
	AsteriskForm                    // "*", OPTIONS only
)

// reset empties r for the next request, keeping its storage. Everything
// that pointed into the read buffer goes, so a dead Request reads nothing.
//
// Field by field, as ResponseWriter.reset, and for the same reason.
func (r *Request) reset() {
	r.header.reset()
	if r.trailer != nil {
		r.trailer.reset()
	}
	clear(r.pathValues)
	r.method, r.target, r.path, r.rawQuery, r.host = nil, nil, nil, nil, nil
	r.form, r.minor, r.contentLength = 0, 0, 0
	r.chunked, r.closeAfter, r.keepAlive10, r.expectContinue, r.upgrade = false, false, false, false, false
	r.body.s = r.s
	r.methodString, r.pathString, r.query = "", "", nil
	r.ctx, r.cancel = nil, nil
	r.pattern, r.pathValues = "", r.pathValues[:0]
}

// dead reports whether the handler that received r has returned.
func (r *Request) dead() bool { return r.s.live() == nil }

// Method returns the request method. The common methods are returned
// without allocating.
func (r *Request) Method() string {
	if r.methodString == "" && !r.dead() {
		r.methodString = internMethod(r.method)
	}
	return r.methodString
}

func internMethod(m []byte) string {
	for _, known := range [...]string{"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "CONNECT", "TRACE"} {
		if string(m) == known {
			return known
		}
	}
	return string(m)
}

// MethodBytes returns the method (borrowed).
func (r *Request) MethodBytes() []byte { return r.method }

// Target returns the request-target exactly as it was sent.
func (r *Request) Target() string { return string(r.target) }

// TargetBytes returns the request-target as sent (borrowed).
func (r *Request) TargetBytes() []byte { return r.target }

// TargetForm returns the form of the request-target.
func (r *Request) TargetForm() TargetForm { return r.form }

// Path returns the percent-decoded path of the target ("/" for the
// absolute form without a path, "*" for the asterisk form, "" for the
// authority form). The core has checked that every escape is well formed.
func (r *Request) Path() string {
	if r.pathString != "" || len(r.path) == 0 {
		return r.pathString
	}
	c := r.s.live()
	if c == nil {
		return ""
	}
	if bytes.IndexByte(r.path, '%') >= 0 {
		if p, err := url.PathUnescape(string(r.path)); err == nil {
			r.pathString = p
		} else {
			r.pathString = string(r.path)
		}
		return r.pathString
	}
	// Nothing to decode. A stream's requests often repeat a path (a
	// client polling, a health check, a benchmark): the last one's string
	// is reused when the bytes match, and costs no allocation.
	if string(r.path) != c.lastPath {
		c.lastPath = string(r.path)
	}
	r.pathString = c.lastPath
	return r.pathString
}

// RawPath returns the path of the target as sent, still percent-encoded
// (borrowed). Routers that must not decode %2F match on it.
func (r *Request) RawPath() []byte { return r.path }

// RawQuery returns the query of the target without the "?", as sent.
func (r *Request) RawQuery() string { return string(r.rawQuery) }

// Query parses the query on first use. Malformed pairs are skipped, as
// net/url does.
func (r *Request) Query() url.Values {
	if r.query == nil && !r.dead() {
		r.query, _ = url.ParseQuery(string(r.rawQuery))
	}
	return r.query
}

// SetPathValue records the value of a wildcard of the route that matched,
// for PathValue, as net/http's Request.SetPathValue does; routers call it.
// Setting a name again replaces its value. Storage is kept from request to
// request, so a router that sets values allocates nothing for them.
func (r *Request) SetPathValue(name, value string) {
	if r.dead() {
		return
	}
	for i := range r.pathValues {
		if r.pathValues[i].name == name {
			r.pathValues[i].value = value
			return
		}
	}
	r.pathValues = append(r.pathValues, pathValue{name, value})
}

// PathValue returns the value a router recorded for the wildcard name, or
// "" if there is none.
func (r *Request) PathValue(name string) string {
	for i := range r.pathValues {
		if r.pathValues[i].name == name {
			return r.pathValues[i].value
		}
	}
	return ""
}

// SetPattern records the route pattern that matched (such as
// "GET /users/{id}"), for Pattern; routers call it.
func (r *Request) SetPattern(pattern string) {
	if !r.dead() {
		r.pattern = pattern
	}
}

// Pattern returns the route pattern a router recorded, or "". Access logs
// and metrics label requests with it: unlike the path, it has few values.
func (r *Request) Pattern() string { return r.pattern }

// Received returns when the request's head had arrived whole and the
// core began serving it: the instant its receipt's TimeToFirstByte and
// Duration count from, so a span or log line built from the receipt can
// place them on the clock. A pipelined request whose head was already
// buffered when the response before it was done counts from that moment:
// its times include its wait behind that request. It is the zero Time once
// the handler returned.
func (r *Request) Received() time.Time {
	if r.dead() {
		return time.Time{}
	}
	return r.s.start
}

// ProtoMinor returns the minor version: 1 for HTTP/1.1, 0 for HTTP/1.0.
func (r *Request) ProtoMinor() int { return int(r.minor) }

// Proto returns "HTTP/1.1" or "HTTP/1.0".
func (r *Request) Proto() string {
	if r.minor == 0 {
		return "HTTP/1.0"
	}
	return "HTTP/1.1"
}

// Host returns the host the request is for: the authority of an
// absolute-form target, else the Host field.
func (r *Request) Host() string {
	if r.dead() {
		return ""
	}
	return string(r.host)
}

// HostBytes returns Host (borrowed).
func (r *Request) HostBytes() []byte { return r.host }

// Header returns the header fields as they arrived.
func (r *Request) Header() *RequestHeader { return &r.header }

// Trailer returns the trailer fields of a chunked body. It is empty until
// the body has been read to its end. Fields that may not be trailers
// (framing, routing, authentication, ...) are left out.
func (r *Request) Trailer() *RequestHeader {
	if r.trailer == nil {
		return &noFields
	}
	return r.trailer
}

// noFields is the Trailer of every request that has none. RequestHeader
// has no method that changes it, so it can be shared.
var noFields RequestHeader

// trailerTable returns r's trailer table, made on first use.
func (r *Request) trailerTable() *RequestHeader {
	if r.trailer == nil {
		r.trailer = new(RequestHeader)
	}
	return r.trailer
}

// ContentLength returns the declared body length: 0 without a body, -1 for
// a chunked body whose length is known only at its end.
func (r *Request) ContentLength() int64 { return r.contentLength }

// Chunked reports whether the body uses chunked transfer coding.
func (r *Request) Chunked() bool { return r.chunked }

// WantsClose reports whether the client asked to close the stream after
// this request (Connection: close, or HTTP/1.0 without keep-alive).
func (r *Request) WantsClose() bool { return r.closeAfter }

// WantsUpgrade reports whether the request asks for a protocol upgrade
// (Connection: upgrade with an Upgrade field). The core never acts on it:
// the handler may answer with ResponseWriter.Upgrade.
func (r *Request) WantsUpgrade() bool { return r.upgrade }

// SetBodyLimit sets the most this request's body may hold, in place of
// Options.MaxBodyBytes: lower for a route that takes small bodies, higher
// for an upload route, up to Options.MaxBodyBytesCeiling (-1: no limit,
// allowed only when there is no ceiling). Call it before reading the body;
// a body past the limit fails to read with ErrBodyTooLarge and is answered
// 413, as with the server-wide limit. It returns an error, and changes
// nothing, for a limit above the ceiling.
func (r *Request) SetBodyLimit(n int64) error {
	c := r.s.live()
	if c == nil {
		return ErrResponseOver
	}
	ceiling := c.opts.MaxBodyBytesCeiling
	if n < -1 || (ceiling >= 0 && (n < 0 || n > ceiling)) {
		return fmt.Errorf("tophat: body limit %d is above the ceiling of %d (Options.MaxBodyBytesCeiling)", n, ceiling)
	}
	c.in.setLimit(n)
	return nil
}

// Body returns the request body. It reads lazily from the stream; the first
// read answers an "Expect: 100-continue". Whatever the handler leaves
// unread is drained after it returns (up to Options.MaxDrainBytes).
func (r *Request) Body() *Body { return &r.body }

// Cookie returns the value of the first cookie named name in the Cookie
// fields, and whether there was one. The value is a copy.
func (r *Request) Cookie(name string) (string, bool) {
	if r.dead() {
		return "", false
	}
	for n, v := range r.Cookies() {
		if string(n) == name {
			return string(v), true
		}
	}
	return "", false
}

// Cookies iterates over the name=value pairs of every Cookie field, in
// order, without allocating (borrowed slices). Pairs without "=" are
// skipped; a double-quoted value is returned without its quotes.
func (r *Request) Cookies() iter.Seq2[[]byte, []byte] {
	return func(yield func(name, value []byte) bool) {
		h := &r.header
		for i := range h.fields {
			if !equalFold(h.name(i), "Cookie") {
				continue
			}
			for rest := h.value(i); len(rest) > 0; {
				var pair []byte
				if i := bytes.IndexByte(rest, ';'); i >= 0 {
					pair, rest = rest[:i], rest[i+1:]
				} else {
					pair, rest = rest, nil
				}
				pair = trimOWS(pair)
				eq := bytes.IndexByte(pair, '=')
				if eq <= 0 {
					continue
				}
				name, value := trimOWS(pair[:eq]), trimOWS(pair[eq+1:])
				if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
					value = value[1 : len(value)-1]
				}
				if !yield(name, value) {
					return
				}
			}
		}
	}
}

// Context returns the request's context, created on first use (a handler
// that never asks allocates nothing for it). Its parent is
// Options.BaseContext. It is cancelled when the handler returns (cause
// ErrResponseOver), when a write to the stream fails or a body read finds
// the client gone (cause ErrClientGone), when the Server is closed, and,
// where Options.Go allows a background read (Server sets it), when the
// client closes the stream while the handler runs. Server.Shutdown does not
// cancel it, so requests in flight finish; long-lived handlers watch
// ShuttingDown for that.
func (r *Request) Context() context.Context {
	c := r.s.live()
	if c == nil {
		return deadContext
	}
	if r.ctx == nil {
		r.ctx, r.cancel = context.WithCancelCause(c.opts.BaseContext)
		c.watchClient()
	}
	return r.ctx
}

// SetContext replaces the request's context for the handlers r is passed
// to next, as middleware does to carry values or a deadline. Derive ctx
// from Context, so that it is cancelled with the request. It panics if ctx
// is nil.
func (r *Request) SetContext(ctx context.Context) {
	if ctx == nil {
		panic("tophat: Request.SetContext with a nil context")
	}
	if r.dead() {
		return
	}
	if r.ctx == nil {
		r.Context() // so the core can still cancel what ctx derives from
	}
	r.ctx = ctx
}

// cancelContext cancels the context if one was made.
func (r *Request) cancelContext(cause error) {
	if r.cancel != nil {
		r.cancel(cause)
	}
}

// deadContext is the context of a Request whose handler has returned.
var deadContext = func() context.Context {
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(ErrResponseOver)
	return ctx
}()

// ShuttingDown returns a channel that is closed when the Server serving the
// request begins Shutdown. A long-lived handler (server-sent events, a long
// poll) selects on it to end its response, so that Shutdown need not wait
// for it; short handlers can ignore it. It is nil, never ready, outside a
// Server.
func (r *Request) ShuttingDown() <-chan struct{} {
	c := r.s.live()
	if c == nil {
		return closedChannel
	}
	return c.opts.shutdown
}

var closedChannel = func() chan struct{} {
	ch := make(chan struct{})
	close(ch)
	return ch
}()

// RemoteAddr returns the peer's address if the stream knows it, else nil.
func (r *Request) RemoteAddr() net.Addr {
	c := r.s.live()
	if c == nil {
		return nil
	}
	if a, ok := c.rwc.(interface{ RemoteAddr() net.Addr }); ok {
		return a.RemoteAddr()
	}
	return nil
}

// LocalAddr returns the local address if the stream knows it, else nil.
func (r *Request) LocalAddr() net.Addr {
	c := r.s.live()
	if c == nil {
		return nil
	}
	if a, ok := c.rwc.(interface{ LocalAddr() net.Addr }); ok {
		return a.LocalAddr()
	}
	return nil
}

// TLS returns the TLS state of the stream, or nil if it is not TLS (the
// stream has no ConnectionState() tls.ConnectionState method).
func (r *Request) TLS() *tls.ConnectionState {
	c := r.s.live()
	if c == nil {
		return nil
	}
	return c.tlsState()
}

// Stream returns the byte stream the request arrived on, so a handler can
// discover what it offers by interface assertion (peer credentials of a
// Unix socket, for example). Reading or writing it corrupts the exchange;
// take it over with ResponseWriter.Upgrade or Hijack instead. It returns
// nil after the handler has returned.
func (r *Request) Stream() io.ReadWriteCloser {
	c := r.s.live()
	if c == nil {
		return nil
	}
	return c.rwc
}

// String describes the request for logs: method, target and protocol.
func (r *Request) String() string {
	var b strings.Builder
	b.Write(r.method)
	b.WriteByte(' ')
	b.Write(r.target)
	b.WriteByte(' ')
	b.WriteString(r.Proto())
	return b.String()
}

func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}
