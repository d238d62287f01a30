// Command echo is a debugging server that shows a client what it sent.
//
//	GET  /echo     the request's header fields, one per line: "Name: value"
//	GET  /cookie   the request's cookies, one per line: "name=value"
//	POST (other)   the request body, as it arrived
//	anything else  "OK"
//
//	go run ./examples/echo                  # http://127.0.0.1:8080/
//	go run ./examples/echo -addr :9000
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
		fmt.Fprintln(os.Stderr, "echo:", err)
		os.Exit(1)
	}
}

func echo(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	switch {
	case req.Path() == "/echo":
		s := w.Stream(200)
		for name, value := range req.Header().All() {
			s.Write(name)
			s.WriteString(": ")
			s.Write(value)
			s.WriteString("\n")
		}
		return s.Finish()
	case req.Path() == "/cookie":
		s := w.Stream(200)
		for name, value := range req.Cookies() {
			s.Write(name)
			s.WriteString("=")
			s.Write(value)
			s.WriteString("\n")
		}
		return s.Finish()
	case req.Method() == "POST":
		if ct := req.Header().Get("Content-Type"); ct != "" {
			w.Header().Set("Content-Type", ct)
		}
		if n := req.ContentLength(); n >= 0 {
			return w.SendReader(200, req.Body(), n)
		}
		return w.SendReader(200, req.Body(), -1)
	default:
		return w.SendString(200, "OK")
	}
}

func handler(quiet bool) core.Handler {
	h := core.Handler(core.HandlerFunc(echo))
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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
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
