// Command helloserver is the server that the wrk and idle-connection suites
// drive over loopback TCP: tophat, net/http or fasthttp in its default
// configuration, or a canned-bytes server that parses nothing and marks the
// limit of what any server could do on this machine.
//
//	helloserver -impl tophat -addr 127.0.0.1:8080 [-tls] [-canned json] [-file PATH]
//
// Every implementation answers the same routes:
//
//	/json     a 4 KiB JSON document (application/json), prepared once
//	/upload   a POST whose body the handler reads whole; "Hello, World!"
//	          when it is 64 KiB, 400 otherwise
//	/file     the file named by -file (application/octet-stream), sent the
//	          way each implementation sends files (see file.go); 404
//	          without -file
//	anything  "Hello, World!" (text/plain)
//
// A request with "Connection: close" is answered and the connection closed,
// as HTTP/1.1 says. With -tls the server speaks TLS with a self-signed
// ECDSA certificate made at startup (the same kind for every
// implementation): tophat through transports' tls+tcp scheme, net/http with
// ServeTLS, fasthttp with ServeTLSEmbed and the canned server with
// crypto/tls.
//
// The canned server cannot tell routes apart, since it parses nothing: -canned
// chooses the response it writes for every "\r\n\r\n" it reads (plaintext,
// json, upload or close; close adds "Connection: close" and closes after the
// first answer).
//
// It serves until SIGINT or SIGTERM. It listens on loopback addresses only:
// it is a benchmark target, not a server to expose.
package main

import (
	"context"
	stdtls "crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports"
	"github.com/tophat-go/tophat/transports/tls"
	"github.com/valyala/fasthttp"
)

// shutdownGrace bounds the graceful shutdown: the load generator has
// finished by the time the script stops the server, so anything still open
// is idle.
const shutdownGrace = 2 * time.Second

