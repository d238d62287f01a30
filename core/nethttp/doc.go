// Package nethttp runs net/http handlers on tophat's core, and tophat
// handlers inside a net/http server, so years of net/http code (ServeMux,
// FileServer, ReverseProxy, pprof, expvar, gorilla/websocket) serve on every
// tophat transport, and a program can move from one to the other a route at
// a time.
//
//	srv := &core.Server{Handler: nethttp.Handler(mux)} // any http.Handler
//
// # From net/http to tophat
//
// Handler turns an http.Handler into a core.Handler. Each request becomes a
// real *http.Request: canonical header keys (Host moved to Request.Host),
// RequestURI and URL from the request-target, RemoteAddr from the stream
// when it knows one, TLS state, the request's context (cancelled when the
// handler returns, with http.LocalAddrContextKey set), ContentLength and
// TransferEncoding, and a Body that reads through the core with its limits
// and its *core.ProtocolError errors (errors.Is against core.ErrBodyTooLarge
// and the other sentinels); Trailer is filled when the body has been read to
// its end.
//
// The http.ResponseWriter maps net/http's rules onto the core's terminal
// methods:
//
//	WriteHeader(103)       ──► SendInformational; the fields stay for the final head (RFC 8297)
//	WriteHeader(101)       ──► Upgrade; Hijack then returns the stream
//	WriteHeader(n)         ──► the head's fields are taken now, as net/http does
//	Write                  ──► implicit 200; up to 16 KiB held ─┬─► handler returns: Send, Content-Length
//	                                                            └─► more, or Flush: Begin, chunked stream
//	Hijack                 ──► the core's Hijack: a net.Conn and a bufio.ReadWriter holding
//	                           the bytes the client sent after the head
//	handler returns        ──► the core's ResponseWritten, returned like any handler's
//
// Content-Type is sniffed with http.DetectContentType when the handler set
// none (and no Content-Encoding), as net/http does. A response to HEAD carries
// the Content-Length the handler declares, or the length of the body it wrote
// and the core did not send. Trailers are announced with the "Trailer" field
// or set with http.TrailerPrefix, and force chunked framing. The writer
// implements http.Flusher, http.Hijacker and the methods
// http.ResponseController looks for: FlushError, SetReadDeadline,
// SetWriteDeadline and EnableFullDuplex (the core lets a handler read the
// body while it writes). A middleware that wraps the writer keeps them
// reachable with an Unwrap method, as net/http asks.
//
// Deadlines set before a Hijack cannot move the stream's own, which the core
// sets before every read and write (Options.BodyReadTimeout, WriteTimeout);
// they are checked before each body read and each write, which fail with
// os.ErrDeadlineExceeded once the deadline has passed. After a Hijack they are
// the stream's deadlines, where the stream has them.
//
// Serve answers a single request with an http.Handler, for a native handler
// that hands one route to a net/http library (gorilla/websocket's Upgrader,
// for instance: see the example).
//
// # What it costs
//
// A bridged request costs what net/http's own server spends on its request,
// on top of the core: an *http.Request (twice, since http.Request.WithContext
// is the only way to set its context), a URL, a header map with a string per
// name and value, the request's context (under a core.Server, which sets
// Options.Go, that context also starts the core's background read that
// notices a client leaving, as net/http does), the ResponseWriter and its
// header map. Native handlers pay for none of that. Bodies up to 16 KiB are
// copied once into a pooled buffer so that they leave with a Content-Length.
// One keep-alive request for a 13-byte body over an in-memory connection
// (BenchmarkBridge, all three in one run; 2 shared cores, Go 1.26):
//
//	native core handler         5.8-7.1 µs     479 B    5 allocs
//	net/http handler, bridged   9.7-11.2 µs  2,630 B   27 allocs
//	net/http's own server       8.3-12.9 µs  2,480 B   24 allocs
//
// The times moved from run to run on that machine (the ranges are two runs);
// the allocations did not. A bridged handler costs about what it costs on
// net/http, and moving a hot route to a native handler is where the gain is.
//
// # From tophat to net/http
//
// HTTPHandler serves a core.Handler inside an http.Server, by running the
// core's engine on an in-memory stream per request: see its documentation
// for what that costs and what it cannot do. Measured the same way
// (BenchmarkHTTPHandler), it is several times the cost of a plain net/http
// handler, a price for the weeks of a migration, not for a hot path:
//
//	net/http handler            8.4-12.6 µs    2,479 B   24 allocs
//	tophat handler inside it   43.4-45.2 µs   15,426 B   65 allocs
//
// # Concurrency
//
// As with net/http, a ResponseWriter and a Request.Body are for the
// handler's goroutine, or one goroutine at a time, until the handler
// returns. After that every method fails with ErrHandlerReturned, and a
// hijacked net.Conn belongs to whoever holds it.
package nethttp
