package core

import (
	"errors"
	"strconv"
)

// A ProtocolError is a request that broke the rules of HTTP/1.1 or one of
// the server's limits. Status is the response the server sends for it (400,
// 408, 413, 414, 417, 431, 501, 505, ...); after such a response the stream
// is closed, because the server can no longer tell where the next request
// starts.
//
// Body reads return a ProtocolError when the body itself is malformed or too
// large. A handler may answer with err.Status; if it answers nothing, or had
// only buffered its answer when the read failed, the core answers
// err.Status itself.
type ProtocolError struct {
	Status int
	Reason string

	kind *ProtocolError // the sentinel this error is a case of, if any
}

func (e *ProtocolError) Error() string {
	return "tophat: " + strconv.Itoa(e.Status) + " " + e.Reason
}

// Is reports whether target is the sentinel this error is a case of, or a
// ProtocolError with the same status and reason.
func (e *ProtocolError) Is(target error) bool {
	t, ok := target.(*ProtocolError)
	return ok && (t == e.kind || (t.Status == e.Status && t.Reason == e.Reason))
}

// Errors the core reports. Request errors are *ProtocolError values and
// match with errors.Is against the sentinels below where one applies.
var (
	// ErrBodyTooLarge is returned by body reads past Options.MaxBodyBytes.
	ErrBodyTooLarge = &ProtocolError{Status: 413, Reason: "request body larger than the limit"}
	// ErrMalformedChunk is matched by every error in the framing of a
	// chunked body; the error's Reason says what was wrong.
	ErrMalformedChunk = &ProtocolError{Status: 400, Reason: "malformed chunked body"}
	// ErrBodyTruncated is returned when the stream ends inside a body.
	ErrBodyTruncated = &ProtocolError{Status: 400, Reason: "stream ended inside the request body"}

	// ErrAlreadySent is the error of a terminal method called after the
	// response was already sent or handed over.
	ErrAlreadySent = errors.New("tophat: response already sent")
	// ErrResponseOver is the error of every write through a ResponseWriter
	// or BodyWriter, and of every read of a Body, after the handler that
	// received it has returned: the exchange is over and the handle is dead.
	ErrResponseOver = errors.New("tophat: response is over: its handler has returned")
	// ErrInvalidStatus is the error of a terminal method given a status it
	// cannot send (outside 100-999, or 1xx where a final status is due).
	ErrInvalidStatus = errors.New("tophat: invalid status code")
	// ErrInvalidHeader is the error of a response whose header or trailer
	// fields would break the framing (a name that is no token, CR or LF in a
	// value).
	ErrInvalidHeader = errors.New("tophat: invalid response header field")
	// ErrContentLength is the error of a response whose body does not match
	// the Content-Length its handler declared.
	ErrContentLength = errors.New("tophat: response body does not match Content-Length")
	// ErrBodyNotAllowed is the error of a non-empty body sent with a status
	// that carries none (1xx, 204, 304); the head is still sent. A body sent
	// in answer to HEAD is no error: it is measured for Content-Length and
	// not sent.
	ErrBodyNotAllowed = errors.New("tophat: response body not allowed for this status")
	// ErrNoResponse is logged when a handler returns a zero ResponseWritten.
	ErrNoResponse = errors.New("tophat: handler returned without a response")
	// ErrHandlerPanic is logged when a handler panics.
	ErrHandlerPanic = errors.New("tophat: handler panicked")
	// ErrClientGone is the cause (context.Cause) of a request context
	// cancelled because the client closed the stream or a write to it
	// failed.
	ErrClientGone = errors.New("tophat: client went away")
	// ErrServerClosed is returned by Server.Serve after Shutdown or Close.
	ErrServerClosed = errors.New("tophat: server closed")
	// ErrNoHandler is returned by Server.Serve and ServeConn without a
	// Handler.
	ErrNoHandler = errors.New("tophat: no Handler")
)

// timeoutError satisfies net.Error, so callers can tell a timeout from a
// broken stream the way they do with the net package.
type timeoutError struct{ what string }

func (e *timeoutError) Error() string   { return "tophat: " + e.what + " timed out" }
func (e *timeoutError) Timeout() bool   { return true }
func (e *timeoutError) Temporary() bool { return true }

// ErrTimeout is returned by reads and writes that a timeout cut off, for
// streams without deadlines (streams with deadlines return their own
// net.Error). errors.Is(err, os.ErrDeadlineExceeded) does not hold for it;
// check with a net.Error type assertion, as with the net package.
var ErrTimeout error = &timeoutError{what: "stream"}
