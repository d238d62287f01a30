package router

import (
	"net/http"
	"net/url"
	"testing"
)

var benchPatterns = []string{
	"GET /{$}",
	"GET /about/team",
	"GET /users/new",
	"GET /users/{id}",
	"POST /users",
	"DELETE /users/{id}",
	"GET /users/{id}/posts/{post}",
	"GET /static/{path...}",
	"GET /api/v1/orders",
	"GET /api/v1/orders/{order}",
}

// The benchmarks measure routing alone, for the Router and for ServeMux
// with the same patterns: from a method and a path to the route and its
// values, with no network and no response in the way.
var benchRequests = []struct{ name, method, path string }{
	{"static", "GET", "/about/team"},
	{"param", "GET", "/users/42"},
	{"catchall", "GET", "/static/css/site.css"},
}

func BenchmarkRouter(b *testing.B) {
	rt := newRouter(b, benchPatterns...)
	for _, br := range benchRequests {
		b.Run(br.name, func(b *testing.B) {
			method, path := []byte(br.method), []byte(br.path)
			var vals [maxWildcards]string
			b.ReportAllocs()
			for b.Loop() {
				var c captures
				_, r, _ := rt.route(method, path, &c)
				if c.n > 0 {
					s := string(path)
					for i := range r.pat.names {
						vals[i] = c.value(s, i)
					}
				}
			}
		})
	}
}

func BenchmarkServeMux(b *testing.B) {
	mux := http.NewServeMux()
	for _, p := range benchPatterns {
		names, _ := parsePattern(p)
		mux.HandleFunc(p, func(_ http.ResponseWriter, r *http.Request) {
			for _, n := range names.names {
				_ = r.PathValue(n)
			}
		})
	}
	for _, br := range benchRequests {
		b.Run(br.name, func(b *testing.B) {
			u, _ := url.ParseRequestURI(br.path)
			req := &http.Request{Method: br.method, URL: u, Host: "bench", Header: http.Header{}}
			var w discard
			b.ReportAllocs()
			for b.Loop() {
				mux.ServeHTTP(w, req)
			}
		})
	}
}

type discard struct{}

func (discard) Header() http.Header         { return nil }
func (discard) Write(p []byte) (int, error) { return len(p), nil }
func (discard) WriteHeader(int)             {}
