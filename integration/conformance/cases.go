package conformance

import (
	"fmt"
	"strings"

	"github.com/tophat-go/tophat/core"
)

// Cases is the suite: every case once, in groups. Servers under test run
// with their default limits, except the body limit (BodyLimit).
var Cases = buildCases()

// A table under construction; the helpers keep each case to a line or two.
type table []Case

func (t *table) add(c Case) { *t = append(*t, c) }

// reject adds a case answered by one error status after which the stream
// closes. A request is appended after raw so that the case also shows the
// server does not read on past an error.
func (t *table) reject(group, name, section string, status int, raw, why string) {
	t.add(Case{Group: group, Name: name, Section: section, Raw: raw + next, Want: []Answer{{Status: status}}, Close: true, Why: why})
}

// accept adds a case answered 200 with an echo holding the lines echo,
// after which the stream stays open.
func (t *table) accept(group, name, section, raw string, echo ...string) {
	t.add(Case{Group: group, Name: name, Section: section, Raw: raw, Want: []Answer{{Status: 200, Echo: echo}}})
}

// next is a valid request that follows rejected ones: a server that
// answers it read past an error it could not frame.
const next = "GET /next HTTP/1.1\r\nHost: h\r\n\r\n"

const (
	get  = "GET / HTTP/1.1\r\nHost: h\r\n\r\n"
	post = "POST /p HTTP/1.1\r\nHost: h\r\n"
	te   = "Transfer-Encoding: chunked\r\n"
	ch   = post + te + "\r\n"
)

// field is a GET with one extra header field line.
func field(line string) string { return "GET / HTTP/1.1\r\nHost: h\r\n" + line + "\r\n\r\n" }

func buildCases() []Case {
	var t table
	requestLine(&t)
	targets(&t)
	versions(&t)
	methods(&t)
	fields(&t)
	controls(&t)
	hosts(&t)
	contentLength(&t)
	transferEncoding(&t)
	smuggling(&t)
	chunked(&t)
	trailers(&t)
	bareLineEnds(&t)
	pipelining(&t)
	truncation(&t)
	limits(&t)
	expect(&t)
	upgradeConnect(&t)
	http10(&t)
	connection(&t)
	routing(&t)
	seen := map[string]bool{}
	for _, c := range t {
		if seen[c.Name] {
			panic("conformance: two cases named " + c.Name)
		}
		seen[c.Name] = true
	}
	return t
}

func requestLine(t *table) {
	const g, s = "request-line", "RFC 9112 §3"
	t.accept(g, "plain GET", s, get, "method=GET", "target=/", "host=h", "proto=HTTP/1.1")
	t.accept(g, "empty line before request", "RFC 9112 §2.2", "\r\n"+get, "target=/")
	t.accept(g, "two empty lines before request", "RFC 9112 §2.2", "\r\n\r\n"+get, "target=/")
	t.accept(g, "a hundred empty lines before request", "RFC 9112 §2.2", strings.Repeat("\r\n", 100)+get, "target=/")
	t.reject(g, "bare LF before request", "RFC 9112 §2.2", 400, "\n"+get, "only CRLF ends a line; an empty line of bare LF is no exception")
	t.reject(g, "space before method", s, 400, " "+get, "")
	t.reject(g, "two spaces after method", s, 400, "GET  / HTTP/1.1\r\nHost: h\r\n\r\n", "RFC 9112 §3 allows lenient whitespace parsing; a proxy that splits differently would see another target")
	t.reject(g, "two spaces before version", s, 400, "GET /  HTTP/1.1\r\nHost: h\r\n\r\n", "one SP, no leniency")
	t.reject(g, "trailing space", s, 400, "GET / HTTP/1.1 \r\nHost: h\r\n\r\n", "")
	t.reject(g, "tab as separator", s, 400, "GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n", "HTAB is whitespace only where the grammar says so")
	t.reject(g, "vertical tab as separator", s, 400, "GET\v/ HTTP/1.1\r\nHost: h\r\n\r\n", "")
	t.reject(g, "form feed as separator", s, 400, "GET\f/ HTTP/1.1\r\nHost: h\r\n\r\n", "")
	t.reject(g, "bare CR as separator", "RFC 9112 §2.2", 400, "GET\r/ HTTP/1.1\r\nHost: h\r\n\r\n", "RFC 9112 §3 lets servers treat bare CR as whitespace; tophat refuses it everywhere")
	t.reject(g, "space in target", s, 400, "GET /a b HTTP/1.1\r\nHost: h\r\n\r\n", "")
	t.reject(g, "missing target", s, 400, "GET HTTP/1.1\r\nHost: h\r\n\r\n", "")
	t.reject(g, "request line only spaces", s, 400, "   \r\nHost: h\r\n\r\n", "")
	t.reject(g, "garbage request line", s, 400, "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\r\n\r\n", "a TLS ClientHello on a plain port")
}

