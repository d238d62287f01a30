package router

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzRouter registers up to four patterns on a Router and on ServeMux,
// routes one request through both and checks that they agree: on which
// patterns are accepted, and on the outcome, pattern and values of the
// request. The known, documented differences are left out of the
// comparison.
func FuzzRouter(f *testing.F) {
	seeds := []struct{ patterns, method, path string }{
		{"GET /users/{id}\nGET /users/new", "GET", "/users/7"},
		{"/static/{p...}\n/{$}", "GET", "/static/a%2Fb/c"},
		{"/a/\n/a/{$}", "HEAD", "/a"},
		{"GET /a/{x}\n/a/b", "GET", "/a/b"},
		{"/{x}/b\n/a/{y}", "POST", "/a/b"},
		{"POST /p/\nGET /q", "GET", "/p"},
		{"/x/{a}/{b...}", "PUT", "/x//y/../z/./w"},
		{"/enc%2Fa\n/{k}", "GET", "/enc%2fa"},
		{"HEAD /h\nGET /h/{z}", "HEAD", "/h/%7e"},
		{"/", "OPTIONS", "/anything"},
		{"/a/{b}/c/{d}/e\n/a/{x...}", "GET", "/a/1/c/2/e/"},
	}
	for _, s := range seeds {
		f.Add(s.patterns, s.method, s.path)
	}
	f.Fuzz(func(t *testing.T, patterns, method, path string) {
		if !isToken(method) || !validTarget(path) {
			return
		}
		list := strings.Split(patterns, "\n")
		if len(list) > 4 {
			return
		}
		rt, mux := New(), http.NewServeMux()
		for _, s := range list {
			err := rt.Register(s, echo(nil))
			muxErr := muxHandle(mux, s)
			if (err == nil) != (muxErr == nil) && !knownRefusal(s, err) {
				t.Fatalf("Register(%q) = %v, ServeMux says %v", s, err, muxErr)
			}
			if err != nil && muxErr == nil {
				// Keep both sets of patterns the same.
				return
			}
		}
		checkPath(t, []byte(path))
		if hasSlashSegment(path) {
			return // ServeMux decodes a segment "%2F" into "/" and takes it for a trailing slash
		}
		var c captures
		got, r, to := rt.route([]byte(method), []byte(path), &c)

		u, err := url.ParseRequestURI(path)
		if err != nil || u.EscapedPath() != path {
			return
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, &http.Request{Method: method, URL: u, Host: "test", RequestURI: path, Header: http.Header{}})
		want := map[outcome]int{found: 200, redirect: 307, notFound: 404, methodNotAllowed: 405, options: 405}[got]
		if rec.Code != want {
			t.Fatalf("%s %s: router outcome %d (%d), ServeMux %d", method, path, got, want, rec.Code)
		}
		switch got {
		case found:
			mp, _ := parsePattern(rec.Header().Get("X-Pattern"))
			if mp == nil || mp.str != r.pat.str {
				t.Fatalf("%s %s: router chose %q, ServeMux %q", method, path, r.pat.str, rec.Header().Get("X-Pattern"))
			}
			if c.n != len(r.pat.names) {
				t.Fatalf("%d captures for %d wildcards", c.n, len(r.pat.names))
			}
			req := &http.Request{Method: method, URL: u, Host: "test", Header: http.Header{}}
			mux.ServeHTTP(httptest.NewRecorder(), req)
			for i, name := range r.pat.names {
				if v := c.value(path, i); name != "" && v != req.PathValue(name) {
					t.Fatalf("%s %s: %s = %q, ServeMux %q", method, path, name, v, req.PathValue(name))
				}
			}
		case redirect:
			// ServeMux escapes the cleaned path again ("!" becomes "%21").
			if loc, _ := url.PathUnescape(rec.Header().Get("Location")); !strings.Contains(path, "%") && loc != to {
				t.Fatalf("%s %s: redirect to %q, ServeMux to %q", method, path, to, rec.Header().Get("Location"))
			}
		}
	})
}

func muxHandle(mux *http.ServeMux, pattern string) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err, _ = v.(error)
			if err == nil {
				err = errors.New("panic")
			}
		}
	}()
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Pattern", r.Pattern)
	})
	return nil
}

// knownRefusal reports whether the Router refuses a pattern ServeMux takes
// on purpose: a host, an unclean path, too many wildcards, a leading
// space.
func knownRefusal(pattern string, err error) bool {
	if !errors.Is(err, ErrInvalidPattern) {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "host patterns") || strings.Contains(msg, "not clean") ||
		strings.Contains(msg, "wildcards") || strings.Contains(msg, "starts with a space") || strings.Contains(msg, "must start with /")
}

// validTarget keeps to paths the core accepts and that net/url leaves as
// they are.
func validTarget(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte("-._~!$&'()*+,;=:@/", c) >= 0:
		case c == '%':
			if i+2 >= len(p) || !isHex(p[i+1]) || !isHex(p[i+2]) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

func hasSlashSegment(p string) bool {
	for _, seg := range strings.Split(p, "/") {
		if strings.EqualFold(seg, "%2F") {
			return true
		}
	}
	return false
}

// checkPath holds the path helpers to their definitions.
func checkPath(t *testing.T, p []byte) {
	if isClean(p) != (cleanPath(string(p)) == string(p)) {
		t.Fatalf("isClean(%q) = %v, cleanPath gives %q", p, isClean(p), cleanPath(string(p)))
	}
	for _, seg := range strings.Split(string(p), "/") {
		u, err := url.PathUnescape(seg)
		if err == nil && !equalEscaped([]byte(seg), u) {
			t.Fatalf("equalEscaped(%q, %q) = false", seg, u)
		}
		if err == nil && u != seg+"x" && equalEscaped([]byte(seg), u+"x") {
			t.Fatalf("equalEscaped(%q, %q) = true", seg, u+"x")
		}
	}
}
