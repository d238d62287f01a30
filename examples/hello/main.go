// Command hello answers every GET with "Hello, World!" over TCP.
//
//	go run ./examples/hello                 # http://127.0.0.1:8080/
//	go run ./examples/hello -addr :9000     # another address
//	go run ./examples/hello -quiet          # no access log, for benchmarks
//
// It logs one line per request (core.AccessLog) and shuts down gracefully
// on SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports/tcp"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "TCP address to listen on (host:port)")
	quiet := flag.Bool("quiet", false, "turn the access log off")
	flag.Parse()
	if err := run(*addr, *quiet); err != nil {
		fmt.Fprintln(os.Stderr, "hello:", err)
		os.Exit(1)
	}
}

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
	h := core.Handler(core.HandlerFunc(hello))
	if !quiet {
		h = core.Chain(h, core.AccessLog(slog.Default()))
	}
	return h
}

func run(addr string, quiet bool) error {
	l, err := tcp.Listen(addr, nil)
	if err != nil {
		return err
	}
	srv := &core.Server{Handler: handler(quiet)}
	slog.Info("listening", "addr", "http://"+l.Addr().String()+"/")
	return serveUntilSignal(srv, l)
}

// serveUntilSignal serves until SIGINT or SIGTERM, then lets requests in
// flight finish for up to ten seconds.
func serveUntilSignal(srv *core.Server, l core.Listener) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	slog.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-served; !errors.Is(err, core.ErrServerClosed) {
		return err
	}
	return nil
}
