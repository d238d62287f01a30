// Command echo is a debugging server that shows a client what it sent.
//
//	GET  /echo     the request's header fields, one per line: "Name: value"
//	GET  /cookie   the request's cookies, one per line: "name=value"
//	POST (other)   the request body, as it arrived
//	anything else  "OK"
//
//	go run ./examples/echo                                  # http://127.0.0.1:8080/
//	go run ./examples/echo -addr :9000                      # short for -listen tcp://:9000
//	go run ./examples/echo -listen unix:///tmp/echo.sock
//	go run ./examples/echo -listen tls+tcp://127.0.0.1:8443 # development certificate
//
// -listen takes any address of package transports. A TLS address without a
// certificate is served with a self-signed development certificate, whose
// PEM is written to the file named by -devcert (by default one in the
// temporary directory, removed on exit) and logged as cacert=FILE for
// "curl --cacert FILE".
package main

import (
	"context"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/examples/internal/serve"
)

func main() { serve.Command("echo", run) }

func echo(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	switch {
	case req.Path() == "/echo":
		return serve.SendPairs(w, req.Header().All(), ": ")
	case req.Path() == "/cookie":
		return serve.SendPairs(w, req.Cookies(), "=")
	case req.Method() == "POST":
		if ct := req.Header().Get("Content-Type"); ct != "" {
			w.Header().Set("Content-Type", ct)
		}
		return w.SendReader(200, req.Body(), req.ContentLength()) // -1, chunked, when unknown
	default:
		return w.SendString(200, "OK")
	}
}

func handler(quiet bool) core.Handler {
	return serve.Logged(core.HandlerFunc(echo), quiet)
}

// run serves on address until ctx is done.
func run(ctx context.Context, address, devCert string, quiet bool) error {
	return serve.Run(ctx, "echo", address, devCert, handler(quiet))
}
