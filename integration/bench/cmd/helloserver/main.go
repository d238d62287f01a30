// Command helloserver answers "Hello, World!" (text/plain) on every path
// over loopback TCP with keep-alive, using tophat, net/http or fasthttp in
// its default configuration, for wrk.sh to compare them.
//
//	helloserver -impl tophat -addr 127.0.0.1:8080
//
// It serves until SIGINT or SIGTERM. It listens on loopback addresses only:
// it is a benchmark target, not a server to expose.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports/tcp"
	"github.com/valyala/fasthttp"
)

const helloBody = "Hello, World!"

// shutdownGrace bounds the graceful shutdown: wrk has finished by the time
// the script stops the server, so anything still open is idle.
const shutdownGrace = 2 * time.Second

func main() {
	impl := flag.String("impl", "tophat", "implementation: tophat, nethttp or fasthttp")
	addr := flag.String("addr", "127.0.0.1:8080", "loopback address to listen on")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("helloserver: ")
	if err := checkLoopback(*addr); err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch *impl {
	case "tophat":
		err = serveTophat(ctx, *addr)
	case "nethttp":
		err = serveNetHTTP(ctx, *addr)
	case "fasthttp":
		err = serveFasthttp(ctx, *addr)
	default:
		err = fmt.Errorf("unknown -impl %q: want tophat, nethttp or fasthttp", *impl)
	}
	if err != nil {
		log.Fatal(err)
	}
}

func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-addr %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("-addr %q: not a loopback IP address", addr)
	}
	return nil
}

func serveTophat(ctx context.Context, addr string) error {
	l, err := tcp.Listen(addr, nil)
	if err != nil {
		return err
	}
	srv := &core.Server{Handler: core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		w.Header().Set("Content-Type", "text/plain")
		return w.SendString(200, helloBody)
	})}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		if srv.Shutdown(shutdown) != nil {
			srv.Close()
		}
	}()
	if err := srv.Serve(l); !errors.Is(err, core.ErrServerClosed) {
		return err
	}
	return nil
}

func serveNetHTTP(ctx context.Context, addr string) error {
	body := []byte(helloBody)
	srv := &http.Server{Addr: addr, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write(body) //nolint:errcheck // a client that left is no concern here
	})}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		if srv.Shutdown(shutdown) != nil {
			srv.Close()
		}
	}()
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func serveFasthttp(ctx context.Context, addr string) error {
	srv := &fasthttp.Server{Handler: func(rc *fasthttp.RequestCtx) {
		rc.SetContentType("text/plain")
		rc.SetBodyString(helloBody)
	}}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		srv.ShutdownWithContext(shutdown) //nolint:errcheck // exiting either way
	}()
	return srv.ListenAndServe(addr)
}
