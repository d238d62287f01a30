package router

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/tophat-go/tophat/core"
)

var apiPatterns = []string{
	"GET /users/{id}",
	"GET /users/new",
	"DELETE /users/{id}",
	"POST /users",
	"/static/{path...}",
	"/docs/",
	"/exact/{$}",
	"GET /a/{x}/c",
	"GET /a/{rest...}",
	"POST /p/",
	"/u/{name}",
	"/enc%2Fslash",
}

// routeCases list what the Router answers. Unless oracle is false, ServeMux
// answers the same with the same patterns (its Allow lacks OPTIONS, which
// the Router answers itself).
var routeCases = []struct {
	name     string
	patterns []string
	method   string
	target   string
	status   int
	pattern  string // X-Pattern of a routed request
	values   string // X-Values of a routed request
	location string
	allow    string
	oracle   bool
}{
	{"wildcard", apiPatterns, "GET", "/users/42", 200, "GET /users/{id}", "id=42;", "", "", true},
	{"literal beats wildcard", apiPatterns, "GET", "/users/new", 200, "GET /users/new", "", "", "", true},
	{"escaped literal", apiPatterns, "GET", "/users/%6Eew", 200, "GET /users/new", "", "", "", true},
	{"HEAD served by GET", apiPatterns, "HEAD", "/users/42", 200, "GET /users/{id}", "id=42;", "", "", true},
	{"other method", apiPatterns, "DELETE", "/users/42", 200, "DELETE /users/{id}", "id=42;", "", "", true},
	{"405 lists methods", apiPatterns, "PUT", "/users/42", 405, "", "", "", "DELETE, GET, HEAD, OPTIONS", true},
	{"405 for a literal", apiPatterns, "GET", "/users", 405, "", "", "", "OPTIONS, POST", true},
	{"OPTIONS answered", apiPatterns, "OPTIONS", "/users/42", 204, "", "", "", "DELETE, GET, HEAD, OPTIONS", false},
	{"OPTIONS of nothing", apiPatterns, "OPTIONS", "/nothing", 404, "", "", "", "", true},
	{"404", apiPatterns, "GET", "/nothing", 404, "", "", "", "", true},
	{"catch-all", apiPatterns, "GET", "/static/css/app.css", 200, "/static/{path...}", "path=css/app.css;", "", "", true},
	{"catch-all empty", apiPatterns, "GET", "/static/", 200, "/static/{path...}", "path=;", "", "", true},
	{"catch-all redirect", apiPatterns, "GET", "/static", 307, "", "", "/static/", "", true},
	{"redirect keeps query", apiPatterns, "GET", "/static?v=1&w=2", 307, "", "", "/static/?v=1&w=2", "", true},
	{"catch-all any method", apiPatterns, "PATCH", "/static/x", 200, "/static/{path...}", "path=x;", "", "", true},
	{"subtree", apiPatterns, "GET", "/docs/a/b", 200, "/docs/", "", "", "", true},
	{"subtree root", apiPatterns, "GET", "/docs/", 200, "/docs/", "", "", "", true},
	{"subtree redirect", apiPatterns, "GET", "/docs", 307, "", "", "/docs/", "", true},
	{"exact slash", apiPatterns, "GET", "/exact/", 200, "/exact/{$}", "", "", "", true},
	{"exact slash only", apiPatterns, "GET", "/exact/x", 404, "", "", "", "", true},
	{"exact slash redirect", apiPatterns, "GET", "/exact", 307, "", "", "/exact/", "", true},
	{"middle wildcard", apiPatterns, "GET", "/a/b/c", 200, "GET /a/{x}/c", "x=b;", "", "", true},
	{"backtrack to multi", apiPatterns, "GET", "/a/b/d", 200, "GET /a/{rest...}", "rest=b/d;", "", "", true},
	{"multi redirect", apiPatterns, "GET", "/a", 307, "", "", "/a/", "", true},
	{"method redirect", apiPatterns, "POST", "/p", 307, "", "", "/p/", "", true},
	{"no redirect for other methods", apiPatterns, "GET", "/p", 405, "", "", "", "OPTIONS, POST", true},
	{"encoded slash in a value", apiPatterns, "GET", "/users/a%2Fb", 200, "GET /users/{id}", "id=a/b;", "", "", true},
	{"encoded slash in a rest", apiPatterns, "GET", "/static/a%2Fb/c", 200, "/static/{path...}", "path=a/b/c;", "", "", true},
	{"encoded slash is no separator", apiPatterns, "GET", "/a/b%2Fc", 200, "GET /a/{rest...}", "rest=b/c;", "", "", true},
	{"encoded slash in a literal", apiPatterns, "GET", "/enc%2Fslash", 200, "/enc%2Fslash", "", "", "", true},
	{"slash does not match encoded literal", apiPatterns, "GET", "/enc/slash", 404, "", "", "", "", true},
	{"unicode value", apiPatterns, "GET", "/u/caf%C3%A9", 200, "/u/{name}", "name=café;", "", "", true},
	{"double slash", apiPatterns, "GET", "/users//42", 307, "", "", "/users/42", "", true},
	{"dot", apiPatterns, "GET", "/users/./42", 307, "", "", "/users/42", "", true},
	{"dot dot", apiPatterns, "GET", "/x/../users/42", 307, "", "", "/users/42", "", true},
	{"dot dot past root", apiPatterns, "GET", "/../users/42", 307, "", "", "/users/42", "", true},
	{"unclean and unrouted", apiPatterns, "GET", "/nope//x?q", 307, "", "", "/nope/x?q", "", true},
	{"unclean subtree", apiPatterns, "GET", "/x/../docs", 307, "", "", "/docs/", "", true},
	{"trailing dot", apiPatterns, "GET", "/docs/.", 307, "", "", "/docs/", "", true},
	{"escaped dots are segments", apiPatterns, "GET", "/u/%2E%2E", 200, "/u/{name}", "name=..;", "", "", true},
	{"escaped slash segment", apiPatterns, "GET", "/exact/%2F", 404, "", "", "", "", false},

	{"method beats any", []string{"/x", "GET /x"}, "GET", "/x", 200, "GET /x", "", "", "", true},
	{"any for others", []string{"/x", "GET /x"}, "POST", "/x", 200, "/x", "", "", "", true},
	{"any serves OPTIONS", []string{"/x", "GET /x"}, "OPTIONS", "/x", 200, "/x", "", "", "", true},
	{"HEAD prefers HEAD", []string{"HEAD /h", "GET /h"}, "HEAD", "/h", 200, "HEAD /h", "", "", "", true},
	{"root subtree", []string{"/"}, "GET", "/any/thing", 200, "/", "", "", "", true},
	{"root", []string{"/"}, "GET", "/", 200, "/", "", "", "", true},
	{"root only", []string{"/{$}"}, "GET", "/x", 404, "", "", "", "", true},
	{"root exactly", []string{"/{$}"}, "GET", "/", 200, "/{$}", "", "", "", true},
	{"exact wildcard beats redirect", []string{"/a/{x}", "/a/b/"}, "GET", "/a/b", 200, "/a/{x}", "x=b;", "", "", true},
	{"subtree below wildcard", []string{"/a/{x}", "/a/b/"}, "GET", "/a/b/c", 200, "/a/b/", "", "", "", true},
	{"any-method redirect", []string{"/a/b/"}, "DELETE", "/a/b", 307, "", "", "/a/b/", "", true},
	{"GET subtree 405", []string{"GET /a/b/"}, "POST", "/a/b", 405, "", "", "", "GET, HEAD, OPTIONS", true},
	{"explicit OPTIONS", []string{"OPTIONS /o", "GET /o"}, "OPTIONS", "/o", 200, "OPTIONS /o", "", "", "", true},
	{"OPTIONS in Allow once", []string{"OPTIONS /o", "GET /o"}, "PUT", "/o", 405, "", "", "", "GET, HEAD, OPTIONS", true},
	{"two wildcards", []string{"/{a}/{b}", "/x/{c}"}, "GET", "/y/z", 200, "/{a}/{b}", "a=y;b=z;", "", "", true},
	{"more specific second", []string{"/{a}/{b}", "/x/{c}"}, "GET", "/x/z", 200, "/x/{c}", "c=z;", "", "", true},
	{"many literals", []string{"/k0", "/k1", "/k2", "/k3", "/k4", "/k5", "/k6", "/k7", "/k8", "/k9", "/{x}"}, "GET", "/k7", 200, "/k7", "", "", "", true},
	{"many literals escaped", []string{"/k0", "/k1", "/k2", "/k3", "/k4", "/k5", "/k6", "/k7", "/k8", "/k9", "/{x}"}, "GET", "/k%37", 200, "/k7", "", "", "", true},
	{"many literals miss", []string{"/k0", "/k1", "/k2", "/k3", "/k4", "/k5", "/k6", "/k7", "/k8", "/k9", "/{x}"}, "GET", "/k10", 200, "/{x}", "x=k10;", "", "", true},
	{"absolute form", []string{"GET /users/{id}"}, "GET", "http://example.com/users/7", 200, "GET /users/{id}", "id=7;", "", "", false},
	{"absolute form root", []string{"/{$}"}, "GET", "http://example.com", 200, "/{$}", "", "", "", false},
	{"no routes", nil, "GET", "/", 404, "", "", "", "", true},
}

