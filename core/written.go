package core

import "time"

// A ResponseWritten is the receipt of a response: what went on the wire.
// Only the terminal methods of a ResponseWriter make one, so a handler that
// compiles has answered, and a middleware can log or measure what happened.
//
// The zero value means nothing was written; a handler that returns it gets
// a 500 sent in its place (if nothing was sent yet) and a log line.
type ResponseWritten struct {
	seq       uint64 // which request of the stream this answers; 0 for none
	status    int
	headBytes int64
	bodyBytes int64
	ttfb      time.Duration
	duration  time.Duration
	buffered  bool
	err       error
}

// Status returns the status code sent, or 0 if nothing was sent.
func (rw ResponseWritten) Status() int { return rw.status }

// HeadBytes returns the size of the status line and header section sent.
func (rw ResponseWritten) HeadBytes() int64 { return rw.headBytes }

// BodyBytes returns the number of body bytes sent, before chunked framing.
// Both counts include only what the stream accepted (or, for a Buffered
// response, the buffer).
func (rw ResponseWritten) BodyBytes() int64 { return rw.bodyBytes }

// TimeToFirstByte returns the time from the handler's start to the first
// byte of the response written to the stream.
func (rw ResponseWritten) TimeToFirstByte() time.Duration { return rw.ttfb }

// Duration returns the time from the handler's start to the last byte of
// the response written to the stream.
func (rw ResponseWritten) Duration() time.Duration { return rw.duration }

// Err returns why the response did not go out whole: the stream's write
// error (the client went away, a write timed out), or a misuse such as
// ErrContentLength or ErrInvalidHeader. It is nil for a complete response.
func (rw ResponseWritten) Err() error { return rw.err }

// Buffered reports that the response was complete in the write buffer when
// the handler got this receipt, waiting to leave in one write with the
// responses to the pipelined requests behind it (Options.FlushEachResponse
// turns that off). HeadBytes and BodyBytes then count what was buffered,
// and the times are those of the buffering; Err cannot report a write
// failure that comes later.
func (rw ResponseWritten) Buffered() bool { return rw.buffered }

// IsZero reports whether this is the zero value (nothing was written).
func (rw ResponseWritten) IsZero() bool { return rw.seq == 0 }
