package compress

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/negotiate"
)

// New returns a middleware that compresses response bodies as cfg says.
// A Config that Validate refuses is refused here with the same error.
func New(cfg Config) (core.Middleware, error) {
	m, err := newMiddleware(cfg)
	if err != nil {
		return nil, err
	}
	return m.wrap, nil
}

// middleware is one New's worth of state, shared by every request.
type middleware struct {
	cfg     Config
	minSize int64
	skip    []mediaRange
	// offers are the configured codings in preference order, then
	// "identity", which loses every tie: a client that weighs a coding as
	// much as no coding gets it compressed.
	offers []string
	// coding[i] is the index in codings of offers[i]; -1 for identity.
	coding []int
	// filters[i] is the BodyFilter for offers[i], made once so that
	// installing one per request allocates nothing.
	filters []core.BodyFilter
	pools   []*sync.Pool // by index in codings; nil where not offered
}

func newMiddleware(cfg Config) (*middleware, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m := &middleware{cfg: cfg, minSize: cfg.MinSize, pools: make([]*sync.Pool, len(codings))}
	if m.minSize == 0 {
		m.minSize = DefaultMinSize
	}
	skip := cfg.SkipTypes
	if skip == nil {
		skip = DefaultSkipTypes
	}
	for _, s := range skip {
		r, _ := parseMediaRange(s) // Validate checked it
		m.skip = append(m.skip, r)
	}
	names := cfg.Encodings
	if names == nil {
		names = DefaultEncodings
	}
	for _, name := range names {
		i := codingIndex(name)
		pool, err := newPool(i, &m.cfg)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrInvalidConfig, name, err)
		}
		m.pools[i] = pool
		m.offers = append(m.offers, name)
		m.coding = append(m.coding, i)
	}
	m.offers = append(m.offers, "identity")
	m.coding = append(m.coding, -1)
	for _, i := range m.coding {
		m.filters = append(m.filters, m.filter(i))
	}
	return m, nil
}

func (m *middleware) wrap(next core.Handler) core.Handler {
	return core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		// The core never filters the answer to HEAD, so there is nothing
		// to negotiate.
		if string(req.MethodBytes()) != "HEAD" {
			var i int
			if first, joined := acceptEncoding(req.Header()); joined != "" {
				i = m.choose(joined)
			} else {
				// Converted here, where the string does not escape, so
				// that a usual field needs no allocation.
				i = m.choose(string(first))
			}
			w.SetBodyFilter(m.filters[i])
		}
		return next.Serve(req, w)
	})
}

// choose returns the index in m.offers of the coding to use for a request
// whose Accept-Encoding fields, joined, are accept: the acceptable one of
// highest weight, ties going to the server's order. When nothing offered is
// acceptable (a client that refuses identity and every coding we have), the
// body goes out as it is: RFC 9110 section 12.5.3 prefers that to an error.
func (m *middleware) choose(accept string) int {
	chosen := negotiate.Encoding(accept, m.offers...)
	for i, o := range m.offers {
		if o == chosen {
			return i
		}
	}
	return len(m.offers) - 1
}

var acceptEncodingName = []byte("Accept-Encoding")

// acceptEncoding returns the request's Accept-Encoding field (borrowed),
// or, when there are several, their values joined as one list, as RFC
// 9110 section 5.3 says they mean.
func acceptEncoding(h *core.RequestHeader) (first []byte, joined string) {
	found := false
	for i := range h.Len() {
		name, value := h.Field(i)
		if !bytes.EqualFold(name, acceptEncodingName) {
			continue
		}
		switch {
		case !found:
			first, found = value, true
		case joined == "":
			joined = string(first) + ", " + string(value)
		default:
			joined += ", " + string(value)
		}
	}
	return first, joined
}

// filter returns the BodyFilter of coding i (-1: identity). Every
// filter, identity's too, adds Vary: Accept-Encoding to a response it
// could have compressed, because that response would have differed for
// another client; identity's then leaves the body alone.
func (m *middleware) filter(i int) core.BodyFilter {
	return func(status int, h *core.Header, length int64, dst io.Writer) io.WriteCloser {
		if !m.compressible(status, h, length) {
			return nil
		}
		addVary(h)
		if i < 0 {
			return nil
		}
		h.Set("Content-Encoding", codings[i].name)
		// Ranges of the compressed bytes are not ranges of the identity
		// body a later Range request gets (this middleware skips 206).
		h.Del("Accept-Ranges")
		weakenETag(h)
		p := m.pools[i].Get().(*pooled)
		p.start(dst)
		return p
	}
}

// compressible reports whether a response may be compressed: not already
// encoded, not a range, not marked no-transform, long enough and of a type
// not in the skip list.
func (m *middleware) compressible(status int, h *core.Header, length int64) bool {
	if status == 206 || h.Has("Content-Encoding") || h.Has("Content-Range") {
		return false
	}
	if length < 0 {
		// Begin after setting Content-Length: the length is known after
		// all (the core has checked the field).
		if cl := h.Get("Content-Length"); cl != "" {
			if n, err := strconv.ParseInt(cl, 10, 64); err == nil {
				length = n
			}
		}
	}
	if length >= 0 && length < m.minSize {
		return false
	}
	for name, value := range h.All() {
		// A response marked no-transform asks that its bytes reach the
		// client as they are (RFC 9111 section 5.2.2.6).
		if strings.EqualFold(name, "Cache-Control") && hasToken(value, "no-transform") {
			return false
		}
	}
	return !m.skipped(h.Get("Content-Type"))
}

// skipped reports whether the media type of a Content-Type value is in the
// skip list. A response without a type is compressed.
func (m *middleware) skipped(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	typ, sub, ok := strings.Cut(strings.TrimSpace(mt), "/")
	if !ok {
		return false
	}
	for _, r := range m.skip {
		if r.matches(typ, sub) {
			return true
		}
	}
	return false
}

// addVary adds Accept-Encoding to Vary, merging it into the fields a
// handler set (as one field, for caches that read only the first) unless
// they name it already or vary on everything ("*").
func addVary(h *core.Header) {
	var merged []string
	for name, value := range h.All() {
		if !strings.EqualFold(name, "Vary") {
			continue
		}
		if hasToken(value, "Accept-Encoding") || hasToken(value, "*") {
			return
		}
		if v := strings.TrimSpace(value); v != "" {
			merged = append(merged, v)
		}
	}
	if merged == nil {
		h.Set("Vary", "Accept-Encoding")
		return
	}
	h.Set("Vary", strings.Join(merged, ", ")+", Accept-Encoding")
}

// weakenETag turns a strong ETag into a weak one: the compressed body is
// not byte for byte the identity one, so the strong validator would be a
// lie (RFC 9110 section 8.8.3), yet the two are equivalent, which is what a
// weak validator says, so If-None-Match still gets 304s.
func weakenETag(h *core.Header) {
	if etag := h.Get("ETag"); strings.HasPrefix(etag, `"`) {
		h.Set("ETag", "W/"+etag)
	}
}

// hasToken reports whether the comma-separated list value has an element
// equal to token, ignoring case and any parameters after '='.
func hasToken(value, token string) bool {
	for value != "" {
		var elem string
		elem, value, _ = strings.Cut(value, ",")
		elem, _, _ = strings.Cut(elem, "=")
		if strings.EqualFold(strings.TrimSpace(elem), token) {
			return true
		}
	}
	return false
}
