package router

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"
)

// maxWildcards bounds the wildcards of one pattern, so that a match records
// its captures in a fixed array on the stack instead of a slice that grows
// on the heap. No real route has more than a handful.
const maxWildcards = 16

type segmentKind uint8

const (
	literal segmentKind = iota // a fixed segment, matched after unescaping
	single                     // {name}: one non-empty segment
	multi                      // {name...} or a trailing slash: the rest of the path
	end                        // {$}: the empty segment after a trailing slash
)

type segment struct {
	kind segmentKind
	s    string // the unescaped literal, or the wildcard's name ("" for a trailing slash)
}

// A pattern is a parsed route pattern: "[METHOD ]/path".
type pattern struct {
	str      string // as it is reported by Request.Pattern: "METHOD /path" or "/path"
	method   string // "" matches every method
	path     string
	segments []segment
	names    []string // the name of each wildcard in path order ("" for an anonymous multi)
}

func (p *pattern) last() segment { return p.segments[len(p.segments)-1] }

// parsePattern parses "[METHOD ]/path" with Go 1.22 ServeMux syntax, without
// hosts. Unlike ServeMux, which refuses an unclean path only when a method
// is given, it refuses every unclean path: a cleaned request can never match
// one.
func parsePattern(s string) (*pattern, error) {
	if s == "" {
		return nil, invalid(s, "empty pattern")
	}
	method, rest := "", s
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		method, rest = s[:i], strings.TrimLeft(s[i+1:], " \t")
		if i == 0 {
			return nil, invalid(s, "starts with a space")
		}
		if !isToken(method) {
			return nil, invalid(s, fmt.Sprintf("method %q is not a token", method))
		}
	}
	if rest == "" || rest[0] != '/' {
		if strings.IndexByte(rest, '/') > 0 {
			return nil, invalid(s, "host patterns are not supported (use one Router per host)")
		}
		return nil, invalid(s, "path must start with /")
	}
	if rest != cleanPath(rest) {
		return nil, invalid(s, fmt.Sprintf("path is not clean (a request for it is redirected to %q)", cleanPath(rest)))
	}
	p := &pattern{method: method, path: rest, str: rest}
	if method != "" {
		p.str = method + " " + rest
	}
	seen := map[string]bool{}
	for rest != "" {
		rest = rest[1:] // the slash
		if rest == "" {
			// A trailing slash matches the whole subtree.
			p.segments = append(p.segments, segment{kind: multi})
			p.names = append(p.names, "")
			break
		}
		seg := rest
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			seg, rest = rest[:i], rest[i:]
		} else {
			rest = ""
		}
		if !strings.HasPrefix(seg, "{") {
			if strings.IndexByte(seg, '{') >= 0 {
				return nil, invalid(s, fmt.Sprintf("wildcard in %q must be the whole segment", seg))
			}
			if u, err := url.PathUnescape(seg); err == nil {
				seg = u
			}
			p.segments = append(p.segments, segment{kind: literal, s: seg})
			continue
		}
		if !strings.HasSuffix(seg, "}") {
			return nil, invalid(s, fmt.Sprintf("wildcard %q must end with }", seg))
		}
		name := seg[1 : len(seg)-1]
		if name == "$" {
			if rest != "" {
				return nil, invalid(s, "{$} must end the pattern")
			}
			p.segments = append(p.segments, segment{kind: end})
			break
		}
		kind := single
		if n, ok := strings.CutSuffix(name, "..."); ok {
			if rest != "" {
				return nil, invalid(s, fmt.Sprintf("%q must end the pattern", seg))
			}
			name, kind = n, multi
		}
		if !isIdentifier(name) {
			return nil, invalid(s, fmt.Sprintf("wildcard name %q is not a Go identifier", name))
		}
		if seen[name] {
			return nil, invalid(s, fmt.Sprintf("wildcard name %q used twice", name))
		}
		seen[name] = true
		p.segments = append(p.segments, segment{kind: kind, s: name})
		p.names = append(p.names, name)
	}
	if len(p.names) > maxWildcards {
		return nil, invalid(s, fmt.Sprintf("more than %d wildcards", maxWildcards))
	}
	return p, nil
}

func invalid(pattern, reason string) error {
	return fmt.Errorf("%w %q: %s", ErrInvalidPattern, pattern, reason)
}

func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if !unicode.IsLetter(c) && c != '_' && (i == 0 || !unicode.IsDigit(c)) {
			return false
		}
	}
	return true
}

// isToken reports whether s is an RFC 9110 token, the syntax of a method.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 || !tokenChars[c] {
			return false
		}
	}
	return true
}