func targets(t *table) {
	const g = "target"
	t.accept(g, "origin form with query", "RFC 9112 §3.2.1", "GET /a/b?x=1&y HTTP/1.1\r\nHost: h\r\n\r\n", "target=/a/b?x=1&y")
	t.accept(g, "origin form percent escapes", "RFC 9112 §3.2.1", "GET /a%20b%2F HTTP/1.1\r\nHost: h\r\n\r\n", "target=/a%20b%2F")
	t.accept(g, "origin form empty query", "RFC 9112 §3.2.1", "GET /? HTTP/1.1\r\nHost: h\r\n\r\n", "target=/?")
	t.accept(g, "origin form sub-delims", "RFC 3986 §3.3", "GET /a;b=c,d!$&'()*+:@~ HTTP/1.1\r\nHost: h\r\n\r\n", "target=/a;b=c,d!$&'()*+:@~")
	t.accept(g, "absolute form", "RFC 9112 §3.2.2", "GET http://example.com/x?y HTTP/1.1\r\nHost: example.com\r\n\r\n", "host=example.com", "target=http://example.com/x?y")
	t.accept(g, "absolute form wins over Host", "RFC 9112 §3.2.2", "GET http://example.com:8080/x HTTP/1.1\r\nHost: other\r\n\r\n", "host=example.com:8080")
	t.accept(g, "absolute form https", "RFC 9112 §3.2.2", "GET https://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n", "host=example.com")
	t.accept(g, "absolute form with query and no path", "RFC 9112 §3.2.2", "GET http://example.com?q HTTP/1.1\r\nHost: h\r\n\r\n", "host=example.com")
	t.accept(g, "absolute form IPv6", "RFC 9112 §3.2.2", "GET http://[::1]:8080/ HTTP/1.1\r\nHost: h\r\n\r\n", "host=[::1]:8080")
	t.accept(g, "absolute form scheme upper case", "RFC 3986 §3.1", "GET HTTP://example.com/ HTTP/1.1\r\nHost: h\r\n\r\n", "host=example.com")
	t.reject(g, "absolute form empty host", "RFC 9110 §4.2.1", 400, "GET http:///x HTTP/1.1\r\nHost: h\r\n\r\n", "an http URI with an empty host MUST be rejected")
	t.reject(g, "absolute form userinfo", "RFC 9110 §4.2.4", 400, "GET http://u:p@example.com/ HTTP/1.1\r\nHost: h\r\n\r\n", "userinfo is deprecated and MUST NOT be sent")
	t.reject(g, "absolute form other scheme", "RFC 9112 §3.2.2", 400, "GET ftp://example.com/ HTTP/1.1\r\nHost: h\r\n\r\n", "an origin server serves http and https only")
	t.reject(g, "absolute form without Host", "RFC 9112 §3.2", 400, "GET http://example.com/ HTTP/1.1\r\n\r\n", "HTTP/1.1 requires Host even with an absolute target")
	t.reject(g, "asterisk with GET", "RFC 9112 §3.2.4", 400, "GET * HTTP/1.1\r\nHost: h\r\n\r\n", "")
	t.accept(g, "asterisk with OPTIONS", "RFC 9112 §3.2.4", "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", "target=*")
	t.reject(g, "asterisk with a suffix", "RFC 9112 §3.2.4", 400, "OPTIONS *a HTTP/1.1\r\nHost: h\r\n\r\n", "")
	t.reject(g, "authority form with GET", "RFC 9112 §3.2.3", 400, "GET example.com:80 HTTP/1.1\r\nHost: h\r\n\r\n", "authority-form is for CONNECT only")
	t.reject(g, "relative path", "RFC 9112 §3.2", 400, "GET a/b HTTP/1.1\r\nHost: h\r\n\r\n", "")
	t.reject(g, "fragment", "RFC 9112 §3.2", 400, "GET /a#b HTTP/1.1\r\nHost: h\r\n\r\n", "a fragment is never sent")
	t.reject(g, "malformed percent escape", "RFC 3986 §2.1", 400, "GET /a%zz HTTP/1.1\r\nHost: h\r\n\r\n", "")
	t.reject(g, "truncated percent escape", "RFC 3986 §2.1", 400, "GET /a%2 HTTP/1.1\r\nHost: h\r\n\r\n", "")
	t.reject(g, "non-ASCII in target", "RFC 3986 §2", 400, "GET /\xc3\xa9 HTTP/1.1\r\nHost: h\r\n\r\n", "")
	t.reject(g, "backslash in target", "RFC 3986 §2", 400, "GET /a\\b HTTP/1.1\r\nHost: h\r\n\r\n", "")
	t.reject(g, "quote in target", "RFC 3986 §2", 400, "GET /a\"b HTTP/1.1\r\nHost: h\r\n\r\n", "")
	t.reject(g, "angle brackets in target", "RFC 3986 §2", 400, "GET /<a> HTTP/1.1\r\nHost: h\r\n\r\n", "")
	t.reject(g, "braces and pipe in target", "RFC 3986 §2", 400, "GET /{a|b} HTTP/1.1\r\nHost: h\r\n\r\n", "")
	t.reject(g, "brackets in path", "RFC 3986 §3.3", 400, "GET /a[b] HTTP/1.1\r\nHost: h\r\n\r\n", "brackets belong to an IP literal in an authority only")
	t.reject(g, "caret and backquote in target", "RFC 3986 §2", 400, "GET /a^b`c HTTP/1.1\r\nHost: h\r\n\r\n", "")
}

