package glitch

import (
	"context"
	"errors"
	"strconv"

	"github.com/tophat-go/tophat/core"
)

// An Error is an error with the HTTP answer it deserves: a status, a
// public message for the client, and a private cause for the logs.
type Error struct {
	// Status is the response status, 400 to 599.
	Status int
	// Message is sent to the client. Empty means the status's reason
	// phrase. Write it for the client: it must not reveal internals.
	Message string
	// Cause is the error behind it, logged but sent only with
	// Responder.Verbose. Unwrap returns it, so errors.Is and errors.As
	// see through an Error to its cause.
	Cause error
}

// Error describes e for logs, cause included.
func (e *Error) Error() string {
	s := "glitch: " + strconv.Itoa(e.Status) + " " + e.message()
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

// Unwrap returns the private cause.
func (e *Error) Unwrap() error { return e.Cause }

// Is reports whether target is an *Error with the same status and, if
// target has one, the same message; so errors.Is(err, glitch.NotFound(""))
// asks whether err is, or wraps, a 404.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Status == e.Status && (t.Message == "" || t.Message == e.Message)
}

func (e *Error) message() string {
	if e.Message != "" {
		return e.Message
	}
	if t := core.StatusText(e.Status); t != "" {
		return t
	}
	return "Error"
}

// New returns an Error with status and a public message.
func New(status int, message string) *Error {
	return &Error{Status: status, Message: message}
}

// Wrap returns an Error with status and a public message whose private
// cause is err. It returns nil for a nil err, so that
//
//	return rw, glitch.Wrap(err, 502, "the upstream failed")
//
// passes success through.
func Wrap(err error, status int, message string) error {
	if err == nil {
		return nil
	}
	return &Error{Status: status, Message: message, Cause: err}
}

// The common client errors, with a public message ("" for the reason
// phrase).

// BadRequest is 400: the request is malformed or invalid.
func BadRequest(message string) *Error { return New(400, message) }

// Unauthorized is 401: the request lacks valid credentials. Set the
// WWW-Authenticate field before returning it.
func Unauthorized(message string) *Error { return New(401, message) }

// Forbidden is 403: the credentials are valid but not enough.
func Forbidden(message string) *Error { return New(403, message) }

// NotFound is 404.
func NotFound(message string) *Error { return New(404, message) }

// Conflict is 409: the request conflicts with the resource's state.
func Conflict(message string) *Error { return New(409, message) }

// Unprocessable is 422: well-formed but semantically invalid content.
func Unprocessable(message string) *Error { return New(422, message) }

// TooManyRequests is 429. Set Retry-After before returning it.
func TooManyRequests(message string) *Error { return New(429, message) }

// Internal is 500 with the generic message, hiding cause from the client.
func Internal(cause error) *Error { return &Error{Status: 500, Cause: cause} }

// Unavailable is 503: the server cannot answer now (overloaded, shutting
// down, a dependency down). Set Retry-After if you know when.
func Unavailable(cause error) *Error { return &Error{Status: 503, Cause: cause} }

// StatusOf returns the status an error turns into: an *Error's Status,
// a *core.ProtocolError's (413 for a body over the limit, 400 for
// malformed framing), 503 for a context deadline (the server gave up
// waiting), and 500 for anything else. A nil error is 200.
func StatusOf(err error) int {
	status, _ := classify(err)
	return status
}

// classify is the one place errors become a status and a public message.
func classify(err error) (int, string) {
	var ge *Error
	var pe *core.ProtocolError
	switch {
	case err == nil:
		return 200, ""
	case errors.As(err, &ge) && ge.Status >= 400 && ge.Status <= 599:
		return ge.Status, ge.message()
	case errors.As(err, &pe):
		return pe.Status, pe.Reason
	case errors.Is(err, context.DeadlineExceeded):
		// The server, not the client, failed to answer in time, as
		// http.TimeoutHandler says with 503.
		return 503, core.StatusText(503)
	}
	return 500, core.StatusText(500)
}
