// Package jsonio reads JSON request bodies and sends JSON responses for
// tophat handlers.
//
//	func create(req *core.Request, w *core.ResponseWriter) (core.ResponseWritten, error) {
//		var in Item
//		if err := jsonio.Decode(req, &in, nil); err != nil {
//			return core.ResponseWritten{}, err // 400, 413 or 415 through glitch
//		}
//		...
//		return jsonio.Send(w, 201, out)
//	}
//	h := glitch.HandlerFunc(create)
//
// # Decoding
//
// Decode wants a JSON Content-Type (application/json, or any type with the
// +json suffix such as application/merge-patch+json); anything else is 415,
// so a form post or a missing Content-Type is caught before it is misread
// (browsers send cross-site forms without a preflight, JSON they do not).
// The body is bounded by DecodeOptions.MaxBytes (413 past it, before
// reading when Content-Length already says so) and must hold exactly one
// JSON value. Fields the target does not know are refused (400) when
// DisallowUnknownFields is set, and ignored otherwise, as encoding/json
// does. Errors are *glitch.Error values wrapping the sentinels below, so
// glitch.StatusOf and errors.Is both work.
//
// # Sending
//
// Send encodes into a pooled buffer and sends it with Content-Length and
// Content-Type: application/json (unless the handler set a JSON type of its
// own, such as application/problem+json). The pool keeps buffers and
// encoders, not anything a handler can hold, and drops buffers grown past
// maxPooledBuffer so one large response does not pin memory. A value that
// cannot be encoded sends nothing: Send returns the error (a 500 glitch),
// and the handler may still answer.
package jsonio