func main() {
	impl := flag.String("impl", "tophat", "implementation: tophat, nethttp, fasthttp or canned")
	addr := flag.String("addr", "127.0.0.1:8080", "loopback address to listen on")
	useTLS := flag.Bool("tls", false, "serve TLS with a self-signed certificate")
	canned := flag.String("canned", "plaintext", "the canned server's response: plaintext, json, upload or close")
	file := flag.String("file", "", "a regular file to serve at /file")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("helloserver: ")
	cfg := config{impl: *impl, canned: *canned, addr: *addr, file: *file}
	if err := checkLoopback(cfg.addr); err != nil {
		log.Fatal(err)
	}
	if err := checkFile(cfg.file); err != nil {
		log.Fatal(err)
	}
	if *useTLS {
		var err error
		if cfg.cert, err = tls.SelfSigned("127.0.0.1", "localhost"); err != nil {
			log.Fatal(err)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// SIGUSR1 collects garbage twice (what sits in a sync.Pool survives
	// one collection) and returns free memory to the system, for idle.sh's
	// settled reading: what stays resident once the runtime has caught up,
	// as it does within minutes on a server left alone.
	settle := make(chan os.Signal, 1)
	signal.Notify(settle, syscall.SIGUSR1)
	go func() {
		for range settle {
			runtime.GC()
			debug.FreeOSMemory()
		}
	}()
	if err := serve(ctx, cfg, func(net.Addr) {}); err != nil {
		log.Fatal(err)
	}
}

// config is what one helloserver serves, from its flags.
type config struct {
	impl   string              // tophat, nethttp, fasthttp or canned
	canned string              // the canned server's response
	addr   string              // a loopback address
	file   string              // served at /file; empty: /file answers 404
	cert   *tls.DevCertificate // non-nil: serve TLS
}

// serve serves cfg.impl on cfg.addr until ctx ends, calling ready with the
// address once it listens.
func serve(ctx context.Context, cfg config, ready func(net.Addr)) error {
	switch cfg.impl {
	case "tophat":
		return serveTophat(ctx, cfg, ready)
	case "nethttp":
		return serveNetHTTP(ctx, cfg, ready)
	case "fasthttp":
		return serveFasthttp(ctx, cfg, ready)
	case "canned":
		resp, ok := cannedResponses[cfg.canned]
		if !ok {
			return fmt.Errorf("unknown -canned %q: want plaintext, json, upload or close", cfg.canned)
		}
		if cfg.file != "" {
			return errors.New("-file: the canned server parses no paths, so it cannot serve /file")
		}
		return serveCanned(ctx, cfg.addr, cfg.cert, resp, cfg.canned == "close", ready)
	}
	return fmt.Errorf("unknown -impl %q: want tophat, nethttp, fasthttp or canned", cfg.impl)
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

// onSignal runs shutdown, bounded by shutdownGrace, when ctx ends.
func onSignal(ctx context.Context, shutdown func(context.Context)) {
	go func() {
		<-ctx.Done()
		c, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		shutdown(c)
	}()
}

func serveTophat(ctx context.Context, cfg config, ready func(net.Addr)) error {
	address, opts := "tcp://"+cfg.addr, &transports.Options{}
	if cfg.cert != nil {
		address = "tls+tcp://" + cfg.addr
		opts.TLS = cfg.cert.ServerConfig()
	}
	l, err := transports.Listen(address, opts)
	if err != nil {
		return err
	}
	ready(l.Addr())
	plain := []byte(helloBody)
	srv := &core.Server{Handler: core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		switch req.Path() {
		case "/json":
			w.Header().Set("Content-Type", "application/json")
			return w.Send(200, jsonBody)
		case "/upload":
			w.Header().Set("Content-Type", "text/plain")
			if n, err := io.Copy(io.Discard, req.Body()); n != uploadSize || err != nil {
				return w.SendString(400, "upload not read whole")
			}
			return w.Send(200, plain)
		case "/file":
			return tophatFile(w, cfg.file)
		}
		w.Header().Set("Content-Type", "text/plain")
		return w.Send(200, plain)
	})}
	onSignal(ctx, func(c context.Context) {
		if srv.Shutdown(c) != nil {
			srv.Close()
		}
	})
	if err := srv.Serve(l); !errors.Is(err, core.ErrServerClosed) {
		return err
	}
	return nil
}

func serveNetHTTP(ctx context.Context, cfg config, ready func(net.Addr)) error {
	plain := []byte(helloBody)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/json":
			w.Header().Set("Content-Type", "application/json")
			w.Write(jsonBody) //nolint:errcheck // a client that left is no concern here
			return
		case "/upload":
			w.Header().Set("Content-Type", "text/plain")
			if n, err := io.Copy(io.Discard, r.Body); n != uploadSize || err != nil {
				w.WriteHeader(400)
				return
			}
		case "/file":
			netHTTPFile(w, r, cfg.file)
			return
		default:
			w.Header().Set("Content-Type", "text/plain")
		}
		w.Write(plain) //nolint:errcheck // a client that left is no concern here
	})}
	onSignal(ctx, func(c context.Context) {
		if srv.Shutdown(c) != nil {
			srv.Close()
		}
	})
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	ready(ln.Addr())
	if cfg.cert != nil {
		srv.TLSConfig = &stdtls.Config{Certificates: []stdtls.Certificate{cfg.cert.Certificate}}
		err = srv.ServeTLS(ln, "", "")
	} else {
		err = srv.Serve(ln)
	}
	if !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func serveFasthttp(ctx context.Context, cfg config, ready func(net.Addr)) error {
	srv := &fasthttp.Server{Handler: func(rc *fasthttp.RequestCtx) {
		switch string(rc.Path()) {
		case "/json":
			rc.SetContentType("application/json")
			rc.SetBody(jsonBody)
			return
		case "/upload":
			rc.SetContentType("text/plain")
			if len(rc.PostBody()) != uploadSize {
				rc.SetStatusCode(400)
				return
			}
		case "/file":
			fasthttpFile(rc, cfg.file)
			return
		default:
			rc.SetContentType("text/plain")
		}
		rc.SetBodyString(helloBody)
	}}
	onSignal(ctx, func(c context.Context) {
		srv.ShutdownWithContext(c) //nolint:errcheck // exiting either way
	})
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	ready(ln.Addr())
	if cfg.cert != nil {
		return srv.ServeTLSEmbed(ln, cfg.cert.CertPEM, cfg.cert.KeyPEM)
	}
	return srv.Serve(ln)
}
