// Package form parses HTML form bodies, application/x-www-form-urlencoded
// and multipart/form-data, from a tophat request, within explicit limits,
// and offers the multipart parts as a stream for bodies too large to hold.
//
//	f, err := form.Parse(req, nil) // the default Limits
//	if err != nil {
//		return glitch.Responder{}.Respond(req, w, core.ResponseWritten{}, err) // 400, 413 or 415
//	}
//	defer f.RemoveAll()
//	title := f.Value.Get("title")
//	for _, file := range f.File["attachment"] { ... file.Open() ... }
//
// Only the body is parsed; the query is Request.Query.
//
// # Limits
//
// Limits bound what a body may cost: the bytes of all values, the number of
// fields and of parts, the size of each file, and how much of the files is
// held in memory. Past a limit Parse stops reading and returns an error of
// status 413 (glitch.StatusOf reads it); a malformed body is 400, a body
// that is no form 415. The core's own body limit (Options.MaxBodyBytes, or
// Request.SetBodyLimit for one route) applies on top and bounds the whole.
//
// # Temporary files
//
// Files that do not fit in Limits.MaxMemory are written to temporary files
// (in Limits.TempDir, os.TempDir by default). Parse ties their removal to
// the request's context: when the handler returns, the core cancels the
// context and the files are removed, shortly after, on the goroutine
// context.AfterFunc starts; a handler needs no cleanup code. A handler
// that wants them gone at a known moment calls Form.RemoveAll, which also
// waits for nothing. Because a middleware may give the context a deadline
// (core/timeout), the files go when that deadline passes too: a handler
// that overruns its deadline must not count on them.
//
// # Streaming
//
// Parts returns a mime/multipart Reader over the body for handlers that
// process parts as they arrive (an upload written straight to storage),
// holding nothing but the part being read.
package form
