package glitch_test

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/glitch"
	"github.com/tophat-go/tophat/transports/pipe"
)

var users = map[string]string{"7": "ada"}

var errStore = errors.New("store: disk on fire")

// fetch serves h on an in-memory listener and prints one answer.
func fetch(h core.Handler, path, accept string) {
	l, _ := pipe.Listen("", nil)
	srv := &core.Server{Handler: h}
	go srv.Serve(l)
	defer srv.Close()
	c := l.Client()
	defer c.CloseIdleConnections()
	req, _ := http.NewRequest("GET", "http://app"+path, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := c.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, resp.Header.Get("Content-Type"), strings.TrimSpace(string(body)))
}

// A handler returns errors; the client gets the public message, plain or as
// a problem document, and never the private cause.
func Example() {
	logs := slog.New(slog.NewTextHandler(io.Discard, nil))
	r := &glitch.Responder{Logger: logs}
	h := r.Handle(func(req *core.Request, w *core.ResponseWriter) (core.ResponseWritten, error) {
		id := strings.TrimPrefix(req.Path(), "/users/")
		if id == "crash" {
			return core.ResponseWritten{}, glitch.Internal(errStore)
		}
		name, ok := users[id]
		if !ok {
			return core.ResponseWritten{}, glitch.NotFound("no user " + id)
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		return w.SendString(200, name), nil
	})

	fetch(h, "/users/7", "")
	fetch(h, "/users/8", "")
	fetch(h, "/users/8", "application/json")
	fetch(h, "/users/crash", "")
	// Output:
	// 200 text/plain; charset=utf-8 ada
	// 404 text/plain; charset=utf-8 no user 8
	// 404 application/problem+json {"type":"about:blank","title":"Not Found","status":404,"detail":"no user 8","instance":"/users/8"}
	// 500 text/plain; charset=utf-8 Internal Server Error
}

// Errors keep their cause for errors.Is and errors.As, and StatusOf tells
// the status any error gets.
func ExampleWrap() {
	err := fmt.Errorf("saving order: %w", glitch.Wrap(errStore, 503, "orders are paused"))
	fmt.Println(err)
	fmt.Println(errors.Is(err, errStore), errors.Is(err, glitch.New(503, "")))
	fmt.Println(glitch.StatusOf(err), glitch.StatusOf(core.ErrBodyTooLarge), glitch.StatusOf(errStore))
	// Output:
	// saving order: glitch: 503 orders are paused: store: disk on fire
	// true true
	// 503 413 500
}

// The log record carries the private cause; Verbose would also send it.
func ExampleResponder_Respond() {
	logs := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	r := &glitch.Responder{Logger: logs}
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return r.Respond(req, w, core.ResponseWritten{}, glitch.Conflict("name taken"))
	})
	fetch(h, "/names/ada", "")
	// Output:
	// level=INFO msg="glitch: request failed" method=GET target=/names/ada status=409 err="glitch: 409 name taken"
	// 409 text/plain; charset=utf-8 name taken
}
