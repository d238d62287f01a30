// Package compare runs tophat's conformance cases against tophat, net/http
// and fasthttp and prints a side-by-side table. It is its own module so that
// fasthttp, a peer for comparison only, never enters the library's module.
//
//	cd integration/conformance/compare && go test -v
//
// The cases and the client are those of package conformance; only the
// fasthttp port of the echo handler lives here. Servers run with their
// default settings, except the shared body limit (conformance.BodyLimit).
package compare
