package router

import (
	"fmt"
	"strings"

	"github.com/tophat-go/tophat/core"
)

// A Group registers routes on its Router under a shared path prefix, served
// through shared middleware. Groups nest: a Group's Group adds its prefix
// after the parent's and runs its middleware inside the parent's.
//
// The middleware wraps the routes' handlers only, so it runs after routing:
// it sees Request.Pattern and the path values, and never runs for a
// redirect, a 404, a 405 or an automatic OPTIONS answer.
type Group struct {
	router      *Router
	prefix      string
	middlewares []core.Middleware
}

// Group returns a Group nested in g; see Router.Group.
func (g *Group) Group(prefix string, middlewares ...core.Middleware) *Group {
	if prefix != "" && (prefix[0] != '/' || strings.HasSuffix(prefix, "/") || prefix != cleanPath(prefix)) {
		panic(fmt.Errorf("%w: group prefix %q must be empty or a clean path without a trailing slash", ErrInvalidPattern, prefix))
	}
	return &Group{
		router:      g.router,
		prefix:      g.prefix + prefix,
		middlewares: append(g.middlewares[:len(g.middlewares):len(g.middlewares)], middlewares...),
	}
}

// Register adds a route for pattern, "[METHOD ]/path", whose path is
// appended to the Group's prefix; see Router.Register.
func (g *Group) Register(pattern string, h core.Handler) error {
	if isNil(h) {
		return fmt.Errorf("%w for %q", ErrNilHandler, pattern)
	}
	method, path := "", pattern
	if i := strings.IndexAny(pattern, " \t"); i >= 0 {
		method, path = pattern[:i+1], strings.TrimLeft(pattern[i+1:], " \t")
	}
	if !strings.HasPrefix(path, "/") {
		return invalid(pattern, "path must start with /")
	}
	return g.router.register(method+g.prefix+path, core.Chain(h, g.middlewares...))
}

// Handle is Register that panics on error; see Router.Handle.
func (g *Group) Handle(pattern string, h core.Handler) {
	if err := g.Register(pattern, h); err != nil {
		panic(err)
	}
}

// HandleFunc is Handle for a function.
func (g *Group) HandleFunc(pattern string, f core.HandlerFunc) {
	if f == nil {
		panic(fmt.Errorf("%w for %q", ErrNilHandler, pattern))
	}
	g.Handle(pattern, f)
}
