package conformance

import (
	"fmt"
	"strings"
)

func pipelining(t *table) {
	const g, s = "pipelining", "RFC 9112 §9.3.2"
	ok := func(echo ...string) Answer { return Answer{Status: 200, Echo: echo} }
	t.add(Case{Group: g, Name: "three GETs", Section: s, Raw: "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\nGET /3 HTTP/1.1\r\nHost: h\r\n\r\n",
		Want: []Answer{ok("target=/1"), ok("target=/2"), ok("target=/3")}})
	var many strings.Builder
	var fifty []Answer
	for i := range 50 {
		fmt.Fprintf(&many, "GET /%d HTTP/1.1\r\nHost: h\r\n\r\n", i)
		fifty = append(fifty, ok(fmt.Sprintf("target=/%d", i)))
	}
	t.add(Case{Group: g, Name: "fifty GETs", Section: s, Raw: many.String(), Want: fifty})
	var more strings.Builder
	var fiveHundred []Answer
	for i := range 500 {
		fmt.Fprintf(&more, "POST /%d HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc", i)
		fiveHundred = append(fiveHundred, ok(fmt.Sprintf("target=/%d", i), "body=abc"))
	}
	t.add(Case{Group: g, Name: "five hundred POSTs", Section: s, Raw: more.String(), Want: fiveHundred,
		Why: "pipelined requests are never lost to read-ahead or to the batching of responses"})
	t.add(Case{Group: g, Name: "POST then GET", Section: s, Raw: post + "Content-Length: 5\r\n\r\nhello" + "GET /2 HTTP/1.1\r\nHost: h\r\n\r\n",
		Want: []Answer{ok("body=hello"), ok("target=/2")}})
	t.add(Case{Group: g, Name: "chunked POST then GET", Section: s, Raw: ch + "5\r\nhello\r\n0\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n",
		Want: []Answer{ok("body=hello"), ok("target=/2")}})
	t.add(Case{Group: g, Name: "HEAD with a body then GET", Section: s, Raw: "HEAD /1 HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhelloGET /2 HTTP/1.1\r\nHost: h\r\n\r\n",
		Want: []Answer{{Status: 200, Method: "HEAD"}, ok("target=/2")}})
	t.add(Case{Group: g, Name: "HEAD then GET", Section: s, Raw: "HEAD /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n",
		Want: []Answer{{Status: 200, Method: "HEAD"}, ok("target=/2")}})
	t.add(Case{Group: g, Name: "Content-Length zero then request in body position", Section: "RFC 9112 §6.2",
		Raw: post + "Content-Length: 0\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n", Want: []Answer{ok("body-len=0"), ok("target=/2")}})
	type bad struct {
		name   string
		raw    string
		status int
	}
	for _, b := range []bad{
		{"bad request line", "GET /a b HTTP/1.1\r\nHost: h\r\n\r\n", 400},
		{"bad field", field("X-A : b"), 400},
		{"missing Host", "GET / HTTP/1.1\r\n\r\n", 400},
		{"bad Content-Length", post + "Content-Length: +1\r\n\r\nx", 400},
		{"CL and TE", post + "Content-Length: 5\r\n" + te + "\r\n0\r\n\r\n", 400},
		{"bad chunk", ch + "5x\r\nhello\r\n0\r\n\r\n", 400},
		{"bad trailer", ch + "0\r\nX-A : b\r\n\r\n", 400},
		{"unknown coding", post + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501},
		{"HTTP/2.0", "GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505},
		{"unknown expectation", post + "Expect: x\r\nContent-Length: 0\r\n\r\n", 417},
		{"CONNECT", "CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n", 501},
	} {
		t.add(Case{Group: g, Name: "GET, " + b.name + ", GET", Section: "RFC 9112 §9.3.2",
			Raw:  "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n" + b.raw + next,
			Want: []Answer{ok("target=/1"), {Status: b.status}}, Close: true,
			Why: "nothing after a refused request is read: its end cannot be trusted"})
	}
	t.add(Case{Group: g, Name: "Connection close stops the pipeline", Section: "RFC 9112 §9.6",
		Raw:  "GET /1 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n",
		Want: []Answer{ok("target=/1")}, Close: true})
	t.add(Case{Group: g, Name: "HTTP/1.0 stops the pipeline", Section: "RFC 9112 §9.3",
		Raw:  "GET /1 HTTP/1.0\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n",
		Want: []Answer{ok("target=/1")}, Close: true})
}

// truncation ends the stream inside a request (RFC 9112 §8: an incomplete
// message is not a request to act on).
func truncation(t *table) {
	const g, s = "truncation", "RFC 9112 §8"
	cut := func(name, raw string, want ...Answer) {
		t.add(Case{Group: g, Name: name, Section: s, Raw: raw, HalfClose: true, Want: want, Close: true})
	}
	cut("end of stream after a complete request", get, Answer{Status: 200})
	cut("end of stream after two requests", get+get, Answer{Status: 200}, Answer{Status: 200})
	cut("end of stream inside a Content-Length body", post+"Content-Length: 10\r\n\r\nhello", Answer{Status: 400})
	cut("end of stream inside chunk data", ch+"5\r\nhel", Answer{Status: 400})
	cut("end of stream inside a chunk size line", ch+"5", Answer{Status: 400})
	cut("end of stream after a chunk size line", ch+"95\r\nhello\r\n", Answer{Status: 400})
	cut("end of stream before the last chunk", ch+"5\r\nhello\r\n", Answer{Status: 400})
	cut("end of stream after the last chunk line", ch+"5\r\nhello\r\n0\r\n", Answer{Status: 400})
	cut("end of stream inside the trailer section", ch+"5\r\nhello\r\n0\r\nX-T: 1\r\n", Answer{Status: 400})
	cut("end of stream inside a trailer line", ch+"5\r\nhello\r\n0\r\nX-T: 1", Answer{Status: 400})
}

func expect(t *table) {
	const g, s = "expect", "RFC 9110 §10.1.1"
	head := post + "Expect: 100-continue\r\nContent-Length: 5\r\n\r\n"
	t.add(Case{Group: g, Name: "100-continue then body", Section: s, Raw: head, Then: "hello", ThenAfter: 1,
		Want: []Answer{{Status: 100}, {Status: 200, Echo: []string{"body=hello"}}}})
	t.add(Case{Group: g, Name: "100-continue case-insensitive", Section: s, Raw: post + "Expect: 100-CONTINUE\r\nContent-Length: 5\r\n\r\n", Then: "hello", ThenAfter: 1,
		Want: []Answer{{Status: 100}, {Status: 200, Echo: []string{"body=hello"}}}})
	t.add(Case{Group: g, Name: "100-continue chunked", Section: s, Raw: post + "Expect: 100-continue\r\n" + te + "\r\n", Then: "5\r\nhello\r\n0\r\n\r\n", ThenAfter: 1,
		Want: []Answer{{Status: 100}, {Status: 200, Echo: []string{"body=hello"}}}})
	t.add(Case{Group: g, Name: "100-continue with the body sent along", Section: s, Raw: head + "hello", MayContinue: true,
		Want: []Answer{{Status: 200, Echo: []string{"body=hello"}}}})
	t.add(Case{Group: g, Name: "two 100-continue requests pipelined", Section: s, Raw: head + "hello" + head + "world", MayContinue: true,
		Want: []Answer{{Status: 200, Echo: []string{"body=hello"}}, {Status: 200, Echo: []string{"body=world"}}}})
	t.add(Case{Group: g, Name: "100-continue over the body limit", Section: s,
		Raw:  post + "Expect: 100-continue\r\nContent-Length: 2000000\r\n\r\n",
		Want: []Answer{{Status: 413}}, Close: true, Why: "refused before the client sends the body"})
	t.add(Case{Group: g, Name: "100-continue ignored on HTTP/1.0", Section: s,
		Raw:  "POST /p HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello",
		Want: []Answer{{Status: 200, Echo: []string{"body=hello"}}}, Close: true})
	for _, v := range []string{"200-ok", "100-continue, x", "100-continue;a=b", "x, 100-continue", "", "continue", "100"} {
		t.reject(g, "Expect "+quote(v), s, 417, post+"Expect: "+v+"\r\nContent-Length: 5\r\n\r\nhello", "an expectation tophat cannot read is one it cannot meet")
	}
}

func upgradeConnect(t *table) {
	const g = "upgrade-connect"
	t.accept(g, "websocket upgrade left to the handler", "RFC 9110 §7.8",
		"GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
		"header upgrade=websocket", "proto=HTTP/1.1")
	t.accept(g, "h2c upgrade ignored", "RFC 9110 §7.8",
		"GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n",
		"header upgrade=h2c", "proto=HTTP/1.1")
	t.accept(g, "Upgrade without Connection", "RFC 9110 §7.8", "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n\r\n", "header upgrade=websocket")
	t.reject(g, "CONNECT refused", "RFC 9110 §9.3.6", 501, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", "an origin server is no proxy")
	t.reject(g, "CONNECT origin form", "RFC 9110 §9.3.6", 501, "CONNECT / HTTP/1.1\r\nHost: h\r\n\r\n", "")
	t.reject(g, "CONNECT with body", "RFC 9110 §9.3.6", 501, "CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\nContent-Length: 5\r\n\r\nhello", "")
	t.reject(g, "connect lower case is another method with a bad target", "RFC 9112 §3.2.3", 400, "connect h:443 HTTP/1.1\r\nHost: h\r\n\r\n", "")
}

func http10(t *table) {
	const g, s = "http/1.0", "RFC 9112 §9.3"
	t.add(Case{Group: g, Name: "HTTP/1.0 GET", Section: s, Raw: "GET / HTTP/1.0\r\n\r\n", Want: []Answer{{Status: 200, Echo: []string{"proto=HTTP/1.0"}}}, Close: true})
	t.add(Case{Group: g, Name: "HTTP/1.0 with Host", Section: s, Raw: "GET / HTTP/1.0\r\nHost: h\r\n\r\n", Want: []Answer{{Status: 200, Echo: []string{"host=h"}}}, Close: true})
	t.add(Case{Group: g, Name: "HTTP/1.0 POST", Section: s, Raw: "POST /p HTTP/1.0\r\nContent-Length: 5\r\n\r\nhello", Want: []Answer{{Status: 200, Echo: []string{"body=hello"}}}, Close: true})
	t.add(Case{Group: g, Name: "HTTP/1.0 keep-alive", Section: "RFC 9112 Appendix C.2.2",
		Raw:  "GET /1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
		Want: []Answer{{Status: 200, Echo: []string{"target=/1"}}, {Status: 200, Echo: []string{"target=/2"}}}})
	t.add(Case{Group: g, Name: "HTTP/1.0 keep-alive then close", Section: "RFC 9112 Appendix C.2.2",
		Raw:  "GET /1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /2 HTTP/1.0\r\n\r\nGET /3 HTTP/1.0\r\n\r\n",
		Want: []Answer{{Status: 200, Echo: []string{"target=/1"}}, {Status: 200, Echo: []string{"target=/2"}}}, Close: true})
	t.add(Case{Group: g, Name: "HTTP/1.0 two Hosts", Section: "RFC 9110 §7.2", Raw: "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", Want: []Answer{{Status: 400}}, Close: true})
	t.add(Case{Group: g, Name: "HTTP/1.0 HEAD", Section: "RFC 9110 §9.3.2", Raw: "HEAD / HTTP/1.0\r\n\r\n", Want: []Answer{{Status: 200, Method: "HEAD"}}, Close: true})
}

func connection(t *table) {
	const g, s = "connection", "RFC 9112 §9.6"
	t.add(Case{Group: g, Name: "Connection close", Section: s, Raw: "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", Want: []Answer{{Status: 200, Close: true}}, Close: true})
	t.add(Case{Group: g, Name: "Connection CLOSE", Section: "RFC 9110 §7.6.1", Raw: "GET / HTTP/1.1\r\nHost: h\r\nConnection: CLOSE\r\n\r\n", Want: []Answer{{Status: 200, Close: true}}, Close: true})
	t.add(Case{Group: g, Name: "Connection close in a list", Section: "RFC 9110 §7.6.1", Raw: "GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, close\r\n\r\n", Want: []Answer{{Status: 200}}, Close: true})
	t.add(Case{Group: g, Name: "Connection close in a second field", Section: "RFC 9110 §7.6.1", Raw: "GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n", Want: []Answer{{Status: 200}}, Close: true})
	t.accept(g, "Connection closed is no close", "RFC 9110 §7.6.1", "GET / HTTP/1.1\r\nHost: h\r\nConnection: closed\r\n\r\n", "header connection=closed")
	t.accept(g, "Connection keep-alive on 1.1", "RFC 9112 §9.3", "GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\n\r\n")
	t.accept(g, "keep-alive is the default", "RFC 9112 §9.3", get)
	t.add(Case{Group: g, Name: "close with a body", Section: s, Raw: post + "Connection: close\r\nContent-Length: 5\r\n\r\nhello" + next, Want: []Answer{{Status: 200, Echo: []string{"body=hello"}}}, Close: true})
}

func routing(t *table) {
	const g = "router"
	add := func(name, section, raw string, a Answer) {
		t.add(Case{Group: g, Name: name, Section: section, Raw: raw, Want: []Answer{a}, Router: true})
	}
	add("routed GET", "RFC 9110 §9.3.1", "GET /r/item HTTP/1.1\r\nHost: h\r\n\r\n", Answer{Status: 200, Echo: []string{"target=/r/item"}})
	add("routed HEAD", "RFC 9110 §9.3.2", "HEAD /r/item HTTP/1.1\r\nHost: h\r\n\r\n", Answer{Status: 200, Method: "HEAD"})
	add("routed PUT", "RFC 9110 §9.3.4", "PUT /r/item HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi", Answer{Status: 200, Echo: []string{"body=hi"}})
	add("POST is 405 with Allow", "RFC 9110 §15.5.6", "POST /r/item HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n", Answer{Status: 405, Header: []string{"Allow: GET", "Allow: PUT", "Allow: DELETE"}})
	add("unknown method is 405", "RFC 9110 §15.5.6", "BREW /r/item HTTP/1.1\r\nHost: h\r\n\r\n", Answer{Status: 405, Header: []string{"Allow: GET"}})
	add("lower-case get is 405", "RFC 9110 §9.1", "get /r/item HTTP/1.1\r\nHost: h\r\n\r\n", Answer{Status: 405, Header: []string{"Allow: GET"}})
	add("405 keeps the stream", "RFC 9110 §15.5.6", "PATCH /r/item HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello", Answer{Status: 405})
	t.add(Case{Group: g, Name: "405 to a client waiting for 100-continue closes", Section: "RFC 9110 §10.1.1", Router: true,
		Raw:  "POST /r/item HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n",
		Want: []Answer{{Status: 405, Close: true}}, Close: true, Why: "the client may send the body or not; the stream cannot be framed"})
	t.add(Case{Group: g, Name: "405 with a body past the drain limit closes", Section: "RFC 9112 §9.3", Router: true,
		Raw:  fmt.Sprintf("POST /r/item HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n", 512<<10) + strings.Repeat("d", 512<<10),
		Want: []Answer{{Status: 405, Close: true}}, Close: true, Why: "an unread body is drained up to a limit; past it the stream closes"})
	t.add(Case{Group: g, Name: "405 drains an unread chunked body", Section: "RFC 9112 §9.3", Router: true,
		Raw:  "POST /r/item HTTP/1.1\r\nHost: h\r\n" + te + "\r\n5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n" + next,
		Want: []Answer{{Status: 405}, {Status: 200, Echo: []string{"target=/next"}}}})
	t.add(Case{Group: g, Name: "405 to a malformed unread chunked body", Section: "RFC 9112 §7.1", Router: true,
		Raw:  "POST /r/item HTTP/1.1\r\nHost: h\r\n" + te + "\r\n5\r\nhelloXX0\r\n\r\n" + next,
		Want: []Answer{{Status: 405}}, Close: true, LateClose: true, Why: "the drain finds the framing broken after the 405 is complete: nothing after it is read"})
	add("OPTIONS lists methods", "RFC 9110 §9.3.7", "OPTIONS /r/item HTTP/1.1\r\nHost: h\r\n\r\n", Answer{Status: 204, Header: []string{"Allow: GET", "Allow: HEAD", "Allow: PUT", "Allow: DELETE", "Allow: OPTIONS"}})
	add("OPTIONS on a subtree", "RFC 9110 §9.3.7", "OPTIONS /r/tree/x HTTP/1.1\r\nHost: h\r\n\r\n", Answer{Status: 204, Header: []string{"Allow: GET"}})
	add("no route is 404", "RFC 9110 §15.5.5", "GET /r/none HTTP/1.1\r\nHost: h\r\n\r\n", Answer{Status: 404})
	add("unclean path redirects", "RFC 9110 §15.4.8", "GET /r/x/../item HTTP/1.1\r\nHost: h\r\n\r\n", Answer{Status: 307, Header: []string{"Location: /r/item"}})
	add("subtree without slash redirects", "RFC 9110 §15.4.8", "GET /r/tree HTTP/1.1\r\nHost: h\r\n\r\n", Answer{Status: 307, Header: []string{"Location: /r/tree/"}})
}

func quote(s string) string {
	if s == "" {
		return `""`
	}
	return `"` + s + `"`
}
