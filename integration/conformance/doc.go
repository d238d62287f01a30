// Package conformance holds tophat's HTTP/1.1 conformance suite and its
// differential test against net/http.
//
// The suite is one table, Cases: raw request bytes from RFC 9110, RFC 9112
// and the request-smuggling literature, each with the answers a strict
// server gives (statuses in order, whether the stream then closes) and the
// section that says so. Run sends a case over a real connection to any
// server that answers with the echo format of this package (EchoTophat,
// EchoNetHTTP, or a port of it), so the same table scores tophat here and
// net/http and fasthttp in the compare module beside it:
//
//	go test ./integration/conformance                  # tophat, score line, differential (short)
//	TOPHAT_DIFF_LONG=1 go test ./integration/conformance -run Differential
//	cd integration/conformance/compare && go test -v   # tophat, net/http, fasthttp side by side
//
// # Echo format
//
// Every server under test answers a request it accepts with 200 and a
// text body of "key=value" lines: method, target, host, proto, one "header
// name=value" line per field (name in lower case, in arrival order where
// the server keeps it), body-len, body (when short and printable),
// body-sha256 and one "trailer name=value" line per trailer field. A body
// that fails to read is answered with the status the failure calls for
// (400 for malformed framing, 413 past the limit). Paths under /r/ are
// served by a router (tophat's core/router, net/http's ServeMux).
package conformance
