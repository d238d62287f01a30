package cors

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tophat-go/tophat/core"
)

// Config says which cross-origin requests a server accepts. The zero value
// allows no origin; set AllowOrigins or AllowOriginFunc.
type Config struct {
	// AllowOrigins lists the origins allowed, as browsers serialize them:
	// "https://example.com", "http://localhost:8080", or "null" (which
	// sandboxed documents and local files send; allow it with care). The
	// single entry "*" allows every origin and cannot be combined with
	// AllowCredentials.
	AllowOrigins []string
	// AllowOriginFunc, if set, allows an origin that AllowOrigins does not
	// list when it returns true. It sees the Origin field as sent.
	AllowOriginFunc func(origin string) bool

	// AllowMethods lists the methods a preflight may ask for, case
	// sensitive as methods are. The CORS-safelisted GET, HEAD and POST are
	// always allowed. "*" allows every method.
	AllowMethods []string
	// AllowHeaders lists the request header fields a preflight may ask for,
	// matched without regard to case. "*" allows every field (Authorization
	// included: the allowed fields are echoed by name, never as "*").
	AllowHeaders []string
	// ExposeHeaders lists the response header fields, beyond the
	// CORS-safelisted ones, that scripts may read.
	ExposeHeaders []string
	// AllowCredentials lets scripts send cookies and HTTP authentication
	// and read the response. The allowed origin is then echoed, never "*".
	AllowCredentials bool
	// MaxAge is how long a browser may cache a preflight's answer, sent in
	// whole seconds. Zero sends none (browsers then cache for 5 seconds).
	// Browsers cap it (Chromium at 2 hours, Firefox at 24).
	MaxAge time.Duration
	// AllowPrivateNetwork answers Private Network Access preflights (a
	// public site calling a server on a private address), which carry
	// Access-Control-Request-Private-Network, with
	// Access-Control-Allow-Private-Network.
	AllowPrivateNetwork bool
}

// Validate reports the first field of c that makes no sense: an origin that
// is no serialized origin, a "*" mixed with names or with AllowCredentials,
// a method or field name that is no token, a negative MaxAge. It does not
// repair anything: a configuration that says one thing and would do another
// is refused.
func (c *Config) Validate() error {
	if c == nil {
		return fmt.Errorf("cors: nil Config")
	}
	for _, o := range c.AllowOrigins {
		if o == "*" {
			if len(c.AllowOrigins) > 1 {
				return fmt.Errorf("cors: AllowOrigins mixes \"*\" with origins")
			}
			if c.AllowCredentials {
				return fmt.Errorf("cors: AllowOrigins \"*\" with AllowCredentials would let every site act as the user; list the origins or use AllowOriginFunc")
			}
			continue
		}
		if err := checkOrigin(o); err != nil {
			return err
		}
	}
	if err := checkList("AllowMethods", c.AllowMethods); err != nil {
		return err
	}
	if err := checkList("AllowHeaders", c.AllowHeaders); err != nil {
		return err
	}
	if err := checkList("ExposeHeaders", c.ExposeHeaders); err != nil {
		return err
	}
	if c.AllowCredentials && slices.Contains(c.ExposeHeaders, "*") {
		// With credentials the Fetch standard reads "*" as a field name.
		return fmt.Errorf("cors: ExposeHeaders \"*\" means nothing with AllowCredentials; list the fields")
	}
	if c.MaxAge < 0 {
		return fmt.Errorf("cors: MaxAge is negative (%v)", c.MaxAge)
	}
	return nil
}

// checkOrigin accepts what a browser sends as Origin: "null", or
// scheme://host[:port] in lower case with nothing after it.
func checkOrigin(o string) error {
	if o == "null" {
		return nil
	}
	u, err := url.Parse(o)
	if err != nil || u.Scheme == "" || u.Host == "" || u.User != nil || u.Path != "" ||
		u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(o, "?") || strings.HasSuffix(o, "#") {
		return fmt.Errorf("cors: AllowOrigins entry %q is not an origin (scheme://host[:port], no path)", o)
	}
	if o != strings.ToLower(o) {
		return fmt.Errorf("cors: AllowOrigins entry %q is not in lower case, as browsers send origins", o)
	}
	return nil
}

