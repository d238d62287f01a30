package conformance

import (
	"fmt"
	"strings"
)

func contentLength(t *table) {
	const g, s = "content-length", "RFC 9112 §6.2"
	cl := func(v string) string { return post + "Content-Length: " + v + "\r\n\r\n" }
	t.accept(g, "Content-Length body", s, cl("5")+"hello", "body=hello")
	t.accept(g, "Content-Length zero", s, cl("0"), "body-len=0")
	t.accept(g, "no body without framing", "RFC 9112 §6.3", post+"\r\n", "body-len=0")
	t.accept(g, "Content-Length leading zeros", "RFC 9110 §8.6", cl("0005")+"hello", "body=hello")
	t.accept(g, "Content-Length OWS", "RFC 9110 §5.6.3", post+"Content-Length: \t5 \r\n\r\nhello", "body=hello")
	t.accept(g, "Content-Length name case", "RFC 9110 §5.1", post+"content-LENGTH: 5\r\n\r\nhello", "body=hello")
	t.accept(g, "body holding a request line", "RFC 9112 §6.2", cl("35")+"GET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n", "body-len=35")
	t.accept(g, "body with bare CR and LF", "RFC 9112 §6.2", cl("5")+"a\rb\nc", "body-len=5")
	why := "RFC 9110 §8.6 lets a recipient fold identical repeats; tophat refuses any repetition unless told otherwise"
	t.reject(g, "two identical Content-Lengths", "RFC 9110 §8.6", 400, post+"Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello", why)
	t.reject(g, "two different Content-Lengths", "RFC 9112 §6.3", 400, post+"Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", "")
	t.reject(g, "Content-Length list identical", "RFC 9110 §8.6", 400, cl("5, 5")+"hello", why)
	t.reject(g, "Content-Length list different", "RFC 9112 §6.3", 400, cl("5, 6")+"hello!", "")
	t.reject(g, "Content-Length list empty element", "RFC 9112 §6.3", 400, cl("5,")+"hello", "")
	t.reject(g, "Content-Length list leading comma", "RFC 9112 §6.3", 400, cl(",5")+"hello", "")
	t.reject(g, "two Content-Lengths one empty", "RFC 9112 §6.3", 400, post+"Content-Length: 5\r\nContent-Length:\r\n\r\nhello", "")
	for _, v := range []string{"+5", "-5", "-0", "0x5", "5.0", "5e0", "5 5", "five", "", " ", "5\v", "\x005", "1_000", "٥"} {
		t.reject(g, fmt.Sprintf("Content-Length %q", v), "RFC 9110 §8.6", 400, cl(v)+"hello", "")
	}
	t.reject(g, "Content-Length 2^63", "RFC 9110 §8.6", 400, cl("9223372036854775808"), "past int64: refused, never wrapped")
	t.reject(g, "Content-Length 2^64+5", "RFC 9110 §8.6", 400, cl("18446744073709551621")+"hello", "a length that wraps to 5 in 64 bits")
	t.reject(g, "Content-Length 30 digits", "RFC 9110 §8.6", 400, cl(strings.Repeat("9", 30)), "")
	t.reject(g, "Content-Length 19 digits with leading zeros", "RFC 9110 §8.6", 400, cl("0000000000000000005")+"hello", "more than 18 digits is refused as an overflow guard, whatever their value")
	t.reject(g, "Content-Length space before colon", "RFC 9112 §5.1", 400, post+"Content-Length : 5\r\n\r\nhello", "")
	t.reject(g, "Content-Length obs-fold", "RFC 9112 §5.2", 400, post+"Content-Length:\r\n 5\r\n\r\nhello", "")
	t.add(Case{Group: g, Name: "Content-Length shorter than body", Section: s, Raw: cl("3") + "hello" + " / HTTP/1.1\r\nHost: h\r\n\r\n",
		Want: []Answer{{Status: 200, Echo: []string{"body=hel"}}, {Status: 200, Echo: []string{"method=lo"}}}})
	t.add(Case{Group: g, Name: "Content-Length longer than sent", Section: s, Raw: cl("10") + "hello",
		Why: "the server waits for the rest of the body"})
}

