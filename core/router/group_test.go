package router

import (
	"errors"
	"testing"

	"github.com/tophat-go/tophat/core"
)

// tag is a middleware that appends its name to X-Trail and records the
// pattern it saw, so tests can see order and placement.
func tag(name string) core.Middleware {
	return func(next core.Handler) core.Handler {
		return core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
			w.Header().Add("X-Trail", name+"("+req.Pattern()+")")
			return next.Serve(req, w)
		})
	}
}

func TestGroup(t *testing.T) {
	r := New()
	r.Handle("GET /health", echo(nil))
	api := r.Group("/api", tag("api"))
	api.Handle("GET /users/{id}", echo([]string{"id"}))
	api.Handle("/", echo(nil))
	v1 := api.Group("/v1", tag("v1"), tag("v1b"))
	v1.Handle("POST  /orders/{order}", echo([]string{"order"}))
	orgs := r.Group("/orgs/{org}")
	orgs.Handle("GET /repos/{repo}", echo([]string{"org", "repo"}))
	plain := r.Group("", tag("root"))
	plain.Handle("GET /top", echo(nil))

	cases := []struct {
		method, target string
		status         int
		pattern        string
		values         string
		trail          []string
	}{
		{"GET", "/health", 200, "GET /health", "", nil},
		{"GET", "/api/users/3", 200, "GET /api/users/{id}", "id=3;", []string{"api(GET /api/users/{id})"}},
		{"GET", "/api/else", 200, "/api/", "", []string{"api(/api/)"}},
		{"POST", "/api/v1/orders/9", 200, "POST /api/v1/orders/{order}", "order=9;",
			[]string{"api(POST /api/v1/orders/{order})", "v1(POST /api/v1/orders/{order})", "v1b(POST /api/v1/orders/{order})"}},
		{"GET", "/orgs/go/repos/tophat", 200, "GET /orgs/{org}/repos/{repo}", "org=go;repo=tophat;", nil},
		{"GET", "/top", 200, "GET /top", "", []string{"root(GET /top)"}},
		// Group middleware runs for the group's routes only.
		{"GET", "/api", 307, "", "", nil},
		{"DELETE", "/health", 405, "", "", nil},
	}
	for _, tc := range cases {
		got := do(t, r, tc.method, tc.target)
		if got.status != tc.status || got.header.Get("X-Pattern") != tc.pattern || got.header.Get("X-Values") != tc.values {
			t.Errorf("%s %s = %d %q %q, want %d %q %q", tc.method, tc.target, got.status,
				got.header.Get("X-Pattern"), got.header.Get("X-Values"), tc.status, tc.pattern, tc.values)
		}
		if trail := got.header.Values("X-Trail"); !equalStrings(trail, tc.trail) {
			t.Errorf("%s %s: middleware trail %q, want %q", tc.method, tc.target, trail, tc.trail)
		}
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestCustomAnswers(t *testing.T) {
	r := newRouter(t, "GET /x", "/d/")
	r.NotFound = core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return w.SendString(404, "custom 404 for "+req.Path())
	})
	r.MethodNotAllowed = core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return w.SendString(405, "custom 405, allowed: "+w.Header().Get("Allow"))
	})
	r.PermanentRedirects = true
	cases := []struct {
		method, target string
		status         int
		body, location string
	}{
		{"GET", "/nope", 404, "custom 404 for /nope", ""},
		{"POST", "/x", 405, "custom 405, allowed: GET, HEAD, OPTIONS", ""},
		{"GET", "/d", 308, "", "/d/"},
		{"GET", "//x", 308, "", "/x"},
	}
	for _, tc := range cases {
		got := do(t, r, tc.method, tc.target)
		if got.status != tc.status || got.body != tc.body || got.location != tc.location {
			t.Errorf("%s %s = %d %q %q, want %d %q %q", tc.method, tc.target, got.status, got.body, got.location, tc.status, tc.body, tc.location)
		}
	}
}

func TestOptionsAsterisk(t *testing.T) {
	r := newRouter(t, "GET /a", "POST /b", "/c")
	got := do(t, r, "OPTIONS", "*")
	if got.status != 204 || got.allow != "GET, HEAD, OPTIONS, POST" {
		t.Errorf("OPTIONS * = %d Allow %q, want 204 and GET, HEAD, OPTIONS, POST", got.status, got.allow)
	}
}

func TestHeadCarriesLength(t *testing.T) {
	got := do(t, newRouter(t, "GET /x"), "HEAD", "/x")
	if got.status != 200 || got.header.Get("Content-Length") != "6" || got.body != "" {
		t.Errorf("HEAD /x = %d, Content-Length %q, body %q; want 200, 6, no body", got.status, got.header.Get("Content-Length"), got.body)
	}
}

func TestRegisterAfterServe(t *testing.T) {
	r := newRouter(t, "GET /x")
	do(t, r, "GET", "/x")
	if err := r.Register("GET /y", echo(nil)); !errors.Is(err, ErrServing) {
		t.Fatalf("Register after serving = %v, want ErrServing", err)
	}
	if got := do(t, r, "GET", "/y"); got.status != 404 {
		t.Errorf("GET /y after a refused registration = %d, want 404", got.status)
	}
}
