// Package router routes tophat requests by method and path, with the
// pattern syntax of Go's net/http.ServeMux (Go 1.22 and later) and the same
// rules for choosing among patterns, on the core's Request and
// ResponseWriter. A Router is itself a core.Handler.
//
//	r := router.New()
//	r.HandleFunc("GET /users/{id}", showUser)      // req.PathValue("id")
//	r.HandleFunc("GET /static/{path...}", serveFile)
//	r.HandleFunc("/{$}", home)                      // "/" alone, any method
//	api := r.Group("/api", requireToken)            // "/api/..." through requireToken
//	api.HandleFunc("POST /orders", createOrder)
//	core.ServeConn(stream, r, nil)
//
// # Patterns
//
// A pattern is "[METHOD ]/path". Without a method it matches every method;
// a GET pattern also serves HEAD (the core sends no body for HEAD). The
// path is made of segments separated by slashes:
//
//	/users          the literal segment "users" (escapes in a pattern are decoded)
//	/users/{id}     {id} matches one non-empty segment
//	/files/{p...}   {p...} matches the rest of the path, slashes included; it ends the pattern
//	/docs/          a trailing slash matches everything below /docs/, as an anonymous {...}
//	/docs/{$}       {$} matches the trailing slash alone: "/docs/" and nothing below
//
// A wildcard is a whole segment and its name is a Go identifier, unique in
// its pattern. Patterns have no host part (use a Router per host) and their
// path must be clean: no "." or ".." segments and no "//", because requests
// for such paths are redirected before they are routed. Handle panics on a
// pattern that breaks a rule, as on a conflict (below); Register returns
// the error instead, for routes built from data.
//
// # Precedence and conflicts
//
// When several patterns match a request, the most specific wins: the one
// whose requests are a subset of the other's. "/users/new" beats
// "/users/{id}", "GET /x" beats "/x", "/a/{x}/c" beats "/a/{rest...}". Two
// patterns that some request matches, neither more specific than the other
// ("/a/{x}" and "/{y}/b", or "GET /a/{x}" and "/a/b"), conflict: the second
// registration fails with ErrConflict and a path that both match, so the
// ambiguity is found when the program starts, not when a request arrives.
//
// # Paths and escapes
//
// Matching uses the path as it was sent (Request.RawPath), so an encoded
// slash never splits a segment: "/files/a%2Fb" has the two segments "files"
// and "a/b", and {name} receives "a/b". Literal segments are compared after
// decoding, and only values that hold an escape are decoded into a new
// string.
//
// # Answers of the Router itself
//
//	non-canonical path ("/a//b", "/a/./b", "/a/../b")  307 to the cleaned path, query kept
//	"/tree" where only the subtree "/tree/" matches     307 to "/tree/"
//	no route for the path                               404 (Router.NotFound)
//	routes for the path, none for the method            405 with Allow (Router.MethodNotAllowed)
//	OPTIONS with no OPTIONS route for the path          204 with Allow
//	OPTIONS * (the asterisk form)                       204 with every routed method in Allow
//
// These follow ServeMux, with three differences: Allow lists OPTIONS, which
// the Router answers; OPTIONS gets 204 with Allow instead of 405; and a
// redirect's Location keeps the path's escapes as they were sent (ServeMux
// escapes the "%" again). PermanentRedirects makes redirects 308.
//
// # Groups and middleware
//
// Router.Group returns a Group that adds a prefix to its patterns and wraps
// their handlers in middleware. The middleware runs after routing, so it
// can read Request.Pattern (a label with few values, for metrics and logs)
// and the path values; wrap the Router itself with core.Chain for
// middleware that must see every request, including the 404s.
//
// # Cost
//
// Routing a request to a pattern without wildcards allocates nothing, and
// a pattern with wildcards costs one string for the whole path however many
// values it has (none more if the handler then calls Request.Path), plus
// one per value that must be unescaped. The routes are read without locks:
// register them all before the first request (a later registration fails
// with ErrServing), after which a Router is safe for concurrent use.
package router
