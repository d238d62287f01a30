// Command server serves HTTP over KCP, a reliable protocol on UDP that keeps
// latency low on lossy links. Run it with the client command beside it:
//
//	go run ./examples/kcp/server                                   # kcp://127.0.0.1:9000?preset=lossy
//	go run ./examples/kcp/client -url 'kcp://127.0.0.1:9000/hello?preset=lossy'
//	go run ./examples/kcp/client -url 'kcp://127.0.0.1:9000/hello?preset=lossy' -n 1000 -q   # p50/p99 only
//	go run ./examples/kcp/client -url 'kcp://127.0.0.1:9000/echo?preset=lossy' -d 'some bytes'
//
// Both ends must use the same key. With a shared passphrase the packets are
// encrypted:
//
//	go run ./examples/kcp/server -key 'long random passphrase'
//	go run ./examples/kcp/client -url 'kcp://127.0.0.1:9000/hello?preset=lossy' -key 'long random passphrase'
//
// For TLS over KCP, the server makes a development certificate and logs
// where its PEM went (cacert=FILE); the client trusts it with ?cafile=FILE:
//
//	go run ./examples/kcp/server -listen 'tls+kcp://127.0.0.1:9443?preset=lossy' -devcert /tmp/kcp-dev.pem
//	go run ./examples/kcp/client -url 'tls+kcp://127.0.0.1:9443/hello?preset=lossy&cafile=/tmp/kcp-dev.pem'
//
// Handlers:
//
//	/hello, /      "Hello, World!"
//	/echo          POST: the request body; otherwise the request's header fields
//	anything else  404
//
// KCP has no end of stream: a client that vanishes is noticed by the idle
// timeout (two minutes by default, ?idle=30s to change it).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/tophat-go/tophat/core"
	shared "github.com/tophat-go/tophat/examples/internal/serve"
	"github.com/tophat-go/tophat/transports"
	"github.com/tophat-go/tophat/transports/kcp"
)

const defaultListen = "kcp://127.0.0.1:9000?preset=lossy"

func main() {
	listen := flag.String("listen", defaultListen, "address to listen on (kcp://, tls+kcp://, or any other transport)")
	key := flag.String("key", "", "KCP passphrase: encrypts packets; the client must use the same (same as ?key= in -listen, but kept out of logs)")
	devCert := flag.String("devcert", "", "file for the PEM of the development certificate, for tls+ without a certificate (default: in the temporary directory)")
	quiet := flag.Bool("quiet", false, "turn the access log off")
	flag.Parse()

	if *devCert == "" {
		*devCert = filepath.Join(os.TempDir(), fmt.Sprintf("kcp-server-devcert-%d.pem", os.Getpid()))
	}
	l, err := listenAndLog(*listen, *key, *devCert)
	if err == nil {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err = serve(ctx, l, *quiet)
		stop()
		if l.DevCertificate() != nil {
			os.Remove(*devCert)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

// listenAndLog listens on address with the passphrase from -key, and logs where.
func listenAndLog(address, key, devCert string) (*transports.Listener, error) {
	opts, err := options(address, key)
	if err != nil {
		return nil, err
	}
	opts.DevCertFile = devCert
	l, err := transports.Listen(address, opts)
	if err != nil {
		return nil, err
	}
	attrs := []any{"addr", l.Address().Redacted(), "encrypted", key != "" || l.Address().Query.Has("key")}
	if l.DevCertificate() != nil {
		attrs = append(attrs, "cacert", devCert)
	}
	slog.Info("listening", attrs...)
	return l, nil
}

// options puts the -key passphrase where package transports takes it.
func options(address, key string) (*transports.Options, error) {
	cfg := &kcp.Config{}
	opts := &transports.Options{Configs: []any{cfg}}
	if key == "" {
		return opts, nil
	}
	a, err := transports.ParseAddress(address)
	if err != nil {
		return nil, err
	}
	if a.Network != "kcp" {
		return nil, fmt.Errorf("-key is for kcp:// and tls+kcp:// addresses, not %s://", a.Scheme())
	}
	if a.Query.Has("key") {
		return nil, errors.New("the key is given twice, by -key and by ?key= in the address")
	}
	cfg.Key = key
	return opts, nil
}

func route(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	switch req.Path() {
	case "/", "/hello":
		return w.SendString(200, "Hello, World!")
	case "/echo":
		if req.Method() == "POST" || req.Method() == "PUT" {
			return w.SendReader(200, req.Body(), req.ContentLength())
		}
		return shared.SendPairs(w, req.Header().All(), ": ")
	}
	return w.SendString(404, "Not Found\n")
}

func handler(quiet bool) core.Handler {
	h := core.Handler(core.HandlerFunc(route))
	if !quiet {
		h = core.Chain(h, core.AccessLog(slog.Default()))
	}
	return h
}

// serve serves l until ctx is done, then lets requests in flight finish for
// up to shared.ShutdownGrace.
func serve(ctx context.Context, l core.Listener, quiet bool) error {
	return shared.Until(ctx, &core.Server{Handler: handler(quiet)}, l)
}
