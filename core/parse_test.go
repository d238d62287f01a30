package core_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tophat-go/tophat/core"
)

// TestRequestRules feeds raw requests and checks the status of the answer
// and whether the stream stays open, rule by rule (RFC 9112).
func TestRequestRules(t *testing.T) {
	long := strings.Repeat("a", core.DefaultMaxRequestLineBytes)
	manyFields := strings.Repeat("X-A: b\r\n", core.DefaultMaxHeaderFields)
	bigField := "X-Big: " + strings.Repeat("b", core.DefaultMaxHeaderBytes) + "\r\n"
	tests := []struct {
		name   string
		opts   *core.Options
		raw    string
		method string // of the request, for reading the response
		status int
		open   bool   // the stream stays open after the response
		body   string // substring of the response body, if set
	}{
		{name: "origin form", raw: "GET /a/b?x=1 HTTP/1.1\r\nHost: h\r\n\r\n", status: 200, open: true, body: "path=/a/b\nquery=x=1\nhost=h\n"},
		{name: "decoded path", raw: "GET /a%20b HTTP/1.1\r\nHost: h\r\n\r\n", status: 200, open: true, body: "path=/a b\n"},
		{name: "empty lines before request", raw: "\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", status: 200, open: true},
		{name: "absolute form wins over Host", raw: "GET http://example.com:8080/x?y HTTP/1.1\r\nHost: other\r\n\r\n", status: 200, open: true, body: "path=/x\nquery=y\nhost=example.com:8080\n"},
		{name: "absolute form without path", raw: "GET https://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n", status: 200, open: true, body: "path=/\n"},
		{name: "absolute form other scheme", raw: "GET ftp://example.com/ HTTP/1.1\r\nHost: h\r\n\r\n", status: 400},
		{name: "absolute form with userinfo", raw: "GET http://u@example.com/ HTTP/1.1\r\nHost: h\r\n\r\n", status: 400},
		{name: "asterisk with OPTIONS", raw: "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", status: 200, open: true, body: "path=*\n"},
		{name: "asterisk with GET", raw: "GET * HTTP/1.1\r\nHost: h\r\n\r\n", status: 400},
		{name: "CONNECT refused", raw: "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", status: 501},
		{name: "CONNECT allowed", opts: &core.Options{AllowConnect: true}, raw: "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", status: 200, open: true, body: "host=example.com:443\n"},
		{name: "CONNECT without port", opts: &core.Options{AllowConnect: true}, raw: "CONNECT example.com HTTP/1.1\r\nHost: example.com\r\n\r\n", status: 400},
		{name: "authority form with GET", raw: "GET example.com:80 HTTP/1.1\r\nHost: h\r\n\r\n", status: 400},
		{name: "fragment in target", raw: "GET /a#b HTTP/1.1\r\nHost: h\r\n\r\n", status: 400},
		{name: "bad percent escape", raw: "GET /a%zz HTTP/1.1\r\nHost: h\r\n\r\n", status: 400},
		{name: "truncated percent escape", raw: "GET /a%2 HTTP/1.1\r\nHost: h\r\n\r\n", status: 400},
		{name: "control byte in target", raw: "GET /a\x01b HTTP/1.1\r\nHost: h\r\n\r\n", status: 400},
		{name: "backslash in target", raw: "GET /a\\b HTTP/1.1\r\nHost: h\r\n\r\n", status: 400},
		{name: "quote in target", raw: "GET /a\"b HTTP/1.1\r\nHost: h\r\n\r\n", status: 400},
		{name: "angle brackets in target", raw: "GET /<a> HTTP/1.1\r\nHost: h\r\n\r\n", status: 400},
		{name: "braces and bar in query", raw: "GET /a?{a|b} HTTP/1.1\r\nHost: h\r\n\r\n", status: 400},
		{name: "caret and backtick", raw: "GET /a^b`c HTTP/1.1\r\nHost: h\r\n\r\n", status: 400},
		{name: "brackets in path", raw: "GET /a[0] HTTP/1.1\r\nHost: h\r\n\r\n", status: 400},
		{name: "sub-delims and colon in target", raw: "GET /a:b@c!$&'()*+,;=?x=/?~ HTTP/1.1\r\nHost: h\r\n\r\n", status: 200, open: true},
		{name: "IPv6 literal in absolute form", raw: "GET http://[::1]:8080/x HTTP/1.1\r\nHost: h\r\n\r\n", status: 200, open: true, body: "host=[::1]:8080\n"},
		{name: "non-ASCII in target", raw: "GET /\xc3\xa9 HTTP/1.1\r\nHost: h\r\n\r\n", status: 400},

		{name: "method token", raw: "M-SEARCH / HTTP/1.1\r\nHost: h\r\n\r\n", status: 200, open: true, body: "method=M-SEARCH\n"},
		{name: "invalid method", raw: "GE(T / HTTP/1.1\r\nHost: h\r\n\r\n", status: 400},
		{name: "over-long method", raw: strings.Repeat("A", 33) + " / HTTP/1.1\r\nHost: h\r\n\r\n", status: 400},
		{name: "two spaces", raw: "GET  / HTTP/1.1\r\nHost: h\r\n\r\n", status: 400},
		{name: "trailing space", raw: "GET / HTTP/1.1 \r\nHost: h\r\n\r\n", status: 400},
		{name: "tab separator", raw: "GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n", status: 400},
		{name: "missing version", raw: "GET /\r\nHost: h\r\n\r\n", status: 400},
		{name: "lowercase version", raw: "GET / http/1.1\r\nHost: h\r\n\r\n", status: 400},
		{name: "HTTP/2.0", raw: "GET / HTTP/2.0\r\nHost: h\r\n\r\n", status: 505},
		{name: "HTTP/0.9", raw: "GET / HTTP/0.9\r\nHost: h\r\n\r\n", status: 505},
		{name: "HTTP/1.2 served as 1.1", raw: "GET / HTTP/1.2\r\nHost: h\r\n\r\n", status: 200, open: true, body: "proto=HTTP/1.1\n"},
		{name: "HTTP/1.10", raw: "GET / HTTP/1.10\r\nHost: h\r\n\r\n", status: 400},
		{name: "target too long", raw: "GET /" + long + " HTTP/1.1\r\nHost: h\r\n\r\n", status: 414},
		{name: "garbage line too long", raw: long + long + "\r\n\r\n", status: 400},

		{name: "bare LF", raw: "GET / HTTP/1.1\nHost: h\n\n", status: 400},
		{name: "bare LF in fields", raw: "GET / HTTP/1.1\r\nHost: h\nX: y\r\n\r\n", status: 400},
		// The empty line after a bare LF ends the head: answered at once,
		// not left to wait for a CRLF CRLF that never comes.
		{name: "bare LF then empty CRLF line", raw: "GET / HTTP/1.1\nHost: h\n\r\n", status: 400},
		{name: "bare LF request line", raw: "GET / HTTP/1.1\nHost: h\r\n\r\n", status: 400},
		{name: "bare CR in value", raw: "GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n", status: 400},
		{name: "bare CR in request line", raw: "GET /\r HTTP/1.1\r\nHost: h\r\n\r\n", status: 400},
		{name: "NUL in value", raw: "GET / HTTP/1.1\r\nHost: h\r\nX: a\x00b\r\n\r\n", status: 400},
		{name: "DEL in value", raw: "GET / HTTP/1.1\r\nHost: h\r\nX: a\x7fb\r\n\r\n", status: 400},
		{name: "obs-text in value", raw: "GET / HTTP/1.1\r\nHost: h\r\nX: caf\xe9\r\n\r\n", status: 200, open: true},
		{name: "obs-fold", raw: "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n  b\r\n\r\n", status: 400},
		{name: "space before colon", raw: "GET / HTTP/1.1\r\nHost : h\r\n\r\n", status: 400},
		{name: "invalid name character", raw: "GET / HTTP/1.1\r\nHost: h\r\nX(y: z\r\n\r\n", status: 400},
		{name: "empty name", raw: "GET / HTTP/1.1\r\nHost: h\r\n: z\r\n\r\n", status: 400},
		{name: "no colon", raw: "GET / HTTP/1.1\r\nHost: h\r\nXy\r\n\r\n", status: 400},
		{name: "too many fields", raw: "GET / HTTP/1.1\r\nHost: h\r\n" + manyFields + "\r\n", status: 431},
		{name: "head too large", raw: "GET / HTTP/1.1\r\nHost: h\r\n" + bigField + "\r\n", status: 431},

		{name: "missing Host", raw: "GET / HTTP/1.1\r\n\r\n", status: 400},
		{name: "two Hosts", raw: "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", status: 400},
		{name: "Host with userinfo", raw: "GET / HTTP/1.1\r\nHost: u@h\r\n\r\n", status: 400},
		{name: "Host with path", raw: "GET / HTTP/1.1\r\nHost: h/p\r\n\r\n", status: 400},
		{name: "Host with bad port", raw: "GET / HTTP/1.1\r\nHost: h:8x\r\n\r\n", status: 400},
		{name: "Host IPv6", raw: "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", status: 200, open: true, body: "host=[::1]:8080\n"},
		{name: "empty Host", raw: "GET / HTTP/1.1\r\nHost:\r\n\r\n", status: 400},
		{name: "empty Host with asterisk form", raw: "OPTIONS * HTTP/1.1\r\nHost:\r\n\r\n", status: 400},
		{name: "empty Host with absolute form", raw: "GET http://example.com/ HTTP/1.1\r\nHost:\r\n\r\n", status: 200, open: true, body: "host=example.com\n"},
		{name: "HTTP/1.0 without Host", raw: "GET / HTTP/1.0\r\n\r\n", status: 200, body: "proto=HTTP/1.0\n"},
		{name: "HTTP/1.0 keep-alive", raw: "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", status: 200, open: true},
		{name: "Connection close", raw: "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", status: 200},
		{name: "Connection close in a list", raw: "GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, Close\r\n\r\n", status: 200},

		{name: "Content-Length body", raw: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello", status: 200, open: true, body: "body=hello\n"},
		{name: "Content-Length zero", raw: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n", status: 200, open: true, body: "body=\n"},
		{name: "Content-Length leading zeros", raw: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 002\r\n\r\nhi", status: 200, open: true, body: "body=hi\n"},
		{name: "Content-Length sign", raw: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +5\r\n\r\nhello", status: 400},
		{name: "Content-Length negative", raw: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", status: 400},
		{name: "Content-Length hex", raw: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x5\r\n\r\nhello", status: 400},
		{name: "Content-Length empty", raw: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\n", status: 400},
		{name: "Content-Length overflow", raw: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999\r\n\r\n", status: 400},
		{name: "Content-Length list", raw: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\n\r\nhello", status: 400},
		{name: "two Content-Lengths", raw: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello", status: 400},
		{name: "folded identical Content-Lengths", opts: &core.Options{FoldContentLength: true}, raw: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello", status: 200, open: true, body: "body=hello\n"},
		{name: "folded identical list", opts: &core.Options{FoldContentLength: true}, raw: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\n\r\nhello", status: 200, open: true, body: "body=hello\n"},
		{name: "folding refuses different values", opts: &core.Options{FoldContentLength: true}, raw: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", status: 400},
		{name: "body too large", opts: &core.Options{MaxBodyBytes: 4}, raw: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello", status: 413},

		{name: "chunked", raw: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", status: 200, open: true, body: "body=hello world\n"},
		{name: "chunked case-insensitive", raw: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n", status: 200, open: true, body: "body=hi\n"},
		{name: "chunked with extensions", raw: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2;a=b;c=\"d;e\" ; f\r\nhi\r\n0;last\r\n\r\n", status: 200, open: true, body: "body=hi\n"},
		{name: "chunked uppercase hex", raw: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n", status: 200, open: true, body: "body=0123456789\n"},
		{name: "chunked trailers", raw: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nX-Sum: 42\r\nContent-Length: 7\r\nHost: evil\r\n\r\n", status: 200, open: true, body: "host=h\nproto=HTTP/1.1\nbody=hi\ntrailer X-Sum=42\n"},
		{name: "chunk size not hex", raw: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\nhi\r\n0\r\n\r\n", status: 400},
		{name: "chunk size with sign", raw: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n+2\r\nhi\r\n0\r\n\r\n", status: 400},
		{name: "chunk size overflow", raw: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\nhi\r\n0\r\n\r\n", status: 400},
		{name: "chunk size bare LF", raw: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\nhi\r\n0\r\n\r\n", status: 400},
		{name: "chunk data without CRLF", raw: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhiXX0\r\n\r\n", status: 400},
		{name: "chunk data bare LF", raw: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\n0\r\n\r\n", status: 400},
		{name: "chunk extension malformed", raw: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2;=x\r\nhi\r\n0\r\n\r\n", status: 400},
		{name: "chunk extension too long", opts: &core.Options{MaxChunkLineBytes: 64}, raw: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2;a=" + strings.Repeat("b", 100) + "\r\nhi\r\n0\r\n\r\n", status: 400},
		{name: "trailer malformed", raw: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nX y: z\r\n\r\n", status: 400},
		{name: "chunked body too large", opts: &core.Options{MaxBodyBytes: 3}, raw: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n2\r\nhi\r\n0\r\n\r\n", status: 413},
		{name: "TE and CL", raw: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", status: 400},
		{name: "TE not ending in chunked", raw: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n", status: 400},
		{name: "TE identity", raw: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: identity\r\n\r\n", status: 400},
		{name: "TE chunked twice", raw: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", status: 400},
		{name: "TE chunked twice in two fields", raw: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", status: 400},
		{name: "TE gzip then chunked", raw: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", status: 501},
		{name: "TE empty list item after", raw: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked,\r\n\r\n0\r\n\r\n", status: 400},
		{name: "TE empty list item before", raw: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: , chunked\r\n\r\n0\r\n\r\n", status: 400},
		{name: "TE extra empty field", raw: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding:\r\n\r\n0\r\n\r\n", status: 400},
		{name: "TE empty", raw: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding:\r\n\r\n", status: 400},
		{name: "TE not a token", raw: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: \"chunked\"\r\n\r\n", status: 400},
		{name: "TE with control byte", raw: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\x0b\r\n\r\n", status: 400},
		{name: "TE space before colon", raw: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n", status: 400},
		{name: "TE on HTTP/1.0", raw: "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", status: 400},

		{name: "Expect other", raw: "POST / HTTP/1.1\r\nHost: h\r\nExpect: 200-ok\r\nContent-Length: 2\r\n\r\nhi", status: 417},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := serve(t, tt.opts, echo)
			x.send(tt.raw)
			method := tt.method
			if method == "" {
				method = "GET"
			}
			resp := x.response(method)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d; body %q", resp.StatusCode, tt.status, resp.body)
			}
			if tt.body != "" && !strings.Contains(resp.body, tt.body) {
				t.Fatalf("body %q does not contain %q", resp.body, tt.body)
			}
			if resp.Header.Get("Date") == "" {
				t.Error("no Date field")
			}
			if tt.open {
				if resp.Close {
					t.Error("response says Connection: close")
				}
				x.expectOpen()
				return
			}
			if !resp.Close {
				t.Error("response lacks Connection: close")
			}
			x.expectClosed()
		})
	}
}

// TestHeadsLongerThanTheScannedLines covers heads with more lines than the
// head scanner keeps line ends for: the parser finds the rest itself, with
// the same rules.
func TestHeadsLongerThanTheScannedLines(t *testing.T) {
	fields := func(n int, bareLFAt int) string {
		var b strings.Builder
		b.WriteString("GET / HTTP/1.1\r\nHost: h\r\n")
		for i := range n {
			fmt.Fprintf(&b, "X-F%d: %d", i, i)
			if i == bareLFAt {
				b.WriteString("\n")
			} else {
				b.WriteString("\r\n")
			}
		}
		b.WriteString("\r\n")
		return b.String()
	}
	count := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		n := 0
		last := ""
		for name, value := range req.Header().All() {
			n++
			last = string(name) + "=" + string(value)
		}
		return w.SendString(200, fmt.Sprintf("%d %s", n, last))
	})
	for _, tc := range []struct {
		name   string
		raw    string
		status int
		body   string
	}{
		{"90 fields", fields(90, -1), 200, "91 X-F89=89"},
		{"bare LF past the kept ends", fields(90, 80), 400, ""},
		{"bare LF within the kept ends", fields(90, 10), 400, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := serve(t, nil, count)
			x.send(tc.raw)
			r := x.response("GET")
			if r.StatusCode != tc.status || tc.body != "" && r.body != tc.body {
				t.Errorf("got %d %q, want %d %q", r.StatusCode, r.body, tc.status, tc.body)
			}
		})
	}
}
