// Package core is tophat's HTTP/1.1 engine. It serves requests on any
// io.ReadWriteCloser: a TCP or Unix socket, a TLS or KCP session, an
// in-memory pipe. It knows streams, not networks, and starts no goroutine:
// ServeConn serves one stream on the caller's goroutine, and the caller
// picks the goroutine strategy. Server is the convenience that accepts
// streams from a Listener and serves each on a goroutine or a Pool.
//
// # Handlers
//
// A Handler answers with a terminal method of the ResponseWriter and
// returns the ResponseWritten that method gave it, which is the only way to
// get one. So a handler that compiles has answered, and what it returns
// says what went on the wire: status, head and body bytes, time to first
// and last byte, and the write error if the client went away.
//
//	func hello(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
//		w.Header().Set("Content-Type", "text/plain")
//		return w.SendString(200, "Hello, World!")
//	}
//
// Middleware is a func(Handler) Handler; AccessLog is one.
//
// # A stream's life
//
//	stream ──► read head ──► parse ──► handler ──► drain body ─┐
//	   ▲       (idle, then        (reject: 4xx/5xx,             │
//	   │        header timeout)    Connection: close)           │
//	   └──────────────── keep-alive ◄───────────────────────────┘
//	                     close: Connection: close, HTTP/1.0, errors,
//	                     shutdown, idle timeout; Upgrade hands it over
//
// # Borrowed data
//
// A request is parsed in place in the stream's read buffer. The []byte
// values a Request returns (RawPath, Header().Peek, Cookies, ...) are
// borrowed: valid until the handler returns and never to be modified.
// Methods that return strings return copies, safe to keep. The Request and
// ResponseWriter themselves are reused for the stream's next request.
//
// # Strictness
//
// Requests are held to RFC 9112: CRLF line ends, no obs-fold, tokens where
// tokens belong, exactly one Host on HTTP/1.1, no Content-Length together
// with Transfer-Encoding, chunked as the last coding and only once. A
// request that breaks a rule is answered with a complete response (400,
// 413, 414, 417, 431, 501 or 505) carrying Connection: close, and the
// stream is closed, so no request can be smuggled past the server. The one
// leniency, FoldContentLength, is off unless set.
//
// # Timeouts
//
// Streams with SetReadDeadline and SetWriteDeadline get deadlines. A bare
// io.ReadWriteCloser gets one timer that closes it when a read or write
// overruns. Options names each timeout and its default.
//
// # Concurrency
//
// A ResponseWriter and its Stream may be used by one goroutine at a time,
// and only until the handler returns. Server's methods are safe for
// concurrent use.
package core
