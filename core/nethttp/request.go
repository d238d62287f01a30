package nethttp

import (
	"context"
	"io"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/tophat-go/tophat/core"
)

// newRequest builds the *http.Request a net/http handler sees for req, as
// net/http's own server would: canonical header keys without Host, the
// request-target in RequestURI and URL, the body through the core's reader
// (its limits, its errors), the stream's addresses and TLS state, and the
// request's context.
func newRequest(req *core.Request, rw *responseWriter) (*http.Request, error) {
	target := req.Target()
	u, err := parseTarget(req.Method(), target)
	if err != nil {
		return nil, err
	}
	hr := &http.Request{
		Method:     req.Method(),
		URL:        u,
		Proto:      req.Proto(),
		ProtoMajor: 1,
		ProtoMinor: req.ProtoMinor(),
		Header:     header(req.Header()),
		Host:       req.Host(),
		RequestURI: target,
		Close:      req.WantsClose(),
		TLS:        req.TLS(),
	}
	if a := req.RemoteAddr(); a != nil {
		hr.RemoteAddr = a.String()
	}
	var b *body
	switch {
	case req.Chunked():
		hr.ContentLength = -1
		hr.TransferEncoding = []string{"chunked"}
		hr.Trailer = declaredTrailers(hr.Header)
		b = &body{b: req.Body(), req: req, rw: rw}
	case req.ContentLength() > 0:
		hr.ContentLength = req.ContentLength()
		b = &body{b: req.Body(), req: req, rw: rw}
	default:
		hr.Body = http.NoBody
	}
	if b != nil {
		hr.Body = b
	}
	ctx := req.Context()
	if a := req.LocalAddr(); a != nil {
		ctx = context.WithValue(ctx, http.LocalAddrContextKey, a)
	}
	// http.Request keeps its context unexported; WithContext is the one way
	// in, at the price of a second Request.
	hr = hr.WithContext(ctx)
	if b != nil {
		b.hr = hr // the copy the handler sees gets the trailers
	}
	return hr, nil
}

// parseTarget parses the request-target as net/http's server does: an
// authority-form target (CONNECT) becomes a URL with only a Host.
func parseTarget(method, target string) (*url.URL, error) {
	if method == "CONNECT" && !strings.HasPrefix(target, "/") {
		u, err := url.ParseRequestURI("http://" + target)
		if err != nil {
			return nil, err
		}
		u.Scheme = ""
		return u, nil
	}
	return url.ParseRequestURI(target)
}

// header converts the request's fields into an http.Header with canonical
// keys, leaving Host out as net/http does (it is Request.Host). The values
// share one backing array, as net/textproto's reader arranges, so a request
// costs one []string, not one per field.
func header(rh *core.RequestHeader) http.Header {
	n := rh.Len()
	h := make(http.Header, n)
	values := make([]string, 0, n)
	for name, value := range rh.All() {
		if len(name) == 4 && strings.EqualFold(string(name), "Host") {
			continue
		}
		key := textproto.CanonicalMIMEHeaderKey(string(name))
		v := string(value)
		if old, ok := h[key]; ok {
			h[key] = append(old, v) // a repeated field: rare, may copy
			continue
		}
		values = append(values, v)
		h[key] = values[len(values)-1 : len(values) : len(values)]
	}
	return h
}

// declaredTrailers returns the trailer keys the request's Trailer field
// announces, with nil values until the body is read, as net/http does; nil
// when none are announced.
func declaredTrailers(h http.Header) http.Header {
	var t http.Header
	for _, v := range h["Trailer"] {
		for name := range strings.SplitSeq(v, ",") {
			name = textproto.TrimString(name)
			if name == "" {
				continue
			}
			if t == nil {
				t = make(http.Header)
			}
			t[textproto.CanonicalMIMEHeaderKey(name)] = nil
		}
	}
	return t
}

// body is the http.Request's Body: the core's Body, plus what net/http's
// callers expect of one (Close, http.ErrBodyReadAfterClose, Trailer filled
// at EOF, the handler's read deadline).
type body struct {
	b      *core.Body
	req    *core.Request
	hr     *http.Request
	rw     *responseWriter
	closed bool
	eof    bool
}

func (b *body) Read(p []byte) (int, error) {
	if b.rw.done {
		return 0, ErrHandlerReturned // without touching the core's dead handle
	}
	if b.closed {
		return 0, http.ErrBodyReadAfterClose
	}
	if b.eof {
		return 0, io.EOF
	}
	if err := b.rw.deadlines.checkRead(); err != nil {
		return 0, err
	}
	n, err := b.b.Read(p)
	if err == io.EOF {
		b.eof = true
		b.fillTrailer()
	}
	return n, err
}

// Close marks the body closed. What is left unread is the core's to drain
// (or to close the stream over) once the handler returns.
func (b *body) Close() error {
	b.closed = true
	return nil
}

// fillTrailer copies the trailer fields that arrived after the last chunk.
// The core keeps out fields that may not be trailers.
func (b *body) fillTrailer() {
	t := b.req.Trailer()
	if t.Len() == 0 {
		return
	}
	if b.hr.Trailer == nil {
		b.hr.Trailer = make(http.Header, t.Len())
	}
	for name, value := range t.All() {
		key := textproto.CanonicalMIMEHeaderKey(string(name))
		b.hr.Trailer[key] = append(b.hr.Trailer[key], string(value))
	}
}

// deadlines holds what the handler set with http.ResponseController before
// the stream was taken over. The core times every read and write of the
// exchange itself (Options.BodyReadTimeout and WriteTimeout, inactivity
// timeouts), so a handler's deadline cannot move the stream's own; it is
// checked before each body read and response write instead, so an
// operation that starts after it fails as net/http's would. An operation
// already blocked is bounded by the core's timeout.
type deadlines struct {
	read, write time.Time
}

func (d *deadlines) checkRead() error  { return expired(d.read) }
func (d *deadlines) checkWrite() error { return expired(d.write) }

func expired(t time.Time) error {
	if !t.IsZero() && !time.Now().Before(t) {
		return os.ErrDeadlineExceeded
	}
	return nil
}
