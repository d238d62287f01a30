// Package serve is what the example servers share: the -listen flag and
// its short form -addr, logging where a server listens (and which
// development certificate to trust), and serving until a signal with a
// graceful shutdown. It keeps each example down to its handler.
package serve

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"iter"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports"
)

// DefaultListen is where the examples listen unless told otherwise.
const DefaultListen = "tcp://127.0.0.1:8080"

// ShutdownGrace is how long requests in flight may take to finish after
// a signal.
const ShutdownGrace = 10 * time.Second

// Flags are the command-line flags every example server takes.
type Flags struct {
	Listen  string
	Addr    string
	DevCert string
	Quiet   bool
}

// Register defines -listen, -addr, -devcert and -quiet on fs.
func Register(fs *flag.FlagSet) *Flags {
	f := &Flags{}
	fs.StringVar(&f.Listen, "listen", "", "address to listen on: tcp://HOST:PORT, unix:///PATH, tls+tcp://HOST:PORT, ... (default "+DefaultListen+")")
	fs.StringVar(&f.Addr, "addr", "", "TCP address HOST:PORT, short for -listen tcp://HOST:PORT")
	fs.StringVar(&f.DevCert, "devcert", "", "file for the PEM of the development certificate, if TLS has none (default: tophat-devcert-ADDRESS.pem in the temporary directory)")
	fs.BoolVar(&f.Quiet, "quiet", false, "turn the access log off")
	return f
}

// ListenAddress resolves -listen and its short form -addr.
func ListenAddress(listen, addr string) (string, error) {
	switch {
	case listen != "" && addr != "":
		return "", errors.New("-listen and -addr both given; -addr HOST:PORT is short for -listen tcp://HOST:PORT")
	case strings.Contains(addr, "://"):
		// Prefixing it would quote "tcp://tcp://…", which nobody typed.
		return "", fmt.Errorf("-addr takes HOST:PORT, not an address with a scheme; for %q write -listen %s", addr, addr)
	case addr != "":
		return "tcp://" + addr, nil
	case listen != "":
		return listen, nil
	}
	return DefaultListen, nil
}

// Command is the whole main of an example server: it reads the flags and
// calls run with the address to listen on until SIGINT or SIGTERM.
func Command(name string, run func(ctx context.Context, address, devCert string, quiet bool) error) {
	flags := Register(flag.CommandLine)
	flag.Parse()
	Main(name, func(ctx context.Context) error {
		address, err := ListenAddress(flags.Listen, flags.Addr)
		if err != nil {
			return err
		}
		return run(ctx, address, flags.DevCert, flags.Quiet)
	})
}

// Main runs a server until SIGINT or SIGTERM and exits non-zero with the
// program's name on error.
func Main(name string, run func(ctx context.Context) error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}

// Run listens on address, logs where, and serves h until ctx is done. A
// TLS address without a certificate gets a development certificate whose
// PEM goes to devCert (if empty, transports.DevCertPath(address), the same
// name on every start; removed on return), logged as cacert=FILE for
// "curl --cacert FILE". name is the program's, for its logs.
func Run(ctx context.Context, name, address, devCert string, h core.Handler) error {
	return RunServer(ctx, name, address, devCert, &core.Server{Handler: h})
}

// RunServer is Run for a Server the program has set up itself (its
// Options hooked for metrics, say).
func RunServer(ctx context.Context, name, address, devCert string, srv *core.Server) error {
	if devCert == "" {
		devCert = transports.DevCertPath(address)
	}
	l, err := transports.Listen(address, &transports.Options{DevCertFile: devCert})
	if err != nil {
		return err
	}
	// A URL for TCP, which browsers and curl take as it is, the address
	// otherwise, and the development certificate to trust if there is one.
	addr := l.URL()
	if addr == "" {
		addr = l.Address().Redacted()
	}
	if l.DevCertificate() != nil {
		defer os.Remove(devCert)
		slog.Info("listening", "addr", addr, "cacert", devCert)
	} else {
		slog.Info("listening", "addr", addr)
	}
	return Until(ctx, srv, l)
}

// Until serves l until ctx is done, then lets requests in flight finish
// for up to ShutdownGrace.
func Until(ctx context.Context, srv *core.Server, l core.Listener) error {
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	slog.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), ShutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		srv.Close() // out of patience: cut what is left
		<-served
		return err
	}
	if err := <-served; !errors.Is(err, core.ErrServerClosed) {
		return err
	}
	return nil
}

// SendPairs answers 200 with one "name<sep>value" line per pair, as the
// echo handlers list a request's header fields or cookies.
func SendPairs(w *core.ResponseWriter, pairs iter.Seq2[[]byte, []byte], sep string) core.ResponseWritten {
	s := w.Begin(200)
	for name, value := range pairs {
		s.Write(name)
		s.WriteString(sep)
		s.Write(value)
		s.WriteString("\n")
	}
	return s.Finish()
}

// Logged wraps h in the access log unless quiet.
func Logged(h core.Handler, quiet bool) core.Handler {
	if quiet {
		return h
	}
	return core.Chain(h, core.AccessLog(slog.Default()))
}