func TestRoute(t *testing.T) {
	for _, tc := range routeCases {
		t.Run(tc.name, func(t *testing.T) {
			got := do(t, newRouter(t, tc.patterns...), tc.method, tc.target)
			if got.status != tc.status {
				t.Fatalf("%s %s: status %d, want %d", tc.method, tc.target, got.status, tc.status)
			}
			if p := got.header.Get("X-Pattern"); p != tc.pattern {
				t.Errorf("pattern %q, want %q", p, tc.pattern)
			}
			if v := got.header.Get("X-Values"); v != tc.values {
				t.Errorf("values %q, want %q", v, tc.values)
			}
			if got.location != tc.location {
				t.Errorf("Location %q, want %q", got.location, tc.location)
			}
			if got.allow != tc.allow {
				t.Errorf("Allow %q, want %q", got.allow, tc.allow)
			}
			if tc.method == "HEAD" && got.body != "" {
				t.Errorf("HEAD answered with a body %q", got.body)
			}
			if tc.status == 405 || tc.status == 404 {
				if ct := got.header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
					t.Errorf("Content-Type %q", ct)
				}
			}
			if !tc.oracle {
				return
			}
			mux := newMux(t, tc.patterns...)
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.target, nil))
			if rec.Code != got.status {
				t.Errorf("ServeMux answers %d, the router %d", rec.Code, got.status)
			}
			for _, h := range []string{"X-Pattern", "X-Values", "Location"} {
				if m := rec.Header().Get(h); m != got.header.Get(h) {
					t.Errorf("ServeMux's %s is %q, the router's %q", h, m, got.header.Get(h))
				}
			}
			// ServeMux lists OPTIONS only where a route has it.
			ours := got.allow
			if !strings.Contains(strings.Join(tc.patterns, ","), "OPTIONS ") {
				ours = strings.Join(slices.DeleteFunc(strings.Split(ours, ", "), func(m string) bool { return m == "OPTIONS" }), ", ")
			}
			if m := rec.Header().Get("Allow"); m != ours {
				t.Errorf("ServeMux's Allow is %q, the router's %q", m, got.allow)
			}
		})
	}
}