func transferEncoding(t *table) {
	const g, s = "transfer-encoding", "RFC 9112 §6.1"
	tef := func(v string) string { return post + "Transfer-Encoding: " + v + "\r\n\r\n5\r\nhello\r\n0\r\n\r\n" }
	t.accept(g, "chunked", "RFC 9112 §7.1", tef("chunked"), "body=hello")
	t.accept(g, "chunked upper case", "RFC 9112 §7", tef("CHUNKED"), "body=hello")
	t.accept(g, "chunked mixed case", "RFC 9112 §7", tef("cHuNkEd"), "body=hello")
	t.accept(g, "chunked with tab before", "RFC 9110 §5.6.3", post+"Transfer-Encoding:\tchunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", "body=hello")
	t.accept(g, "chunked with trailing OWS", "RFC 9110 §5.6.3", post+"Transfer-Encoding: chunked \t\r\n\r\n5\r\nhello\r\n0\r\n\r\n", "body=hello")
	t.accept(g, "chunked no space", "RFC 9112 §5.1", post+"Transfer-Encoding:chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", "body=hello")
	t.accept(g, "chunked on GET", "RFC 9112 §6.1", "GET / HTTP/1.1\r\nHost: h\r\n"+te+"\r\n5\r\nhello\r\n0\r\n\r\n", "body=hello")
	sec := "RFC 9112 §6.3"
	for _, v := range []string{"xchunked", "chunkedx", "chunk", "chunked;q=1", "\"chunked\"", "chunked, identity", "identity", "gzip", "chunked, gzip", "chunked chunked", "chunked/1"} {
		t.reject(g, fmt.Sprintf("Transfer-Encoding %q", v), sec, 400, tef(v), "the last coding must be chunked, and alone")
	}
	for _, v := range []string{"chunked,", ", chunked", "chunked,,", "chunked, ,", ",", ""} {
		t.reject(g, fmt.Sprintf("Transfer-Encoding %q", v), "RFC 9110 §5.6.1", 400, tef(v), "RFC 9110 §5.6.1 lets recipients skip empty elements; a field that decides framing gets no such leniency")
	}
	for _, v := range []string{"chunked, chunked", "Chunked, chunked"} {
		t.reject(g, fmt.Sprintf("Transfer-Encoding %q", v), "RFC 9112 §6.1", 400, tef(v), "chunked MUST NOT be applied twice")
	}
	for _, v := range []string{"gzip, chunked", "identity, chunked", "deflate, chunked", "x-custom, chunked"} {
		t.reject(g, fmt.Sprintf("Transfer-Encoding %q", v), "RFC 9112 §6.1", 501, tef(v), "a coding tophat does not decode")
	}
	t.reject(g, "chunked twice in two fields", sec, 400, post+te+te+"\r\n0\r\n\r\n", "")
	t.reject(g, "chunked then identity field", sec, 400, post+te+"Transfer-Encoding: identity\r\n\r\n0\r\n\r\n", "")
	t.reject(g, "chunked then empty field", sec, 400, post+te+"Transfer-Encoding:\r\n\r\n0\r\n\r\n", "")
	t.reject(g, "empty field then chunked", sec, 400, post+"Transfer-Encoding:\r\n"+te+"\r\n0\r\n\r\n", "")
	t.reject(g, "gzip field then chunked field", "RFC 9112 §6.1", 501, post+"Transfer-Encoding: gzip\r\n"+te+"\r\n0\r\n\r\n", "")
	t.reject(g, "Transfer-Encoding space before colon", "RFC 9112 §5.1", 400, post+"Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n", "")
	t.reject(g, "Transfer-Encoding vertical tab", "RFC 9110 §5.5", 400, post+"Transfer-Encoding: \vchunked\r\n\r\n0\r\n\r\n", "")
	t.reject(g, "Transfer-Encoding form feed", "RFC 9110 §5.5", 400, post+"Transfer-Encoding: \fchunked\r\n\r\n0\r\n\r\n", "")
	t.reject(g, "Transfer-Encoding NUL", "RFC 9110 §5.5", 400, post+"Transfer-Encoding: chunked\x00\r\n\r\n0\r\n\r\n", "")
	t.reject(g, "Transfer-Encoding obs-fold", "RFC 9112 §5.2", 400, post+"Transfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n", "")
	t.reject(g, "Transfer-Encoding folded second line", "RFC 9112 §5.2", 400, post+"Transfer-Encoding: gzip\r\n ,chunked\r\n\r\n0\r\n\r\n", "")
	t.reject(g, "Transfer-Encoding on HTTP/1.0", "RFC 9112 §6.1", 400, "POST /p HTTP/1.0\r\n"+te+"\r\n0\r\n\r\n", "RFC 9112 §6.1 says to treat the framing as faulty; tophat refuses it")
	t.add(Case{Group: g, Name: "Transfer_Encoding is another field", Section: "RFC 9110 §5.1",
		Raw:  post + "Transfer_Encoding: chunked\r\n\r\n0\r\n\r\n",
		Want: []Answer{{Status: 200, Echo: []string{"body-len=0"}}, {Status: 400}}, Close: true,
		Why: "the field is not framing, so no body; the chunk line then is a malformed request"})
}

