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
// # Lifetimes
//
// A request is parsed in place in the stream's read buffer. The []byte
// values a Request returns (RawPath, Header().Peek, Cookies, ...) are
// borrowed: valid until the handler returns and never to be modified.
// Methods that return strings return copies, safe to keep.
//
// The handles a handler receives (the *Request, its *Body and headers, the
// *ResponseWriter and its *BodyWriter) belong to that one call. When the
// handler returns they die: reads return nothing (a Body read returns
// ErrResponseOver), writes and terminal methods fail with ErrResponseOver,
// and the request's context is cancelled. A dead handle never reaches
// another stream's request: the core allocates a stream's handles with the
// stream and pools only byte buffers. On the same stream, the next request
// gets other handles, and a dead handle that is used is retired for good.
// The one misuse that can still reach the same stream's data is a handle
// kept untouched through a whole request of that stream and then used
// during the one after; ruling that out would cost an allocation per
// request. Copy what must outlive the handler (strings, Header().Get,
// bytes.Clone) and keep no handle.
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
// overruns; it runs only while a read or write is blocked. Options names
// each timeout and its default.
//
// # Contexts
//
// Request.Context is made on first use, so a handler that does not ask
// costs nothing. It is cancelled when the handler returns, when the client
// is found gone, and when a Server is closed; with Options.Go (a Server sets
// it) the core also watches the stream in the background while the handler
// runs, as net/http does. Shutdown does not cancel it: in-flight requests
// finish, and long-lived handlers end on Request.ShuttingDown.
//
// # Performance
//
// A warm kept-alive request allocates nothing (TestKeepAliveAllocations
// holds it to that). What it took, and what costs:
//
//   - A stream's conn, with its request handles, is allocated with the
//     stream; only byte buffers are pooled, never an object a handler can
//     hold. That is one allocation per stream instead of one per request,
//     and it is what keeps handles from reaching other streams.
//   - A request is parsed in place; header fields stay in the read buffer,
//     found by a linear scan (no map). Methods that return strings copy;
//     the []byte ones do not. Names are compared through a lower-case
//     table, a lookup per byte.
//   - Responses are composed with append into the write buffer and leave
//     in one write with their body when it is small. Responses to
//     pipelined requests that are already buffered leave together, in one
//     write (ResponseWritten.Buffered); this is most of the difference on
//     pipelined loads, where one write per response is the cost.
//   - The Date field is formatted once a second and shared through an
//     atomic pointer: no lock on the request path.
//   - A stream that goes quiet (after its first request, or when its
//     requests are further apart than 200 ms) gives its buffers back at
//     once and waits with a one-byte read; a busy one keeps them for up to
//     200 ms between requests. A burst of clients that each send a request
//     and go quiet so leaves no pool of freed buffers behind.
//   - A Server's streams (with the default Spawn) run on goroutines that,
//     when their stream ends, wait for the next (up to 128 of them): a new
//     stream skips a goroutine start and most of the stack growth its
//     first request needs. Under wrk with 64 clients making one request
//     per connection, goroutine starts went from one per connection to
//     none and stack growths from 0.49 per connection to 0.03 (counted
//     with uprobes on runtime.newproc1 and runtime.newstack).
//   - A Server's stream (with the default Spawn) that goes quiet also
//     waits on a fresh goroutine: serving grows a goroutine's stack to
//     4 KiB or more, which the runtime does not shrink while the goroutine
//     is parked in a read, and a fresh one waits in 2 KiB. An idle
//     kept-alive TCP stream costs its 2 KiB stack, its conn (a 1,792-byte
//     allocation) and the socket: about 6 KB in all, measured at 10,000
//     of them. The price is paid when a quiet stream wakes: a goroutine
//     start and a stack growth, a few microseconds, for a request that
//     came after a pause of 200 ms or more.
//   - File bodies of known size go to TCP streams through sendfile.
//   - A request's context is made only when asked for; with Options.Go it
//     also starts a goroutine that watches the stream while the handler
//     runs. Handlers on the hot path that do not need cancellation can
//     skip it.
//   - The clock is read in full (wall and monotonic) once a second per
//     stream; a request's start (Request.Received) is the previous start
//     plus the monotonic time elapsed, and so are the response's first and
//     last byte: three monotonic readings per request, the ones an honest
//     receipt needs. A pipelined request whose head was buffered behind
//     the previous response starts when that response was done, with no
//     reading at all.
//   - A head is scanned once: the scanner keeps the offsets of the line
//     ends it finds (the first 64, on the stack), and the parser walks them
//     instead of searching again. The request line is checked in the pass
//     that finds its spaces. Field values are checked eight bytes at a
//     time; only a word holding a control byte (a tab, say) goes byte by
//     byte. Header tables hold offsets into the head, not slices: nothing
//     for the collector to scan, nothing to clear between requests.
//   - Pipelined input stays where it is between requests; the reader moves
//     it down only when the room behind it runs short (moving it after each
//     request copied a batch of n requests n/2 times).
//   - Status lines and the Date line are appended whole, from tables; the
//     handles are reset field by field (a composite literal assigned to
//     them built and copied the whole struct); recover runs only when a
//     handler did not return.
//   - Body is an io.WriterTo that reads 32 KiB at a time, so io.Copy from
//     a body takes a few reads of the stream, not one per 8 KiB.
//   - A busy stream keeps its socket deadlines while they are close enough
//     (within a quarter of the timeout past it), so it changes them every
//     few seconds instead of twice per request: each change is a lock and a
//     timer update in the runtime.
//   - The 4 KiB buffer that drains unread bodies lives with the pooled
//     buffers and is made only when a body needs it.
//   - Request.Path makes no string for a path it has seen last on the
//     stream, nor decodes one without a percent sign.
//   - No lock is shared by requests: the Date field is an atomic pointer,
//     buffers come from a sync.Pool, and a Server's table of streams is
//     locked when a stream starts and when it ends, never per request. A
//     mutex profile of a Server under 64 keep-alive clients on loopback
//     (150,000 requests in 3 s) had every contended sample in the client
//     (net/http), none in tophat.
//
// What is left of a keep-alive GET is parsing (about 40 %, most of it the
// byte-by-byte token and field checks that strict parsing needs) and the
// response head. The benchmarks are in integration/bench, with results
// and charts in its results folder.
//
// # Concurrency
//
// A Request, ResponseWriter and BodyWriter may be used by one goroutine at
// a time, and only until the handler returns (see Lifetimes). A handler may
// hand its BodyWriter to another goroutine, but must wait for it before it
// calls Finish and returns. Server's methods are safe for concurrent use.
package core
