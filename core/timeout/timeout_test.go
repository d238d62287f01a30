package timeout_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/coretest"
	"github.com/tophat-go/tophat/core/timeout"
)

// The handlers below wait for their context, never for a clock: the tests
// depend on what happens at the deadline, not on how fast anything runs.

func TestMiddleware(t *testing.T) {
	const short = 5 * time.Millisecond
	tests := []struct {
		name    string
		timeout time.Duration
		onTime  core.Handler
		handler core.HandlerFunc
		status  int
		body    string
	}{
		{"answers in time", time.Hour, nil, func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
			if _, ok := req.Context().Deadline(); !ok {
				return w.SendString(500, "no deadline")
			}
			return w.SendString(200, "ok")
		}, 200, "ok"},
		{"waits out its context", short, nil, func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
			<-req.Context().Done()
			return core.ResponseWritten{}
		}, 503, "the request took too long\n"},
		{"answers the deadline itself", short, nil, func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
			<-req.Context().Done()
			return w.SendString(504, context.Cause(req.Context()).Error())
		}, 504, "context deadline exceeded"},
		{"custom answer", short, core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
			w.Header().Set("Retry-After", "5")
			return w.SendString(503, "busy")
		}), func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
			<-req.Context().Done()
			return core.ResponseWritten{}
		}, 503, "busy"},
		{"no answer in time is the core's 500", time.Hour, nil, func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
			return core.ResponseWritten{}
		}, 500, ""},
		{"stream begun before the deadline stands", short, nil, func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
			b := w.Begin(200)
			b.WriteString("partial")
			<-req.Context().Done()
			return b.Finish()
		}, 200, "partial"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mw, err := timeout.New(timeout.Config{Timeout: tt.timeout, Handler: tt.onTime})
			if err != nil {
				t.Fatal(err)
			}
			req := coretest.NewRequest("GET", "/", nil)
			req.Options = &core.Options{ErrorLog: slog.New(slog.DiscardHandler)}
			res := req.Serve(mw(tt.handler))
			if res.Status != tt.status || (tt.body != "" && res.BodyString() != tt.body) {
				t.Fatalf("got %d %q, want %d %q", res.Status, res.Body, tt.status, tt.body)
			}
		})
	}
}

// The request's own context is back for the middleware outside.
func TestContextRestored(t *testing.T) {
	mw, _ := timeout.New(timeout.Config{Timeout: time.Millisecond})
	var outerErr error
	var hadDeadline bool
	outer := func(next core.Handler) core.Handler {
		return core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
			rw := next.Serve(req, w)
			outerErr = req.Context().Err()
			_, hadDeadline = req.Context().Deadline()
			return rw
		})
	}
	inner := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		<-req.Context().Done()
		return core.ResponseWritten{}
	})
	res := coretest.Serve(core.Chain(inner, outer, mw), "GET", "/", nil)
	if res.Status != 503 || outerErr != nil || hadDeadline {
		t.Fatalf("status %d; outside, the context has err %v, deadline %t", res.Status, outerErr, hadDeadline)
	}
}

func TestConfigRefused(t *testing.T) {
	for _, d := range []time.Duration{0, -time.Second} {
		if _, err := timeout.New(timeout.Config{Timeout: d}); !errors.Is(err, timeout.ErrInvalidConfig) {
			t.Errorf("%v: %v", d, err)
		}
	}
}
