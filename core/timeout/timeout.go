// Package timeout gives each request a deadline: a middleware that sets
// one on the request's context and answers 503 Service Unavailable when
// the handler comes back past it without having answered.
//
//	limit, err := timeout.New(timeout.Config{Timeout: 2 * time.Second})
//	if err != nil { ... }
//	h := core.Chain(app, limit)
//
// # What it cannot do
//
// A handler runs on the goroutine that serves its stream, and Go cannot
// stop a goroutine from outside. So the middleware does not preempt: it
// cancels the context at the deadline and waits for the handler to return.
// A handler must watch its context (pass req.Context() to database calls,
// HTTP clients, select on ctx.Done() in loops) for the deadline to cut its
// work short. One that ignores the context runs to its end, however long;
// if it then returns without sending, the 503 goes out late, and if it
// sends, its own response goes out, late. The server's WriteTimeout and the
// client's patience are the backstops there, not this middleware.
//
//	handler returns ──► sent? ── yes ──────────────────────► its response
//	                          └─ no ── past the deadline? ── yes ──► 503 (or Config.Handler)
//	                                                      └─ no ───► as returned (the core's 500)
//
// Unlike net/http's TimeoutHandler, nothing is buffered and no goroutine
// is started: the handler writes straight to the stream as usual, and what
// it sent before the deadline stands.
//
// The deadline applies to the handlers inside the middleware; once they
// return, the request's context is restored, so middleware outside (access
// logs, metrics) sees the request's own context.
package timeout

import (
	"context"
	"errors"
	"time"

	"github.com/tophat-go/tophat/core"
)

// ErrInvalidConfig is returned by New for a Timeout that is not positive.
var ErrInvalidConfig = errors.New("timeout: Config.Timeout must be positive")

// Config configures the middleware.
type Config struct {
	// Timeout is the time a handler has, from the moment the middleware
	// runs. It must be positive.
	Timeout time.Duration
	// Handler answers a request whose handler passed the deadline without
	// sending; its context is the expired one. nil sends a plain 503.
	Handler core.Handler
}

// New returns the middleware.
func New(cfg Config) (core.Middleware, error) {
	if cfg.Timeout <= 0 {
		return nil, ErrInvalidConfig
	}
	onTimeout := cfg.Handler
	if onTimeout == nil {
		onTimeout = core.HandlerFunc(unavailable)
	}
	return func(next core.Handler) core.Handler {
		return core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
			parent := req.Context()
			ctx, cancel := context.WithTimeout(parent, cfg.Timeout)
			defer cancel()
			req.SetContext(ctx)
			rw := next.Serve(req, w)
			if !w.Sent() && errors.Is(ctx.Err(), context.DeadlineExceeded) {
				rw = onTimeout.Serve(req, w)
			}
			req.SetContext(parent)
			return rw
		})
	}, nil
}

func unavailable(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	return w.SendString(503, "the request took too long\n")
}
