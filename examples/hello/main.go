// Command hello answers every GET with "Hello, World!".
//
//	go run ./examples/hello                                   # http://127.0.0.1:8080/
//	go run ./examples/hello -addr :9000                       # short for -listen tcp://:9000
//	go run ./examples/hello -listen unix:///tmp/hello.sock    # curl --unix-socket /tmp/hello.sock http://x/
//	go run ./examples/hello -listen tls+tcp://127.0.0.1:8443  # development certificate, see below
//	go run ./examples/hello -quiet                            # no access log, for benchmarks
//
// -listen takes any address of package transports whose scheme this program
// links: tcp, unix and pipe, with or without tls+. KCP is left out, so this
// binary carries no kcp-go; examples/kcp imports it (kcp://). A TLS address without a
// certificate is served with a self-signed development certificate; its PEM
// is written to the file named by -devcert (by default one in the temporary
// directory, removed on exit) and logged as cacert=FILE, so that
// "curl --cacert FILE https://127.0.0.1:8443/" works.
//
// It logs one line per request (core.AccessLog) and shuts down gracefully
// on SIGINT or SIGTERM.
package main

import (
	"context"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/examples/internal/serve"
)

func main() { serve.Command("hello", run) }

// hello is the whole application.
func hello(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
	if req.Method() != "GET" && req.Method() != "HEAD" {
		w.Header().Set("Allow", "GET, HEAD")
		return w.SendString(405, "Method Not Allowed\n")
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	return w.SendString(200, "Hello, World!")
}

func handler(quiet bool) core.Handler {
	return serve.Logged(core.HandlerFunc(hello), quiet)
}

// run serves on address until ctx is done.
func run(ctx context.Context, address, devCert string, quiet bool) error {
	return serve.Run(ctx, "hello", address, devCert, handler(quiet))
}