func versions(t *table) {
	const g, s = "version", "RFC 9112 §2.3"
	t.reject(g, "HTTP/2.0", "RFC 9110 §15.6.6", 505, "GET / HTTP/2.0\r\nHost: h\r\n\r\n", "")
	t.reject(g, "HTTP/3.0", "RFC 9110 §15.6.6", 505, "GET / HTTP/3.0\r\nHost: h\r\n\r\n", "")
	t.reject(g, "HTTP/0.9 version", "RFC 9110 §15.6.6", 505, "GET / HTTP/0.9\r\nHost: h\r\n\r\n", "")
	t.reject(g, "HTTP/0.9 simple request", "RFC 9112 §3", 400, "GET /\r\n\r\n", "HTTP/0.9 is not served: its response has no status line to refuse with")
	t.accept(g, "HTTP/1.2 served as 1.1", "RFC 9110 §6.2", "GET / HTTP/1.2\r\nHost: h\r\n\r\n", "proto=HTTP/1.1")
	t.reject(g, "lower-case version", s, 400, "GET / http/1.1\r\nHost: h\r\n\r\n", "HTTP-name is case-sensitive")
	t.reject(g, "two-digit minor", s, 400, "GET / HTTP/1.10\r\nHost: h\r\n\r\n", "")
	t.reject(g, "leading zero major", s, 400, "GET / HTTP/01.1\r\nHost: h\r\n\r\n", "")
	t.reject(g, "no minor", s, 400, "GET / HTTP/1\r\nHost: h\r\n\r\n", "")
	t.reject(g, "three parts", s, 400, "GET / HTTP/1.1.1\r\nHost: h\r\n\r\n", "")
	t.reject(g, "HTTPS name", s, 400, "GET / HTTPS/1.1\r\nHost: h\r\n\r\n", "")
	t.reject(g, "space in version", s, 400, "GET / HTTP/ 1.1\r\nHost: h\r\n\r\n", "")
	t.reject(g, "HTTP/2 preface", "RFC 9113 §3.4", 505, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "prior knowledge HTTP/2 on an HTTP/1.1 port")
}

