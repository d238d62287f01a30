// Package glitch turns errors into HTTP error responses for tophat
// handlers, in one place, so that handlers return errors instead of writing
// 4xx and 5xx answers by hand.
//
// An *Error carries a status, a public message for the client and a private
// cause for the logs:
//
//	user, err := db.User(ctx, id)
//	if errors.Is(err, sql.ErrNoRows) {
//		return core.ResponseWritten{}, glitch.NotFound("no such user")
//	}
//	if err != nil {
//		return core.ResponseWritten{}, glitch.Internal(err) // client sees "Internal Server Error"
//	}
//
// A HandlerFunc is a handler that may return an error; it is a core.Handler,
// and a Responder configures how its errors are answered:
//
//	handler ──► (rw, nil) ───────────────────────────► rw
//	        └─► (rw, err) ──► w.Sent()? ── yes ──► log, rw (a sent response stays)
//	                                   └── no ───► log, answer err ──► its rw
//
// # What an error becomes
//
// StatusOf says which status an error gets: an *Error's own (found through
// any wrapping, with errors.As), a *core.ProtocolError's (413 when a body
// read passed the limit, 400 for malformed chunked framing or a truncated
// body), 503 for context.DeadlineExceeded, and 500 for anything else, whose
// text is never sent.
//
// The answer is plain text, the public message on one line, unless the
// request's Accept field prefers JSON (application/json or
// application/problem+json over text): then it is an RFC 9457 problem
// document, application/problem+json:
//
//	{"type":"about:blank","title":"Not Found","status":404,"detail":"no such user","instance":"/users/7"}
//
// With Responder.Verbose the private cause is sent too, for development.
// Header fields the handler set for the body it meant to send
// (Content-Type, Content-Length, ETag, ...) are dropped; others it set for
// the error (Allow, Retry-After, WWW-Authenticate, CORS fields) stay.
//
// # Logs
//
// Every error is logged with slog on Responder.Logger: level Error for a
// 5xx, Info for a 4xx, with the method, target, status, the full error
// (cause included) and the route pattern if a router recorded one. An error
// returned after the response was sent is logged too, and the response is
// left as it is.
package glitch