func checkList(field string, list []string) error {
	for _, v := range list {
		if v == "*" {
			if len(list) > 1 {
				return fmt.Errorf("cors: %s mixes \"*\" with names", field)
			}
			continue
		}
		if !isToken(v) {
			return fmt.Errorf("cors: %s entry %q is not a token", field, v)
		}
	}
	return nil
}

// isToken reports whether s is an RFC 9110 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0 {
			continue
		}
		return false
	}
	return true
}

// policy is a validated Config with its answers prepared once.
type policy struct {
	anyOrigin    bool
	origins      map[string]struct{}
	originFunc   func(string) bool
	anyMethod    bool
	methods      []string
	methodsValue string // Access-Control-Allow-Methods, when not echoed
	anyHeader    bool
	headers      []string // lower case
	expose       string
	credentials  bool
	maxAge       string
	pna          bool
	// varies says whether the answer depends on Origin. Only a "*" answer,
	// the same for every origin, does not.
	varies bool
	// preflightVary is the Vary of a preflight answer.
	preflightVary string
}

// New returns a middleware that applies cfg, or the error of cfg.Validate.
//
// The middleware answers preflights itself (see the package documentation)
// and lets every other request through to the handler, adding the CORS
// fields when its origin is allowed.
func New(cfg Config) (core.Middleware, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	p := &policy{
		origins:     make(map[string]struct{}, len(cfg.AllowOrigins)),
		originFunc:  cfg.AllowOriginFunc,
		expose:      strings.Join(cfg.ExposeHeaders, ", "),
		credentials: cfg.AllowCredentials,
		pna:         cfg.AllowPrivateNetwork,
	}
	for _, o := range cfg.AllowOrigins {
		if o == "*" {
			p.anyOrigin = true
		}
		p.origins[o] = struct{}{}
	}
	p.varies = !p.anyOrigin
	if slices.Contains(cfg.AllowMethods, "*") {
		p.anyMethod = true
	} else {
		p.methods = slices.Clone(cfg.AllowMethods)
		p.methodsValue = strings.Join(p.methods, ", ")
	}
	if slices.Contains(cfg.AllowHeaders, "*") {
		p.anyHeader = true
	} else {
		for _, h := range cfg.AllowHeaders {
			p.headers = append(p.headers, strings.ToLower(h))
		}
	}
	if cfg.MaxAge > 0 {
		p.maxAge = strconv.FormatInt(int64(cfg.MaxAge/time.Second), 10)
	}
	vary := []string{"Access-Control-Request-Method", "Access-Control-Request-Headers"}
	if p.varies {
		vary = append([]string{"Origin"}, vary...)
	}
	if p.pna {
		vary = append(vary, "Access-Control-Request-Private-Network")
	}
	p.preflightVary = strings.Join(vary, ", ")
	return p.middleware, nil
}

func (p *policy) middleware(next core.Handler) core.Handler {
	return core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		h := req.Header()
		if req.Method() == "OPTIONS" && h.Has("Origin") && h.Has("Access-Control-Request-Method") {
			return p.preflight(req, w)
		}
		p.actual(req, w)
		return next.Serve(req, w)
	})
}

// origin returns the request's origin and whether it is allowed. A request
// with several Origin fields, or one that is a list, is not allowed: no
// browser sends that.
func (p *policy) origin(req *core.Request) (string, bool) {
	n := 0
	var origin []byte
	for name, value := range req.Header().All() {
		if strings.EqualFold(string(name), "Origin") {
			n++
			origin = value
		}
	}
	if n != 1 || len(origin) == 0 || strings.ContainsAny(string(origin), ", ") {
		return "", false
	}
	o := string(origin)
	if p.anyOrigin {
		return o, true
	}
	if _, ok := p.origins[o]; ok {
		return o, true
	}
	if p.originFunc != nil && p.originFunc(o) {
		return o, true
	}
	return "", false
}

