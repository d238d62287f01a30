// Package pipe provides in-memory byte streams for tophat: a connected pair of
// net.Conn values, a named in-process Listener, and an *http.Client bound to
// it, so a handler can be tested (or an in-process client served) without a
// socket.
//
// # Buffering
//
// Unlike net.Pipe, each direction of a pipe has its own bounded buffer
// (Config.BufferSize, DefaultBufferSize by default). A Write completes as soon
// as its bytes fit into the buffer and blocks only while the buffer is full,
// so a server can write a response before the client reads it, as it can on a
// socket. A Read returns whatever is buffered, up to len(p).
//
// # Closing
//
//	a.CloseWrite()   b drains what a wrote, then reads io.EOF; a can still read
//	                 and b can still write.
//	a.Close()        as CloseWrite, and also: bytes b wrote that a has not read
//	                 are dropped, b's writes fail with io.ErrClosedPipe, and a's
//	                 own pending and later operations fail with net.ErrClosed.
//
// Errors other than io.EOF are *net.OpError values: match them with errors.Is
// against net.ErrClosed, io.ErrClosedPipe, ErrWriteShutdown or
// os.ErrDeadlineExceeded. Deadline errors satisfy net.Error with Timeout()
// true, as on a socket.
//
// # Listeners and dialing
//
// Listen registers a name in a process-wide table; Dial connects to it. Dial
// does not wait for Accept: like a TCP listen queue, each Listener holds up to
// Config.Backlog connections that were dialed but not yet accepted, and Dial
// waits (honouring its context) only while that queue is full. Closing a
// Listener frees its name and closes the connections still in its queue, so
// their dialers read io.EOF.
//
// Each side's Config.BufferSize sets the buffer of the direction it reads from,
// as a socket's receive buffer does: the Listener's config governs what clients
// send, the dialer's config governs what the server sends back.
//
// # Concurrency
//
// A Conn is safe for one reader and one writer at the same time, and Close,
// CloseWrite and the Set*Deadline methods may be called from any goroutine
// while they run. Several concurrent readers (or writers) are safe too, but
// their bytes interleave in no defined order. Deadlines use a stopped-on-change
// time.AfterFunc, so idle or closed Conns hold no goroutines and no timers.
package pipe