var tokenChars = func() (t [128]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

// How two patterns relate, in terms of the requests they match. Two
// patterns conflict when some request matches both and neither is more
// specific than the other, since then no rule picks one.
type relation uint8

const (
	equivalent   relation = iota // the same requests
	moreGeneral                  // every request of the other, and more
	moreSpecific                 // a strict subset of the other's requests
	disjoint                     // no request matches both
	overlaps                     // some requests match both, neither contains the other
)

func (p *pattern) conflictsWith(q *pattern) bool {
	r := p.compare(q)
	return r == equivalent || r == overlaps
}

func (p *pattern) compare(q *pattern) relation {
	m := compareMethods(p.method, q.method)
	if m == disjoint {
		return disjoint
	}
	return combine(m, p.comparePaths(q))
}

// compareMethods treats GET as matching HEAD too, since GET routes serve it.
func compareMethods(a, b string) relation {
	switch {
	case a == b:
		return equivalent
	case a == "":
		return moreGeneral
	case b == "":
		return moreSpecific
	case a == "GET" && b == "HEAD":
		return moreGeneral
	case a == "HEAD" && b == "GET":
		return moreSpecific
	}
	return disjoint
}

func (p *pattern) comparePaths(q *pattern) relation {
	if len(p.segments) != len(q.segments) && p.last().kind != multi && q.last().kind != multi {
		return disjoint
	}
	rel := equivalent
	a, b := p.segments, q.segments
	for ; len(a) > 0 && len(b) > 0; a, b = a[1:], b[1:] {
		if rel = combine(rel, compareSegments(a[0], b[0])); rel == disjoint {
			return disjoint
		}
	}
	switch {
	case len(a) == 0 && len(b) == 0:
		return rel
	case len(a) < len(b) && p.last().kind == multi:
		return combine(rel, moreGeneral)
	case len(b) < len(a) && q.last().kind == multi:
		return combine(rel, moreSpecific)
	}
	return disjoint
}

func compareSegments(a, b segment) relation {
	switch {
	case a.kind == multi && b.kind == multi:
		return equivalent
	case a.kind == multi:
		return moreGeneral
	case b.kind == multi:
		return moreSpecific
	case a.kind == end || b.kind == end:
		// {$} matches only the empty segment, which nothing else matches.
		if a.kind == b.kind {
			return equivalent
		}
		return disjoint
	case a.kind == single && b.kind == single:
		return equivalent
	case a.kind == single:
		return moreGeneral
	case b.kind == single:
		return moreSpecific
	case a.s == b.s:
		return equivalent
	}
	return disjoint
}

func combine(r1, r2 relation) relation {
	switch r1 {
	case equivalent:
		return r2
	case disjoint:
		return disjoint
	case overlaps:
		if r2 == disjoint {
			return disjoint
		}
		return overlaps
	}
	// r1 is moreGeneral or moreSpecific.
	switch {
	case r2 == equivalent:
		return r1
	case r2 == moreGeneral && r1 == moreSpecific, r2 == moreSpecific && r1 == moreGeneral:
		return overlaps
	}
	return r2
}

// describeConflict says why p and q conflict, with a path both match.
func describeConflict(p, q *pattern) string {
	if p.compare(q) == equivalent {
		return "both match the same requests"
	}
	m, paths := compareMethods(p.method, q.method), p.comparePaths(q)
	switch {
	case m == moreGeneral && paths == moreSpecific:
		return fmt.Sprintf("%q matches more methods but a narrower path, so neither is more specific", p.str)
	case m == moreSpecific && paths == moreGeneral:
		return fmt.Sprintf("%q matches fewer methods but a wider path, so neither is more specific", p.str)
	}
	return fmt.Sprintf("both match %q and neither is more specific", commonPath(p, q))
}

// commonPath builds a path that two overlapping patterns both match.
func commonPath(p, q *pattern) string {
	var b strings.Builder
	a, c := p.segments, q.segments
	for ; len(a) > 0 && len(c) > 0; a, c = a[1:], c[1:] {
		s := a[0]
		if rank(c[0]) > rank(s) {
			s = c[0]
		}
		writeExample(&b, s)
	}
	for _, s := range append(a, c...) {
		writeExample(&b, s)
	}
	return b.String()
}

// rank orders segments by how few paths they match.
func rank(s segment) int {
	switch s.kind {
	case multi:
		return 0
	case single:
		return 1
	}
	return 2
}

func writeExample(b *strings.Builder, s segment) {
	b.WriteByte('/')
	switch s.kind {
	case literal:
		b.WriteString(url.PathEscape(s.s))
	case single:
		b.WriteString("x")
	}
}