func methods(t *table) {
	const g, s = "method", "RFC 9110 §9.1"
	t.accept(g, "lower-case get is another method", s, "get / HTTP/1.1\r\nHost: h\r\n\r\n", "method=get")
	t.accept(g, "mixed-case method kept", s, "Get / HTTP/1.1\r\nHost: h\r\n\r\n", "method=Get")
	t.accept(g, "unknown method", s, "FOO / HTTP/1.1\r\nHost: h\r\n\r\n", "method=FOO")
	t.accept(g, "M-SEARCH", s, "M-SEARCH / HTTP/1.1\r\nHost: h\r\n\r\n", "method=M-SEARCH")
	t.accept(g, "every tchar", "RFC 9110 §5.6.2", "!#$%&'*+-.^_`|~09azAZ / HTTP/1.1\r\nHost: h\r\n\r\n", "method=!#$%&'*+-.^_`|~09azAZ")
	t.accept(g, "DELETE", s, "DELETE /x HTTP/1.1\r\nHost: h\r\n\r\n", "method=DELETE")
	t.accept(g, "PATCH with body", s, "PATCH /x HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi", "method=PATCH", "body=hi")
	t.accept(g, "GET with body", "RFC 9110 §9.3.1", "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello", "body=hello")
	t.add(Case{Group: g, Name: "HEAD", Section: "RFC 9110 §9.3.2", Raw: "HEAD / HTTP/1.1\r\nHost: h\r\n\r\n" + get,
		Want: []Answer{{Status: 200, Method: "HEAD", Header: []string{"Content-Length: "}}, {Status: 200, Echo: []string{"method=GET"}}}})
	t.accept(g, "method 32 bytes", s, strings.Repeat("A", 32)+" / HTTP/1.1\r\nHost: h\r\n\r\n", "method="+strings.Repeat("A", 32))
	t.reject(g, "method 33 bytes", s, 400, strings.Repeat("A", 33)+" / HTTP/1.1\r\nHost: h\r\n\r\n", "no standard method is longer; a limit keeps the token short")
	for _, m := range []string{"GE(T", "GE/T", "GE:T", "GE@T", "GE,T", "GE\"T", "GE[T", "GE{T", "GE\x00T", "GE\x7fT", "GE\x80T"} {
		t.reject(g, fmt.Sprintf("method %q", m), "RFC 9110 §5.6.2", 400, m+" / HTTP/1.1\r\nHost: h\r\n\r\n", "")
	}
}

func fields(t *table) {
	const g, s = "fields", "RFC 9112 §5"
	t.accept(g, "field kept as sent", s, field("X-Mixed-Case: Value"), "header x-mixed-case=Value")
	t.accept(g, "OWS around value", "RFC 9110 §5.6.3", field("X-A: \t v \t"), "header x-a=v")
	t.accept(g, "no space after colon", s, field("X-A:v"), "header x-a=v")
	t.accept(g, "empty value", "RFC 9110 §5.5", field("X-A:"), "header x-a=")
	t.accept(g, "inner spaces kept", "RFC 9110 §5.5", field("X-A: a  b"), "header x-a=a  b")
	t.accept(g, "obs-text in value", "RFC 9110 §5.5", field("X-A: caf\xe9"))
	t.accept(g, "every tchar in name", "RFC 9110 §5.1", field("!#$%&'*+-.^_`|~09azAZ: v"), "header !#$%&'*+-.^_`|~09azaz=v")
	t.reject(g, "space before colon", "RFC 9112 §5.1", 400, field("X-A : v"), "")
	t.reject(g, "tab before colon", "RFC 9112 §5.1", 400, field("X-A\t: v"), "")
	t.reject(g, "obs-fold", "RFC 9112 §5.2", 400, field("X-A: a\r\n b"), "RFC 9112 §5.2 lets a server replace obs-fold with SP; tophat refuses it")
	t.reject(g, "obs-fold with tab", "RFC 9112 §5.2", 400, field("X-A: a\r\n\tb"), "")
	t.reject(g, "whitespace before first field", "RFC 9112 §2.2", 400, "GET / HTTP/1.1\r\n Host: h\r\n\r\n", "RFC 9112 §2.2 lets a server consume the line; tophat refuses it")
	t.reject(g, "fold into Host", "RFC 9112 §5.2", 400, "GET / HTTP/1.1\r\nHost:\r\n h\r\n\r\n", "")
	t.reject(g, "no colon", s, 400, field("X-A v"), "")
	t.reject(g, "empty name", s, 400, field(": v"), "")
	t.reject(g, "colon only", s, 400, field(":"), "")
	for _, name := range []string{"X(A", "X/A", "X@A", "X\"A", "X[A", "X=A", "X{A", "X\\A", "X,A", "X;A", "X?A"} {
		t.reject(g, fmt.Sprintf("name %q", name), "RFC 9110 §5.1", 400, field(name+": v"), "")
	}
	t.accept(g, "repeated field kept", "RFC 9110 §5.3", "GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nX-A: 2\r\n\r\n", "header x-a=1", "header x-a=2")
}

