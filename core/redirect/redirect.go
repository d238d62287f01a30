// Package redirect sends redirects from tophat handlers with net/http's
// semantics, and with a Location that cannot be turned against the site.
//
//	return redirect.To(req, w, "../list", 303)       // relative to the request path
//	return redirect.To(req, w, "https://example.org/", 308)
//	return redirect.Local(req, w, req.Query().Get("next"), 303) // from the client: paths only
//
// # The Location
//
// As with http.Redirect, a target without a scheme is a path: one that does
// not start with "/" is resolved against the request path's directory, and
// the result is cleaned ("." and ".." segments, doubled slashes), keeping a
// trailing slash. Unlike http.Redirect, a target that starts with "//" or
// "/\" is a path too, never a host: browsers read "//evil.example" and
// "/\evil.example" as another site, which is how open redirects slip past
// checks for a leading slash. Bytes that may not stand in a header field or
// a URL (controls, CR and LF, spaces, backslashes, non-ASCII) are
// percent-encoded, so a target cannot inject header fields either.
//
// A target with a scheme is sent as given (after the same escaping): To is
// for targets the server chose. Targets that come from the client go
// through Local, which turns anything but a path on this site into "/".
//
// The status must be a redirect (300 to 308); any other is a mistake in
// the handler, answered 500 so that tests see it. GET and HEAD get a short
// HTML body with a link, as net/http sends, unless Content-Type is set.
package redirect

import (
	"html"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/tophat-go/tophat/core"
)

// To answers req with a redirect to target, with status code (300-308).
func To(req *core.Request, w *core.ResponseWriter, target string, code int) core.ResponseWritten {
	if code < 300 || code > 308 {
		return w.SendString(500, "redirect: status "+strconv.Itoa(code)+" is not a redirect")
	}
	location := Resolve(req.Path(), target)
	w.Header().Set("Location", location)
	if (req.Method() == "GET" || req.Method() == "HEAD") && !w.Header().Has("Content-Type") {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		return w.SendString(code, `<a href="`+html.EscapeString(location)+`">`+core.StatusText(code)+"</a>.\n")
	}
	return w.SendStatus(code)
}

// Local is To for a target that came from the client: unless it is a path
// on this site (no scheme, no host, after the "//" and "/\" forms are read
// as paths), it is replaced by "/".
func Local(req *core.Request, w *core.ResponseWriter, target string, code int) core.ResponseWritten {
	if !IsLocal(target) {
		target = "/"
	}
	return To(req, w, target, code)
}

// IsLocal reports whether target names a path on this site: no scheme,
// no host, no "//" or "/\" start, no control byte.
func IsLocal(target string) bool {
	if target == "" {
		return true
	}
	if strings.HasPrefix(target, "//") || strings.HasPrefix(target, `/\`) || strings.HasPrefix(target, `\`) {
		return false
	}
	for i := 0; i < len(target); i++ {
		if target[i] < ' ' || target[i] == 0x7f {
			return false
		}
	}
	u, err := url.Parse(target)
	return err == nil && u.Scheme == "" && u.Host == "" && u.Opaque == ""
}

// Resolve returns the Location To sends for target answering a request
// for requestPath.
func Resolve(requestPath, target string) string {
	if hasScheme(target) {
		return escape(target)
	}
	if requestPath == "" || requestPath[0] != '/' {
		requestPath = "/"
	}
	if target == "" || target[0] != '/' {
		dir, _ := path.Split(requestPath)
		target = dir + target
	}
	var rest string
	if i := strings.IndexAny(target, "?#"); i >= 0 {
		target, rest = target[:i], target[i:]
	}
	trailing := strings.HasSuffix(target, "/")
	// Backslashes are separators to browsers: make them plain bytes of a
	// segment before cleaning, so "/\host" cannot survive as "//host".
	target = path.Clean(strings.ReplaceAll(target, `\`, "%5C"))
	if trailing && !strings.HasSuffix(target, "/") {
		target += "/"
	}
	return escape(target + rest)
}

// hasScheme reports whether target starts with a URL scheme (RFC 3986
// section 3.1) followed by ":".
func hasScheme(target string) bool {
	for i := 0; i < len(target); i++ {
		c := target[i]
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		case i > 0 && c == ':':
			return true
		default:
			return false
		}
	}
	return false
}

// escape percent-encodes every byte that may not appear in a Location
// field as a URL: controls, space, DEL, non-ASCII, backslash, and the
// characters RFC 3986 never allows unencoded. Existing escapes stay.
func escape(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	started := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c > ' ' && c < 0x7f && !strings.ContainsRune("\\\"<>^`{|}", rune(c)) {
			if started {
				b.WriteByte(c)
			}
			continue
		}
		if !started {
			started = true
			b.Grow(len(s) + 8)
			b.WriteString(s[:i])
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	if !started {
		return s
	}
	return b.String()
}