func TestRegister(t *testing.T) {
	cases := []struct {
		name     string
		patterns []string // all but the last register without error
		err      error
		oracle   bool // ServeMux accepts or refuses the last pattern alike
	}{
		{"disjoint", []string{"GET /a", "POST /a", "/b"}, nil, true},
		{"GET and HEAD", []string{"GET /x", "HEAD /x"}, nil, true},
		{"literal and wildcard", []string{"/users/{id}", "/users/new"}, nil, true},
		{"end and subtree", []string{"/a/", "/a/{$}"}, nil, true},
		{"single before multi", []string{"/a/{r...}", "/a/{x}/c"}, nil, true},
		{"method and any, same path", []string{"/x", "GET /x"}, nil, true},
		{"disjoint methods", []string{"GET /a/{x}", "POST /a/b"}, nil, true},
		{"nested specificity", []string{"/{x}/{y}", "/a/{z}"}, nil, true},
		{"encoded slash literal", []string{"/a/{$}", "/a/%2F"}, nil, false},
		{"same", []string{"GET /x", "GET /x"}, ErrConflict, true},
		{"same wildcards", []string{"/a/{x}", "/a/{y}"}, ErrConflict, true},
		{"subtree and multi", []string{"/a/", "/a/{x...}"}, ErrConflict, true},
		{"crossed wildcards", []string{"/a/{x}", "/{y}/b"}, ErrConflict, true},
		{"method vs path", []string{"GET /a/{x}", "/a/b"}, ErrConflict, true},
		{"path vs method", []string{"/a/b", "GET /a/{x}"}, ErrConflict, true},
		{"HEAD vs GET", []string{"HEAD /a/{x}", "GET /a/b"}, ErrConflict, true},
		{"multi crossed", []string{"/a/{x...}", "/{y}/b/"}, ErrConflict, true},
		{"empty", []string{""}, ErrInvalidPattern, true},
		{"method only", []string{"GET"}, ErrInvalidPattern, true},
		{"no slash", []string{"GET x"}, ErrInvalidPattern, true},
		{"partial wildcard", []string{"/a{x}"}, ErrInvalidPattern, true},
		{"unterminated", []string{"/{x"}, ErrInvalidPattern, true},
		{"multi not last", []string{"/{x...}/a"}, ErrInvalidPattern, true},
		{"end not last", []string{"/{$}/a"}, ErrInvalidPattern, true},
		{"bad name", []string{"/{1x}"}, ErrInvalidPattern, true},
		{"empty name", []string{"/{}"}, ErrInvalidPattern, true},
		{"empty multi name", []string{"/{...}"}, ErrInvalidPattern, true},
		{"duplicate name", []string{"/{x}/{x}"}, ErrInvalidPattern, true},
		{"bad method", []string{"G@T /x"}, ErrInvalidPattern, true},
		{"unclean with method", []string{"GET /a/../b"}, ErrInvalidPattern, true},
		{"unclean without method", []string{"/a//b"}, ErrInvalidPattern, false},
		{"host", []string{"example.com/x"}, ErrInvalidPattern, false},
		{"too many wildcards", []string{"/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}/{j}/{k}/{l}/{m}/{n}/{o}/{p}/{q}"}, ErrInvalidPattern, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := New()
			var err error
			for i, p := range tc.patterns {
				err = r.Register(p, echo(nil))
				if err != nil && i < len(tc.patterns)-1 {
					t.Fatalf("Register(%q): %v", p, err)
				}
			}
			if !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) {
				t.Fatalf("Register(%q) = %v, want %v", tc.patterns[len(tc.patterns)-1], err, tc.err)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "router: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
			if tc.oracle {
				if muxErr := muxRegister(tc.patterns); (muxErr == nil) != (err == nil) {
					t.Errorf("ServeMux says %v, the router %v", muxErr, err)
				}
			}
		})
	}
}

