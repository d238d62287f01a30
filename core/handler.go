package core

// A Handler answers one request. It must end with a terminal method of the
// ResponseWriter and return the ResponseWritten that method gave it; that
// is the only way to obtain one, so a handler that compiles has answered.
//
// The Request and ResponseWriter, and every slice borrowed from them, are
// valid only until Serve returns.
type Handler interface {
	Serve(req *Request, w *ResponseWriter) ResponseWritten
}

// HandlerFunc adapts a function to a Handler.
type HandlerFunc func(req *Request, w *ResponseWriter) ResponseWritten

// Serve calls f(req, w).
func (f HandlerFunc) Serve(req *Request, w *ResponseWriter) ResponseWritten { return f(req, w) }

// A Middleware wraps a Handler in another.
type Middleware func(Handler) Handler

// Chain applies middlewares so that the first one listed is the outermost:
// Chain(h, a, b) serves a(b(h)).
func Chain(h Handler, middlewares ...Middleware) Handler {
	for i := len(middlewares) - 1; i >= 0; i-- {
		h = middlewares[i](h)
	}
	return h
}
