package core

import (
	"io"
	"time"
)

// A StreamEvent tells Options.OnStream that the core began serving a
// stream, or that it is done with it. Metrics count streams by transport
// and reason with it; an access log can note connections.
type StreamEvent struct {
	// Stream is the stream served. It is closed when Ended is true; use it
	// to tell transports apart (by type, or by a LocalAddr method's
	// network), never to read or write.
	Stream io.ReadWriteCloser
	// Ended is false when serving begins, true when it is over.
	Ended bool
	// Reason says why the stream ended; EndNone while it is served.
	Reason EndReason
	// Requests is how many request heads arrived whole on the stream,
	// refused ones included (set when Ended).
	Requests uint64
	// Lifetime is the time from the start of serving to the end (set when
	// Ended).
	Lifetime time.Duration
	// Err is what ServeConn returns for the stream (set when Ended).
	Err error
}

// An EndReason says why the core stopped serving a stream.
type EndReason uint8

// The reasons a stream ends. Each is one cause, checked in this order of
// precedence when several apply (a write that failed during Shutdown is
// EndShutdown).
const (
	EndNone EndReason = iota
	// EndClientClosed: the client closed the stream, or asked for it to be
	// closed (Connection: close, HTTP/1.0 without keep-alive), or went away
	// in the middle of a request.
	EndClientClosed
	// EndIdleTimeout: no request arrived within IdleTimeout (or, on a new
	// stream, ReadHeaderTimeout).
	EndIdleTimeout
	// EndRejected: the core refused a request (a malformed or too large
	// head or body, a head too slow to arrive); Options.OnReject heard of it.
	EndRejected
	// EndShutdown: Server.Shutdown or Server.Close ended it.
	EndShutdown
	// EndHijacked: a handler took the stream over (ResponseWriter.Upgrade).
	EndHijacked
	// EndServerClosed: a response ended it: the handler asked for close or
	// sent a body without a length, panicked, or left a body too large to
	// drain unread.
	EndServerClosed
	// EndWriteFailed: a write to the stream failed or timed out, most often
	// because the client stopped reading or left.
	EndWriteFailed
)

var endReasonNames = [...]string{
	EndNone:         "none",
	EndClientClosed: "client_closed",
	EndIdleTimeout:  "idle_timeout",
	EndRejected:     "rejected",
	EndShutdown:     "shutdown",
	EndHijacked:     "hijacked",
	EndServerClosed: "server_closed",
	EndWriteFailed:  "write_failed",
}

// String returns the reason in snake case, fit for a metric label:
// "client_closed", "idle_timeout", "rejected", "shutdown", "hijacked",
// "server_closed", "write_failed" (or "none").
func (r EndReason) String() string {
	if int(r) < len(endReasonNames) {
		return endReasonNames[r]
	}
	return "unknown"
}