// allowOrigin sets the fields every allowed answer carries.
func (p *policy) allowOrigin(w *core.ResponseWriter, origin string) {
	h := w.Header()
	if p.anyOrigin {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Set("Access-Control-Allow-Origin", origin)
	}
	if p.credentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
}

// actual adds the CORS fields to a request that is not a preflight. The
// answer of a list or a predicate depends on Origin, so even a response to a
// request without one says Vary: Origin, or a cache could hand it to a
// cross-origin request.
//
// Allowing every origin, the answer is "*" whatever Origin says (or if it
// is missing), so it does not vary.
func (p *policy) actual(req *core.Request, w *core.ResponseWriter) {
	var origin string
	if p.varies {
		w.Header().Add("Vary", "Origin")
		if !req.Header().Has("Origin") {
			return
		}
		var ok bool
		if origin, ok = p.origin(req); !ok {
			return
		}
	}
	p.allowOrigin(w, origin)
	if p.expose != "" {
		w.Header().Set("Access-Control-Expose-Headers", p.expose)
	}
}

// preflight answers a CORS-preflight request: 204 with the permissions
// when the origin, the method and every requested field are allowed, else
// 403 without any CORS field, so the browser fails the request and the
// refusal shows in its network panel and in access logs.
func (p *policy) preflight(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
	h := w.Header()
	h.Add("Vary", p.preflightVary)
	origin, ok := p.origin(req)
	if !ok {
		return w.SendStatus(403)
	}
	method := req.Header().Get("Access-Control-Request-Method")
	if !p.methodAllowed(method) {
		return w.SendStatus(403)
	}
	requested, ok := p.headersAllowed(req)
	if !ok {
		return w.SendStatus(403)
	}
	p.allowOrigin(w, origin)
	switch {
	case p.anyMethod:
		h.Set("Access-Control-Allow-Methods", method)
	case p.methodsValue != "":
		h.Set("Access-Control-Allow-Methods", p.methodsValue)
	}
	if requested != "" {
		h.Set("Access-Control-Allow-Headers", requested)
	}
	if p.maxAge != "" {
		h.Set("Access-Control-Max-Age", p.maxAge)
	}
	if p.pna && strings.EqualFold(req.Header().Get("Access-Control-Request-Private-Network"), "true") {
		h.Set("Access-Control-Allow-Private-Network", "true")
	}
	return w.SendStatus(204)
}

// methodAllowed applies the Fetch standard's method check: a safelisted
// method needs no permission; others must be listed, byte for byte.
func (p *policy) methodAllowed(m string) bool {
	if !isToken(m) {
		return false
	}
	switch m {
	case "GET", "HEAD", "POST":
		return true
	}
	return p.anyMethod || slices.Contains(p.methods, m)
}

// headersAllowed checks every name in the Access-Control-Request-Headers
// fields (comma lists, spaces trimmed, empty elements skipped) and returns
// them, lower-cased, for Access-Control-Allow-Headers.
func (p *policy) headersAllowed(req *core.Request) (string, bool) {
	var names []string
	for name, value := range req.Header().All() {
		if !strings.EqualFold(string(name), "Access-Control-Request-Headers") {
			continue
		}
		for item := range strings.SplitSeq(string(value), ",") {
			item = strings.ToLower(strings.Trim(item, " \t"))
			if item == "" {
				continue
			}
			if !isToken(item) || !p.anyHeader && !slices.Contains(p.headers, item) {
				return "", false
			}
			names = append(names, item)
		}
	}
	return strings.Join(names, ", "), true
}