func smuggling(t *table) {
	const g, s = "smuggling", "RFC 9112 §6.3"
	why := "RFC 9112 §6.3 lets a server ignore Content-Length; tophat refuses the request, as a proxy in front may have framed it by Content-Length"
	t.reject(g, "CL.TE", s, 400, post+"Content-Length: 6\r\n"+te+"\r\n0\r\n\r\nG", why)
	t.reject(g, "TE.CL", s, 400, post+te+"Content-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n", why)
	t.reject(g, "CL.TE with Content-Length zero", s, 400, post+"Content-Length: 0\r\n"+te+"\r\n0\r\n\r\n", why)
	t.reject(g, "TE.TE xchunked and chunked", s, 400, post+te+"Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n", "")
	t.reject(g, "TE.TE chunked and cow", s, 400, post+te+"Transfer-encoding: cow\r\n\r\n0\r\n\r\n", "")
	t.reject(g, "CL and TE space before colon", "RFC 9112 §5.1", 400, post+"Content-Length: 4\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n", "")
	t.reject(g, "CL and TE tab before colon", "RFC 9112 §5.1", 400, post+"Content-Length: 4\r\nTransfer-Encoding\t: chunked\r\n\r\n0\r\n\r\n", "")
	t.reject(g, "CL and TE behind bare LF", "RFC 9112 §2.2", 400, post+"Content-Length: 4\r\nX: y\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "")
	t.reject(g, "CL and TE behind bare CR", "RFC 9112 §2.2", 400, post+"Content-Length: 4\r\nX: y\rTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "")
	t.reject(g, "CL and folded TE", "RFC 9112 §5.2", 400, post+"Content-Length: 4\r\nX: y\r\n Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "")
	t.reject(g, "CL and TE identity", s, 400, post+"Content-Length: 5\r\nTransfer-Encoding: identity\r\n\r\nhello", why)
	t.reject(g, "CL with a chunked request as body and TE", s, 400, post+"Content-Length: 40\r\n"+te+"\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: h\r\n\r\n", why)
	t.reject(g, "CL behind NUL", "RFC 9110 §5.5", 400, post+"X: \x00\r\nContent-Length: 5\r\n\r\nhello", "")
	t.reject(g, "Content-Length with trailing garbage name", "RFC 9110 §5.1", 400, post+"Content-Length\x00: 5\r\n\r\nhello", "")
	t.add(Case{Group: g, Name: "chunked body followed by stray last chunk", Section: "RFC 9112 §7.1",
		Raw: ch + "5\r\nhello\r\n0\r\n\r\n0\r\n\r\n", Want: []Answer{{Status: 200, Echo: []string{"body=hello"}}, {Status: 400}}, Close: true,
		Why: "the stray bytes are the next request, and no request line"})
	t.add(Case{Group: g, Name: "request hidden in a chunk is data", Section: "RFC 9112 §7.1",
		Raw:  ch + "20\r\nGET /admin HTTP/1.1\r\nHost: h\r\n\r\n\r\n0\r\n\r\n",
		Want: []Answer{{Status: 200, Echo: []string{"body-len=32"}, NoEcho: []string{"target=/admin"}}}})
}

func chunked(t *table) {
	const g, s = "chunked", "RFC 9112 §7.1"
	t.accept(g, "two chunks", s, ch+"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "body=hello world")
	t.accept(g, "only the last chunk", s, ch+"0\r\n\r\n", "body-len=0")
	t.accept(g, "upper-case hex", s, ch+"A\r\n0123456789\r\n0\r\n\r\n", "body=0123456789")
	t.accept(g, "lower-case hex", s, ch+"a\r\n0123456789\r\n0\r\n\r\n", "body=0123456789")
	t.accept(g, "size with leading zeros", s, ch+"0005\r\nhello\r\n000\r\n\r\n", "body=hello")
	t.accept(g, "bare CR in data", s, ch+"5\r\nhe\rlo\r\n0\r\n\r\n", "body-len=5")
	t.accept(g, "CRLF in data", s, ch+"6\r\nhe\r\nlo\r\n0\r\n\r\n", "body-len=6")
	t.accept(g, "one-byte chunks", s, ch+"1\r\nh\r\n1\r\ni\r\n0\r\n\r\n", "body=hi")
	e := "RFC 9112 §7.1.1"
	t.accept(g, "extension name", e, ch+"5;a\r\nhello\r\n0\r\n\r\n", "body=hello")
	t.accept(g, "extension token value", e, ch+"5;a=b\r\nhello\r\n0\r\n\r\n", "body=hello")
	t.accept(g, "extension quoted value", e, ch+"5;a=\"b c\"\r\nhello\r\n0\r\n\r\n", "body=hello")
	t.accept(g, "extension quoted semicolon", e, ch+"5;a=\"b;c\"\r\nhello\r\n0\r\n\r\n", "body=hello")
	t.accept(g, "extension quoted escapes", e, ch+"5;a=\"b\\\"c\\\\\"\r\nhello\r\n0\r\n\r\n", "body=hello")
	t.accept(g, "extension quoted tab and obs-text", e, ch+"5;a=\"\t\xe9\"\r\nhello\r\n0\r\n\r\n", "body=hello")
	t.accept(g, "extension empty quoted value", e, ch+"5;a=\"\"\r\nhello\r\n0\r\n\r\n", "body=hello")
	t.accept(g, "several extensions", e, ch+"5;a=b;c;d=\"e\"\r\nhello\r\n0;last\r\n\r\n", "body=hello")
	t.accept(g, "extension BWS after semicolon and around equals", e, ch+"5; a = b\r\nhello\r\n0\r\n\r\n", "body=hello")
	bws := "RFC 9110 §5.6.3 has recipients parse BWS before the semicolon; tophat refuses whitespace right after the size, as net/http does, because a size line two parsers read differently smuggles a body"
	t.reject(g, "extension BWS before semicolon", e, 400, ch+"5 ;a\r\nhello\r\n0\r\n\r\n", bws)
	t.reject(g, "extension tab before semicolon", e, 400, ch+"5\t;a\r\nhello\r\n0\r\n\r\n", bws)
	t.accept(g, "extension on last chunk", e, ch+"5\r\nhello\r\n0;a=b\r\n\r\n", "body=hello")
	for _, x := range []struct{ name, ext string }{
		{"extension without name", ";=b"}, {"extension empty", ";"}, {"extension without value", ";a="},
		{"extension unterminated quote", ";a=\"b"}, {"extension quote in token", ";a=b\"c\""},
		{"extension escape at end", ";a=\"b\\"}, {"extension NUL in quotes", ";a=\"\x00\""},
		{"extension DEL in quotes", ";a=\"\x7f\""}, {"extension LF in quotes", ";a=\"\n\""},
		{"extension CR in quotes", ";a=\"\r\""}, {"extension escaped LF", ";a=\"\\\n\""},
		{"extension NUL", ";a\x00"}, {"extension DEL", ";a=b\x7f"}, {"extension space inside name", ";a b"},
		{"extension two values", ";a=b=c"}, {"extension comma", ";a,b"}, {"extension bare LF", ";a\nx"},
		{"extension non-ASCII token", ";\xe9"},
	} {
		t.reject(g, x.name, e, 400, ch+"5"+x.ext+"\r\nhello\r\n0\r\n\r\n", "")
	}
	for _, x := range []struct{ name, size string }{
		{"size empty", ""}, {"size sign", "+5"}, {"size negative", "-5"}, {"size 0x prefix", "0x5"},
		{"size space inside", "5 5"}, {"size trailing space", "5 "}, {"size leading space", " 5"},
		{"size not hex", "g"}, {"size underscore", "5_0"}, {"size 2^64+5", "10000000000000005"},
		{"size 16 hex digits", "ffffffffffffffff"}, {"size NUL", "5\x00"}, {"size tab only", "\t"},
		{"size 16 digits with leading zeros", "0000000000000005"},
		{"size CR inside", "5\r5"}, {"size LF inside", "5\n5"},
	} {
		why := ""
		if x.name == "size 16 digits with leading zeros" {
			why = "more than 15 hex digits is refused as an overflow guard, whatever their value"
		}
		t.reject(g, x.name, s, 400, ch+x.size+"\r\nhello\r\n0\r\n\r\n", why)
	}
	t.reject(g, "size of 15 hex digits is past the body limit", "RFC 9110 §15.5.14", 413, ch+"fffffffffffffff\r\nhello\r\n0\r\n\r\n", "")
	t.reject(g, "data longer than size", s, 400, ch+"3\r\nhello\r\n0\r\n\r\n", "")
	t.reject(g, "data shorter than size", s, 400, ch+"7\r\nhello\r\n0\r\n\r\n", "")
	t.reject(g, "data not followed by CRLF", s, 400, ch+"5\r\nhelloXX0\r\n\r\n", "")
	t.reject(g, "space after data", s, 400, ch+"5\r\nhello \r\n0\r\n\r\n", "")
	t.reject(g, "missing last chunk", s, 400, ch+"5\r\nhello\r\n\r\n", "")
	t.add(Case{Group: g, Name: "last chunk without final CRLF waits", Section: "RFC 9112 §7.1", Raw: ch + "5\r\nhello\r\n0\r\n",
		Why: "the trailer section may still come"})
}

func trailers(t *table) {
	const g, s = "trailers", "RFC 9112 §7.1.2"
	tr := func(lines string) string { return ch + "5\r\nhello\r\n0\r\n" + lines + "\r\n" }
	t.accept(g, "trailer field", s, tr("X-Sum: 42\r\n"), "body=hello", "trailer x-sum=42")
	t.accept(g, "two trailer fields", s, tr("X-A: 1\r\nX-B: 2\r\n"), "trailer x-a=1", "trailer x-b=2")
	t.accept(g, "trailer with OWS", s, tr("X-A: \t1 \r\n"), "trailer x-a=1")
	for _, f := range []string{"Content-Length: 50", "Transfer-Encoding: chunked", "Host: evil", "Authorization: Basic eA==", "Content-Type: text/evil", "Connection: close", "Trailer: X", "Cache-Control: no-store", "Expect: 100-continue", "Set-Cookie: a=b", "Content-Encoding: gzip", "Range: bytes=0-1"} {
		name, value, _ := strings.Cut(f, ": ")
		line := "trailer " + strings.ToLower(name) + "=" + value
		t.add(Case{Group: g, Name: "forbidden trailer " + name, Section: "RFC 9110 §6.5.1", Raw: tr(f+"\r\n") + next,
			Want: []Answer{{Status: 200, Echo: []string{"body=hello"}, NoEcho: []string{line, "host=evil"}}, {Status: 200, Echo: []string{"target=/next"}}},
			Why:  "a trailer may not frame, route or authenticate; it is kept out of reach"})
	}
	t.reject(g, "trailer obs-fold", "RFC 9112 §5.2", 400, tr("X-A: 1\r\n 2\r\n"), "")
	t.reject(g, "trailer space before colon", "RFC 9112 §5.1", 400, tr("X-A : 1\r\n"), "")
	t.reject(g, "trailer without colon", s, 400, tr("X-A\r\n"), "")
	t.reject(g, "trailer empty name", s, 400, tr(": 1\r\n"), "")
	t.reject(g, "trailer NUL", "RFC 9110 §5.5", 400, tr("X-A: 1\x002\r\n"), "")
	t.reject(g, "trailer control byte", "RFC 9110 §5.5", 400, tr("X-A: 1\x012\r\n"), "")
	t.reject(g, "trailer DEL", "RFC 9110 §5.5", 400, tr("X-A: 1\x7f\r\n"), "")
	t.reject(g, "trailer invalid name", "RFC 9110 §5.1", 400, tr("X(A: 1\r\n"), "")
	t.reject(g, "trailer is a request line", s, 400, tr("GET /smuggled HTTP/1.1\r\n"), "")
	t.reject(g, "trailer too many fields", "RFC 6585 §5", 431, tr(strings.Repeat("X-A: b\r\n", 101)), "")
}

// bareLineEnds replaces each CRLF of two requests (one framed by
// Content-Length, one chunked with an extension and a trailer) by a bare
// LF, a bare CR and CR CR LF, and puts a bare CR or LF inside each line.
// Every variant is 400 and closes (RFC 9112 §2.2 allows a server to take a
// bare LF as a line end; tophat does not, because a proxy in front may
// not).
func bareLineEnds(t *table) {
	const g = "bare-cr-lf"
	why := "RFC 9112 §2.2 lets a recipient accept a bare LF as a line end; a proxy that does not would frame the stream differently"
	templates := []struct {
		name    string
		lines   []string
		tail    string
		section []string
	}{
		{"CL", []string{"POST /p HTTP/1.1", "Host: h", "X-A: b", "Content-Length: 5", ""}, "hello",
			[]string{"request line", "Host", "field", "Content-Length", "head end"}},
		{"chunked", []string{"POST /p HTTP/1.1", "Host: h", "Transfer-Encoding: chunked", "", "5;e=1", "hello", "0", "X-T: 1", ""}, "",
			[]string{"request line", "Host", "Transfer-Encoding", "head end", "chunk size", "chunk data", "last chunk", "trailer", "trailer end"}},
	}
	for _, tp := range templates {
		build := func(i int, end, line string) string {
			var b strings.Builder
			for j, l := range tp.lines {
				if j == i {
					b.WriteString(line + end)
					continue
				}
				b.WriteString(l + "\r\n")
			}
			return b.String() + tp.tail
		}
		for i, l := range tp.lines {
			where := tp.name + " " + tp.section[i]
			sec := "RFC 9112 §2.2"
			if i > 3 && tp.name == "chunked" {
				sec = "RFC 9112 §7.1"
			}
			t.reject(g, where+" ends in bare LF", sec, 400, build(i, "\n", l), why)
			t.reject(g, where+" ends in bare CR", sec, 400, build(i, "\r", l), "")
			t.reject(g, where+" ends in CR CR LF", sec, 400, build(i, "\r\r\n", l), "")
			if len(l) > 1 && !(tp.name == "chunked" && i == 5) { // a CR inside chunk data is data
				for _, c := range []string{"\r", "\n"} {
					mid := l[:len(l)/2] + c + l[len(l)/2:]
					t.reject(g, fmt.Sprintf("%s holds bare %s", where, map[string]string{"\r": "CR", "\n": "LF"}[c]), sec, 400, build(i, "\r\n", mid), "")
				}
			}
		}
	}
	t.reject(g, "head ends in LF CR LF", "RFC 9112 §2.2", 400, "GET / HTTP/1.1\r\nHost: h\n\r\n", "")
	t.reject(g, "head ends in LF LF", "RFC 9112 §2.2", 400, "GET / HTTP/1.1\r\nHost: h\n\n", why)
	t.reject(g, "all line ends bare LF", "RFC 9112 §2.2", 400, "GET / HTTP/1.1\nHost: h\n\n", why)
}
