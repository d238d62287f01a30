// Package coretest runs tophat handlers without a connection, as
// net/http/httptest's ResponseRecorder does for net/http, but through the
// real engine: a Request is written out as HTTP/1.1 bytes, core.ServeConn
// serves them from an in-memory stream on the calling goroutine, and the
// bytes the engine wrote back are parsed into a Response.
//
//	req := coretest.NewRequest("POST", "/items?x=1", strings.NewReader(`{"a":1}`))
//	req.Header.Set("Content-Type", "application/json")
//	res := req.Serve(handler)
//	if res.Status != 201 { ... }
//
// Because the engine itself runs, a handler is tested under the rules it
// meets in production: framing, HEAD, 304 and 204 without bodies, body
// limits, Expect: 100-continue, trailers, the 500 the core sends for a
// handler that returns no response. Response.Written is the receipt the
// handler returned, captured by a middleware wrapped around it, so a test
// can check what the handler reported as well as what reached the wire.
//
// No goroutine is started: ServeConn returns once the request's bytes are
// consumed and the response is written, since the stream reads io.EOF after
// the request. The stream has no deadlines, so the core's timers apply only
// while a read or write is blocked, which an in-memory stream never is.
package coretest
