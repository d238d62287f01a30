package router

import (
	"net/url"
	"path"
	"strings"
)

// Paths are matched still percent-encoded, as they arrived, so that an
// encoded slash (%2F) stays inside its segment. Segments are compared with
// the pattern's unescaped literals byte by byte, decoding escapes on the fly,
// and only a wildcard value with an escape in it is unescaped into a new
// string.

// cleanPath returns the canonical form of the escaped path p, as ServeMux
// computes it: no empty, "." or ".." segments, and a trailing slash kept.
func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	if p[0] != '/' {
		p = "/" + p
	}
	np := path.Clean(p)
	if p[len(p)-1] == '/' && np != "/" {
		np += "/"
	}
	return np
}

// isClean reports whether cleanPath(p) == p without building the cleaned
// path: p starts with a slash and no segment is empty (but the last), "."
// or "..".
func isClean(p []byte) bool {
	if len(p) == 0 || p[0] != '/' {
		return false
	}
	start := 1
	for i := 1; i <= len(p); i++ {
		if i < len(p) && p[i] != '/' {
			continue
		}
		switch seg := p[start:i]; len(seg) {
		case 0:
			if i < len(p) {
				return false // "//"
			}
		case 1:
			if seg[0] == '.' {
				return false
			}
		case 2:
			if seg[0] == '.' && seg[1] == '.' {
				return false
			}
		}
		start = i + 1
	}
	return true
}

// equalEscaped reports whether the escaped segment seg decodes to lit.
func equalEscaped(seg []byte, lit string) bool {
	j := 0
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		if c == '%' && i+2 < len(seg) && isHex(seg[i+1]) && isHex(seg[i+2]) {
			c = unhex(seg[i+1])<<4 | unhex(seg[i+2])
			i += 2
		}
		if j == len(lit) || lit[j] != c {
			return false
		}
		j++
	}
	return j == len(lit)
}

func hasEscape(s []byte) bool {
	for _, c := range s {
		if c == '%' {
			return true
		}
	}
	return false
}

// unescape decodes a wildcard value; the core has already refused malformed
// escapes, so the fallback to the raw text only guards direct callers.
func unescape(s string) string {
	if strings.IndexByte(s, '%') < 0 {
		return s
	}
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}
