package redirect_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/coretest"
	"github.com/tophat-go/tophat/core/redirect"
)

func TestResolve(t *testing.T) {
	tests := []struct{ path, target, want string }{
		{"/a/b", "c", "/a/c"},
		{"/a/b/", "c", "/a/b/c"},
		{"/a/b", "../c", "/c"},
		{"/a/b", "../../../../c", "/c"},
		{"/a/b", "", "/a/"},
		{"/a/b", "./", "/a/"},
		{"/a/b", "/x/./y/../z/", "/x/z/"},
		{"/a/b", "c?x=1&y=/../#frag", "/a/c?x=1&y=/../#frag"},
		{"/a/b", "https://example.org/p?q", "https://example.org/p?q"},
		{"/a/b", "HTTP://Example.org", "HTTP://Example.org"},
		// Paths that browsers would read as another host stay paths.
		{"/a/b", "//evil.example/x", "/evil.example/x"},
		{"/a/b", "///evil.example", "/evil.example"},
		{"/a/b", `/\evil.example`, "/%5Cevil.example"},
		{"/a/b", `\\evil.example`, "/a/%5C%5Cevil.example"},
		{"/a/b", "/\t/evil.example", "/%09/evil.example"},
		// No header injection, no raw non-ASCII.
		{"/a/b", "/x\r\nSet-Cookie: a=b", "/x%0D%0ASet-Cookie:%20a=b"},
		{"/a/b", "https://example.org/\r\nX: y", "https://example.org/%0D%0AX:%20y"},
		{"/a/b", "/café", "/caf%C3%A9"},
		{"/a/b", "/already%20escaped", "/already%20escaped"},
		{"", "x", "/x"},
	}
	for _, tt := range tests {
		if got := redirect.Resolve(tt.path, tt.target); got != tt.want {
			t.Errorf("Resolve(%q, %q) = %q, want %q", tt.path, tt.target, got, tt.want)
		}
	}
}

// TestAgainstNetHTTP checks that, for ordinary targets, the Location is
// the one http.Redirect sends.
func TestAgainstNetHTTP(t *testing.T) {
	for _, tt := range []struct{ path, target string }{
		{"/a/b", "c"}, {"/a/b/", "../d/"}, {"/a/b", "/x/./y"}, {"/", "z?q=1"}, {"/a", "https://example.org/x"}, {"/a/b", "."},
	} {
		rec := httptest.NewRecorder()
		http.Redirect(rec, &http.Request{Method: "GET", URL: &url.URL{Path: tt.path}}, tt.target, http.StatusFound)
		if got, want := redirect.Resolve(tt.path, tt.target), rec.Header().Get("Location"); got != want {
			t.Errorf("%q from %q: %q, net/http %q", tt.target, tt.path, got, want)
		}
	}
}

func TestTo(t *testing.T) {
	tests := []struct {
		method, target string
		code           int
		local          bool
		status         int
		location       string
		html           bool
	}{
		{"GET", "/next", 302, false, 302, "/next", true},
		{"HEAD", "/next", 301, false, 301, "/next", true},
		{"POST", "done", 303, false, 303, "/app/done", false},
		{"GET", "https://other.example/", 307, false, 307, "https://other.example/", true},
		{"GET", "https://other.example/", 303, true, 303, "/", true},
		{"GET", "//other.example/", 303, true, 303, "/", true},
		{"GET", `/\other.example/`, 303, true, 303, "/", true},
		{"GET", "javascript:alert(1)", 303, true, 303, "/", true},
		{"GET", "/account?tab=2", 303, true, 303, "/account?tab=2", true},
		{"GET", "/x", 200, false, 500, "", false},
		{"GET", "/x", 309, false, 500, "", false},
	}
	for _, tt := range tests {
		h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
			if tt.local {
				return redirect.Local(req, w, tt.target, tt.code)
			}
			return redirect.To(req, w, tt.target, tt.code)
		})
		res := coretest.Serve(h, tt.method, "/app/page", nil)
		if res.Status != tt.status || res.Header.Get("Location") != tt.location {
			t.Errorf("%s %q %d: got %d Location %q", tt.method, tt.target, tt.code, res.Status, res.Header.Get("Location"))
		}
		if tt.html != (res.Header.Get("Content-Type") == "text/html; charset=utf-8") {
			t.Errorf("%s %q: Content-Type %q", tt.method, tt.target, res.Header.Get("Content-Type"))
		}
		if tt.html && tt.method == "GET" && !strings.Contains(res.BodyString(), `href="`+tt.location+`"`) {
			t.Errorf("body %q", res.Body)
		}
	}
}

func TestIsLocal(t *testing.T) {
	for target, want := range map[string]bool{
		"": true, "/": true, "/a?b#c": true, "rel/path": true, "../up": true,
		"//host": false, `/\host`: false, `\\host`: false, "http://host": false, "mailto:x@y": false,
		"/a\nb": false, "/\x00": false, "javascript:alert(1)": false,
	} {
		if got := redirect.IsLocal(target); got != want {
			t.Errorf("IsLocal(%q) = %t", target, got)
		}
	}
}

// FuzzResolve checks that no path target, however crafted, yields a
// Location a browser reads as another host or that breaks the header.
func FuzzResolve(f *testing.F) {
	for _, s := range []string{"//evil", `/\evil`, "/\t/evil", "a/../../b", "/x\r\ny", "%2F%2Fevil", "?//x", "#//x"} {
		f.Add("/a/b", s)
	}
	f.Fuzz(func(t *testing.T, reqPath, target string) {
		loc := redirect.Resolve(reqPath, target)
		for i := 0; i < len(loc); i++ {
			if c := loc[i]; c <= ' ' || c >= 0x7f || c == '\\' {
				t.Fatalf("Resolve(%q, %q) = %q: byte %#x", reqPath, target, loc, c)
			}
		}
		if redirect.IsLocal(target) {
			u, err := url.Parse(loc)
			if err != nil || u.Host != "" || u.Scheme != "" || !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") {
				t.Fatalf("Resolve(%q, %q) = %q leaves the site", reqPath, target, loc)
			}
		}
	})
}
