package router

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/tophat-go/tophat/core"
)

// Errors of registration. Register returns them wrapped with the pattern
// and the reason; Handle panics with the same error.
var (
	// ErrInvalidPattern is matched by every error about a pattern's syntax.
	ErrInvalidPattern = errors.New("router: invalid pattern")
	// ErrConflict is matched by the error of a pattern that conflicts with
	// one registered before: some request matches both and neither is more
	// specific, so no rule could choose between them.
	ErrConflict = errors.New("router: patterns conflict")
	// ErrNilHandler is the error of a registration without a handler.
	ErrNilHandler = errors.New("router: nil handler")
	// ErrServing is the error of a registration after the Router began
	// serving: routes are read without locks, so they must be complete
	// before the first request.
	ErrServing = errors.New("router: route registered after the router began serving")
)

// A Router dispatches each request to the handler of the most specific
// pattern that matches its method and path. See the package documentation
// for the pattern syntax and the answers it gives when nothing matches.
//
// The zero value is ready to use; a Router must not be copied after first
// use. Register every route before the Router serves its first request;
// from then on it is safe for concurrent use.
type Router struct {
	// NotFound answers requests whose path no route matches. nil sends
	// 404 with the text "404 page not found", as ServeMux does.
	NotFound core.Handler
	// MethodNotAllowed answers requests whose path is routed for other
	// methods only. The Allow field is set before it runs. nil sends 405
	// with the text "Method Not Allowed".
	MethodNotAllowed core.Handler
	// PermanentRedirects makes the redirects to a cleaned path or a
	// subtree's trailing slash 308 Permanent Redirect, which clients and
	// caches may remember, instead of 307 Temporary Redirect, ServeMux's
	// choice. Both keep the request's method and body, which 301 and 302
	// let clients turn into a GET.
	PermanentRedirects bool

	mu       sync.Mutex // serialises registration only
	serving  atomic.Bool
	routes   []*route
	byMethod []methodTree // patterns with a method, in registration order
	any      node         // patterns without a method
	// slashRoutes reports whether any pattern can match a path that ends in
	// a slash; without one, the trailing-slash redirect is never tried.
	slashRoutes bool
}

type methodTree struct {
	method string
	root   *node
}

// New returns an empty Router, the same as a zero Router.
func New() *Router { return new(Router) }

// Register adds a route for pattern, "[METHOD ]/path", served by h. It
// returns an error matching ErrInvalidPattern, ErrConflict, ErrNilHandler
// or ErrServing, and leaves the Router unchanged, when the route cannot be
// added.
func (rt *Router) Register(pattern string, h core.Handler) error {
	return rt.register(pattern, h)
}

// Handle is Register for routes known when the program is written: it
// panics with Register's error, because an invalid or conflicting pattern
// is a mistake in the program, found when it starts (as ServeMux does).
func (rt *Router) Handle(pattern string, h core.Handler) {
	if err := rt.Register(pattern, h); err != nil {
		panic(err)
	}
}

// HandleFunc is Handle for a function.
func (rt *Router) HandleFunc(pattern string, f core.HandlerFunc) {
	if f == nil {
		panic(fmt.Errorf("%w for %q", ErrNilHandler, pattern))
	}
	rt.Handle(pattern, f)
}

// Group returns a Group whose routes share the path prefix and are served
// through the middlewares, the first listed outermost. The prefix is "" or
// a clean path without a trailing slash ("/api", "/orgs/{org}"); Group
// panics otherwise.
func (rt *Router) Group(prefix string, middlewares ...core.Middleware) *Group {
	return (&Group{router: rt}).Group(prefix, middlewares...)
}

