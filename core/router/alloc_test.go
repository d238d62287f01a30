//go:build !race

package router

import "testing"

// TestRouteAllocs holds routing to its promise: no allocation to match a
// static route, and none to match a route with wildcards either (their
// values cost one string for the whole path, made after matching).
func TestRouteAllocs(t *testing.T) {
	rt := newRouter(t, benchPatterns...)
	cases := []struct{ method, path string }{
		{"GET", "/users/new"},
		{"GET", "/"},
		{"HEAD", "/about/team"},
		{"GET", "/users/42"},
		{"GET", "/static/css/site.css"},
		{"GET", "/users/a%2Fb"},
	}
	for _, tc := range cases {
		method, path := []byte(tc.method), []byte(tc.path)
		allocs := testing.AllocsPerRun(100, func() {
			var c captures
			if got, _, _ := rt.route(method, path, &c); got != found {
				t.Fatalf("%s %s: outcome %d", tc.method, tc.path, got)
			}
		})
		if allocs != 0 {
			t.Errorf("%s %s: %v allocations to route, want 0", tc.method, tc.path, allocs)
		}
	}
}