// controls puts every control byte into a field value, and a sample of
// them into the other parts of the head (RFC 9110 §5.5: CR, LF and NUL
// are never allowed; the other controls are no field-vchar).
func controls(t *table) {
	const g = "control"
	for c := 0; c < 0x20; c++ {
		name := fmt.Sprintf("value byte 0x%02x", c)
		if c == '\t' {
			t.accept(g, name, "RFC 9110 §5.5", field("X-A: a\tb"), "header x-a=a\tb")
			continue
		}
		t.reject(g, name, "RFC 9110 §5.5", 400, field("X-A: a"+string(rune(c))+"b"), "")
	}
	t.reject(g, "value byte 0x7f", "RFC 9110 §5.5", 400, field("X-A: a\x7fb"), "")
	for _, c := range []byte{0x00, 0x01, 0x09, 0x0b, 0x0c, 0x1f, 0x7f, 0x80, 0xff} {
		t.reject(g, fmt.Sprintf("name byte 0x%02x", c), "RFC 9110 §5.1", 400, field("X-"+string([]byte{c})+"A: v"), "")
	}
	for _, c := range []byte{0x00, 0x01, 0x09, 0x0b, 0x7f, 0x80, 0xff} {
		t.reject(g, fmt.Sprintf("target byte 0x%02x", c), "RFC 9112 §3.2", 400, "GET /a"+string([]byte{c})+"b HTTP/1.1\r\nHost: h\r\n\r\n", "")
	}
	t.reject(g, "NUL at head start", "RFC 9112 §2.2", 400, "\x00"+get, "")
	t.reject(g, "NUL after head", "RFC 9112 §2.2", 400, "GET / HTTP/1.1\r\nHost: h\r\n\x00\r\n\r\n", "")
	t.reject(g, "NUL in version", "RFC 9112 §2.3", 400, "GET / HTTP/1.1\x00\r\nHost: h\r\n\r\n", "")
}