func (rt *Router) register(pattern string, h core.Handler) error {
	if isNil(h) {
		return fmt.Errorf("%w for %q", ErrNilHandler, pattern)
	}
	p, err := parsePattern(pattern)
	if err != nil {
		return err
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.serving.Load() {
		return fmt.Errorf("%w: %q", ErrServing, pattern)
	}
	for _, r := range rt.routes {
		if p.conflictsWith(r.pat) {
			return fmt.Errorf("%w: %q and %q: %s", ErrConflict, p.str, r.pat.str, describeConflict(p, r.pat))
		}
	}
	r := &route{pat: p, handler: h}
	rt.routes = append(rt.routes, r)
	rt.tree(p.method).add(p.segments, r)
	if k := p.last().kind; k == multi || k == end {
		rt.slashRoutes = true
	}
	return nil
}

func isNil(h core.Handler) bool {
	f, ok := h.(core.HandlerFunc)
	return h == nil || ok && f == nil
}

// tree returns the tree of patterns with method, creating it.
func (rt *Router) tree(method string) *node {
	if method == "" {
		return &rt.any
	}
	for _, t := range rt.byMethod {
		if t.method == method {
			return t.root
		}
	}
	t := methodTree{method: method, root: &node{}}
	rt.byMethod = append(rt.byMethod, t)
	return t.root
}

// find matches a clean escaped path as ServeMux does: the request's own
// method first, GET for HEAD, then the patterns without a method. Because
// a pattern with a method is more specific than one without (or conflicts
// with it), the first tree that matches holds the winner.
func (rt *Router) find(method, p []byte, c *captures) *route {
	for _, t := range rt.byMethod {
		if t.method == string(method) {
			if r := t.root.lookup(p, 0, c); r != nil {
				return r
			}
			break
		}
	}
	if string(method) == "HEAD" {
		for _, t := range rt.byMethod {
			if t.method == "GET" {
				if r := t.root.lookup(p, 0, c); r != nil {
					return r
				}
				break
			}
		}
	}
	return rt.any.lookup(p, 0, c)
}

// An outcome is what the Router does with a request.
type outcome uint8

const (
	found outcome = iota
	redirect
	notFound
	methodNotAllowed
	options
)

// route decides a request's outcome from its method and escaped path. For
// found it fills c; for redirect it returns the new path. It allocates only
// to build a redirect's path.
func (rt *Router) route(method, p []byte, c *captures) (outcome, *route, string) {
	clean := isClean(p)
	if !clean {
		p = []byte(cleanPath(string(p)))
	}
	r := rt.find(method, p, c)
	if (r == nil || c.inexact) && rt.slashRoutes && p[len(p)-1] != '/' {
		// ServeMux's subtree redirect: "/tree" goes to "/tree/" when that
		// is matched exactly. The stack buffer keeps the common miss free.
		var buf [256]byte
		q := append(append(buf[:0], p...), '/')
		var c2 captures
		if r2 := rt.find(method, q, &c2); r2 != nil && !c2.inexact {
			return redirect, nil, string(q)
		}
	}
	if !clean {
		return redirect, nil, string(p)
	}
	if r != nil {
		return found, r, ""
	}
	switch {
	case len(rt.allowed(p)) == 0:
		return notFound, nil, ""
	case string(method) == "OPTIONS":
		return options, nil, ""
	}
	return methodNotAllowed, nil, ""
}

// allowed lists, sorted, the methods that some route serves for the clean
// path p (or for p with a trailing slash, which would redirect), with HEAD
// where GET is, as ServeMux's Allow field does.
func (rt *Router) allowed(p []byte) []string {
	var methods []string
	slashed := append(p[:len(p):len(p)], '/')
	for _, t := range rt.byMethod {
		var c captures
		if t.root.lookup(p, 0, &c) != nil || p[len(p)-1] != '/' && t.root.lookup(slashed, 0, &c) != nil {
			methods = append(methods, t.method)
		}
	}
	if slices.Contains(methods, "GET") && !slices.Contains(methods, "HEAD") {
		methods = append(methods, "HEAD")
	}
	slices.Sort(methods)
	return methods
}

// Serve routes req: it records the matched pattern (Request.Pattern) and
// the wildcards' values (Request.PathValue) and calls the route's handler,
// or answers itself with a redirect, 404, 405 or an OPTIONS reply.
func (rt *Router) Serve(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
	if !rt.serving.Load() {
		rt.serving.Store(true)
	}
	p, method := req.RawPath(), req.MethodBytes()
	if len(p) == 0 || p[0] != '/' {
		// The asterisk form asks about the server as a whole.
		if string(method) == "OPTIONS" && string(p) == "*" {
			w.Header().Set("Allow", strings.Join(rt.allMethods(), ", "))
			return w.SendStatus(204)
		}
		return rt.notFound(req, w)
	}
	var c captures
	switch outcome, r, to := rt.route(method, p, &c); outcome {
	case found:
		req.SetPattern(r.pat.str)
		if c.n > 0 {
			rt.setValues(req, p, r, &c)
		}
		return r.handler.Serve(req, w)
	case redirect:
		if q := req.RawQuery(); q != "" {
			to += "?" + q
		}
		w.Header().Set("Location", to)
		if rt.PermanentRedirects {
			return w.SendStatus(308)
		}
		return w.SendStatus(307)
	case options:
		w.Header().Set("Allow", strings.Join(withOptions(rt.allowed(p)), ", "))
		return w.SendStatus(204)
	case methodNotAllowed:
		w.Header().Set("Allow", strings.Join(withOptions(rt.allowed(p)), ", "))
		if rt.MethodNotAllowed != nil {
			return rt.MethodNotAllowed.Serve(req, w)
		}
		return sendText(w, 405, "Method Not Allowed\n")
	}
	return rt.notFound(req, w)
}

// setValues records the wildcards' values. The path becomes a string once,
// and each value is a substring of it, unescaped only if it holds an escape.
// A path without escapes is the core's decoded Path, which a handler that
// asks for it then gets for free.
func (rt *Router) setValues(req *core.Request, p []byte, r *route, c *captures) {
	var s string
	if hasEscape(p) {
		s = string(p)
	} else {
		s = req.Path()
	}
	for i, name := range r.pat.names[:c.n] {
		if name != "" {
			req.SetPathValue(name, c.value(s, i))
		}
	}
}

// value returns the i-th captured value from the escaped path s.
func (c *captures) value(s string, i int) string {
	sp := c.spans[i]
	return unescape(s[sp.start:sp.end])
}

// withOptions adds OPTIONS, which the Router answers itself, to a sorted
// Allow list that lacks it.
func withOptions(methods []string) []string {
	if i, found := slices.BinarySearch(methods, "OPTIONS"); !found {
		methods = slices.Insert(methods, i, "OPTIONS")
	}
	return methods
}

// allMethods lists every method some route serves, for "OPTIONS *".
func (rt *Router) allMethods() []string {
	var methods []string
	for _, t := range rt.byMethod {
		methods = append(methods, t.method)
	}
	if slices.Contains(methods, "GET") && !slices.Contains(methods, "HEAD") {
		methods = append(methods, "HEAD")
	}
	slices.Sort(methods)
	return withOptions(methods)
}

func (rt *Router) notFound(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
	if rt.NotFound != nil {
		return rt.NotFound.Serve(req, w)
	}
	return sendText(w, 404, "404 page not found\n")
}

func sendText(w *core.ResponseWriter, status int, text string) core.ResponseWritten {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	return w.SendString(status, text)
}