// muxRegister registers patterns on a ServeMux and returns the panic of
// the last one, if any.
func muxRegister(patterns []string) (err error) {
	mux := newMux(&testing.T{}, patterns[:len(patterns)-1]...)
	defer func() {
		if v := recover(); v != nil {
			err = v.(error)
		}
	}()
	mux.HandleFunc(patterns[len(patterns)-1], func(_ http.ResponseWriter, _ *http.Request) {})
	return nil
}

func TestConflictMessage(t *testing.T) {
	cases := []struct{ first, second, want string }{
		{"/a/{x}", "/{y}/b", `"/{y}/b" and "/a/{x}": both match "/a/b"`},
		{"GET /a/{x}", "/a/b", `"/a/b" and "GET /a/{x}": "/a/b" matches more methods but a narrower path`},
		{"/a/b", "GET /a/{x}", `"GET /a/{x}" and "/a/b": "GET /a/{x}" matches fewer methods but a wider path`},
		{"GET /x", "GET /x", `"GET /x" and "GET /x": both match the same requests`},
		{"/a/{x...}", "/{y}/b/", `both match "/a/b/"`},
	}
	for _, tc := range cases {
		r := New()
		r.Handle(tc.first, echo(nil))
		err := r.Register(tc.second, echo(nil))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Register(%q) after %q = %v, want it to say %s", tc.second, tc.first, err, tc.want)
		}
	}
}

func TestHandlePanics(t *testing.T) {
	cases := []struct {
		name string
		f    func(r *Router)
		err  error
	}{
		{"invalid", func(r *Router) { r.Handle("/{", echo(nil)) }, ErrInvalidPattern},
		{"conflict", func(r *Router) { r.Handle("/a", echo(nil)); r.Handle("/a", echo(nil)) }, ErrConflict},
		{"nil handler", func(r *Router) { r.Handle("/a", nil) }, ErrNilHandler},
		{"nil func", func(r *Router) { r.HandleFunc("/a", nil) }, ErrNilHandler},
		{"nil HandlerFunc", func(r *Router) { r.Handle("/a", core.HandlerFunc(nil)) }, ErrNilHandler},
		{"group prefix without slash", func(r *Router) { r.Group("api") }, ErrInvalidPattern},
		{"group prefix with trailing slash", func(r *Router) { r.Group("/api/") }, ErrInvalidPattern},
		{"unclean group prefix", func(r *Router) { r.Group("/a/../b") }, ErrInvalidPattern},
		{"group pattern without slash", func(r *Router) { r.Group("/api").Handle("GET x", echo(nil)) }, ErrInvalidPattern},
		{"group nil func", func(r *Router) { r.Group("/api").HandleFunc("/x", nil) }, ErrNilHandler},
		{"group conflict", func(r *Router) {
			r.Handle("/api/{x}", echo(nil))
			r.Group("/api").Handle("/{y}", echo(nil))
		}, ErrConflict},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				err, _ := recover().(error)
				if !errors.Is(err, tc.err) {
					t.Fatalf("panicked with %v, want %v", err, tc.err)
				}
			}()
			tc.f(New())
		})
	}
}