func hosts(t *table) {
	const g, s = "host", "RFC 9112 §3.2"
	t.accept(g, "Host with port", "RFC 9110 §7.2", "GET / HTTP/1.1\r\nHost: h:8080\r\n\r\n", "host=h:8080")
	t.accept(g, "Host IPv6", "RFC 9110 §7.2", "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", "host=[::1]:8080")
	t.accept(g, "Host IPv4", "RFC 9110 §7.2", "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "host=127.0.0.1")
	t.accept(g, "Host percent-encoded", "RFC 3986 §3.2.2", "GET / HTTP/1.1\r\nHost: %68\r\n\r\n", "host=%68")
	t.accept(g, "Host name case-insensitive", "RFC 9110 §5.1", "GET / HTTP/1.1\r\nhOsT: h\r\n\r\n", "host=h")
	t.accept(g, "Host with OWS", "RFC 9110 §5.6.3", "GET / HTTP/1.1\r\nHost: \th \r\n\r\n", "host=h")
	t.accept(g, "Host with empty port", "RFC 3986 §3.2.3", "GET / HTTP/1.1\r\nHost: h:\r\n\r\n", "host=h:")
	t.reject(g, "missing Host", s, 400, "GET / HTTP/1.1\r\n\r\n", "")
	t.reject(g, "two Hosts", s, 400, "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "")
	t.reject(g, "two identical Hosts", s, 400, "GET / HTTP/1.1\r\nHost: h\r\nHost: h\r\n\r\n", "")
	t.reject(g, "Host list", "RFC 9110 §7.2", 400, "GET / HTTP/1.1\r\nHost: a, b\r\n\r\n", "")
	t.reject(g, "empty Host", "RFC 9110 §4.2.1", 400, "GET / HTTP/1.1\r\nHost:\r\n\r\n", "an http target's authority is never empty")
	t.reject(g, "empty Host with asterisk", "RFC 9110 §4.2.1", 400, "OPTIONS * HTTP/1.1\r\nHost:\r\n\r\n", "")
	t.accept(g, "empty Host with absolute form", "RFC 9112 §3.2.2", "GET http://example.com/ HTTP/1.1\r\nHost:\r\n\r\n", "host=example.com")
	t.reject(g, "Host userinfo", "RFC 9110 §7.2", 400, "GET / HTTP/1.1\r\nHost: u@h\r\n\r\n", "")
	t.reject(g, "Host path", "RFC 9110 §7.2", 400, "GET / HTTP/1.1\r\nHost: h/p\r\n\r\n", "")
	t.reject(g, "Host query", "RFC 9110 §7.2", 400, "GET / HTTP/1.1\r\nHost: h?q\r\n\r\n", "")
	t.reject(g, "Host bad port", "RFC 9110 §7.2", 400, "GET / HTTP/1.1\r\nHost: h:8x\r\n\r\n", "")
	t.reject(g, "Host two ports", "RFC 9110 §7.2", 400, "GET / HTTP/1.1\r\nHost: h:80:80\r\n\r\n", "")
	t.reject(g, "Host space inside", "RFC 9110 §7.2", 400, "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", "")
	t.reject(g, "Host unclosed bracket", "RFC 9110 §7.2", 400, "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", "")
	t.reject(g, "Host bad escape", "RFC 3986 §2.1", 400, "GET / HTTP/1.1\r\nHost: %6\r\n\r\n", "")
	t.reject(g, "Host with scheme", "RFC 9110 §7.2", 400, "GET / HTTP/1.1\r\nHost: http://h\r\n\r\n", "")
}

func limits(t *table) {
	const g = "limits"
	line := core.DefaultMaxRequestLineBytes
	t.accept(g, "target just under the line limit", "RFC 9112 §3", "GET /"+strings.Repeat("a", line-len("GET / HTTP/1.1\r\n"))+" HTTP/1.1\r\nHost: h\r\n\r\n", "method=GET")
	t.reject(g, "target over the line limit", "RFC 9112 §3", 414, "GET /"+strings.Repeat("a", line)+" HTTP/1.1\r\nHost: h\r\n\r\n", "")
	t.reject(g, "line of garbage over the limit", "RFC 9112 §3", 400, strings.Repeat("a", 2*line)+"\r\n\r\n", "")
	t.reject(g, "head over the limit", "RFC 6585 §5", 431, field("X-Big: "+strings.Repeat("b", core.DefaultMaxHeaderBytes)), "")
	t.reject(g, "field name over the limit", "RFC 6585 §5", 431, field(strings.Repeat("n", core.DefaultMaxHeaderBytes)+": v"), "")
	t.reject(g, "too many fields", "RFC 6585 §5", 431, field(strings.TrimSuffix(strings.Repeat("X-A: b\r\n", core.DefaultMaxHeaderFields), "\r\n")), "")
	t.accept(g, "fields up to the limit", "RFC 6585 §5", field(strings.TrimSuffix(strings.Repeat("X-A: b\r\n", core.DefaultMaxHeaderFields-1), "\r\n")), "header x-a=b")
	t.reject(g, "Content-Length over the body limit", "RFC 9110 §15.5.14", 413, post+fmt.Sprintf("Content-Length: %d\r\n\r\n", BodyLimit+1), "refused before the body arrives")
	t.reject(g, "chunk over the body limit", "RFC 9110 §15.5.14", 413, ch+fmt.Sprintf("%x\r\n", BodyLimit+1), "refused at the chunk-size line")
	t.reject(g, "chunks add up over the body limit", "RFC 9110 §15.5.14", 413, ch+fmt.Sprintf("%x\r\n", BodyLimit/2)+strings.Repeat("a", BodyLimit/2)+fmt.Sprintf("\r\n%x\r\n", BodyLimit/2+1), "")
	t.reject(g, "chunk extension over the line limit", "RFC 9112 §7.1.1", 400, ch+"1;a="+strings.Repeat("b", core.DefaultMaxChunkLineBytes)+"\r\nx\r\n0\r\n\r\n", "CWE-400: extensions are otherwise unbounded")
	t.reject(g, "trailer section over the limit", "RFC 9112 §7.1.2", 431, ch+"1\r\nx\r\n0\r\nX-T: "+strings.Repeat("t", core.DefaultMaxTrailerBytes)+"\r\n\r\n", "")
	t.accept(g, "one-megabyte body", "RFC 9110 §8.6", post+fmt.Sprintf("Content-Length: %d\r\n\r\n", BodyLimit)+strings.Repeat("z", BodyLimit), fmt.Sprintf("body-len=%d", BodyLimit))
}
