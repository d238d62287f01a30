package nethttp

import (
	"errors"
	"net/http"

	"github.com/tophat-go/tophat/core"
)

// Errors of the bridge's ResponseWriter, besides net/http's own
// (http.ErrHijacked, http.ErrBodyNotAllowed, http.ErrBodyReadAfterClose).
var (
	// ErrHijackStarted is returned by Hijack once the response has started:
	// the core has the head, so the stream can no longer be handed over
	// clean. net/http allows a Hijack after WriteHeader by flushing the
	// head first; through the bridge, hijack before WriteHeader, or answer
	// WriteHeader(101) and then Hijack.
	ErrHijackStarted = errors.New("nethttp: Hijack after the response started")
	// ErrHandlerReturned is returned by every method of a ResponseWriter
	// or Request.Body kept past the return of the handler it was given to.
	ErrHandlerReturned = errors.New("nethttp: the handler has returned")
)

// Handler returns a core.Handler that serves every request with h, through
// a real *http.Request and an http.ResponseWriter mapped onto the core's
// ResponseWriter. It returns what the core reports of the response, so an
// access log or metrics middleware around it sees a bridged handler like any
// other.
func Handler(h http.Handler) core.Handler {
	return core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return Serve(req, w, h)
	})
}

// Serve answers one request with h and returns the receipt of its
// response. A native handler calls it for the routes a net/http library
// must answer, such as gorilla/websocket's Upgrader:
//
//	func ws(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
//		return nethttp.Serve(req, w, http.HandlerFunc(func(hw http.ResponseWriter, r *http.Request) {
//			conn, err := upgrader.Upgrade(hw, r, nil)
//			...
//		}))
//	}
//
// A request-target net/url cannot parse is answered 400 without calling h.
func Serve(req *core.Request, w *core.ResponseWriter, h http.Handler) core.ResponseWritten {
	rw := &responseWriter{req: req, w: w}
	hr, err := newRequest(req, rw)
	if err != nil {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		return w.SendString(400, "malformed request-target\n")
	}
	rw.head = hr.Method == "HEAD"
	h.ServeHTTP(rw, hr)
	return rw.finish()
}
