// Command client sends HTTP requests over KCP (or any transport of package
// transports) and prints the responses or a latency summary. Run it against
// the server command beside it:
//
//	go run ./examples/kcp/server                                   # kcp://127.0.0.1:9000?preset=lossy
//	go run ./examples/kcp/client -url 'kcp://127.0.0.1:9000/hello?preset=lossy'
//	go run ./examples/kcp/client -url 'kcp://127.0.0.1:9000/hello?preset=lossy' -n 1000 -q   # p50/p99 only
//	go run ./examples/kcp/client -url 'kcp://127.0.0.1:9000/echo?preset=lossy' -d 'some bytes'
//
// -url is a transports address with the request path after HOST:PORT; its
// query parameters configure the transport and must match the server's
// where KCP requires it (key=). -key is the passphrase the server was given
// with -key. For tls+kcp:// add ?cafile=FILE, the development certificate
// the server logged as cacert.
// For unix:// addresses, whose path is the socket, give the request path
// with -path.
//
// With -n above 1 the requests go one after another on one kept-alive
// session, and a summary follows: count, errors, and min, p50, p99 and max
// latency.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/tophat-go/tophat/transports"
	"github.com/tophat-go/tophat/transports/kcp"
)

const defaultURL = "kcp://127.0.0.1:9000/hello?preset=lossy"

// closeLinger is the client's KCP linger: Close does not wait for the
// server to acknowledge what was sent. Once a response has been read the
// server has had the request, and after a failed request (a wrong key, an
// absent server) nothing will ever be acknowledged, so any wait would only
// delay the exit. ?linger= in -url overrides it.
const closeLinger = -1

// config is what the flags say.
type config struct {
	url     string
	path    string
	key     string
	data    string // POST body; empty means GET
	n       int
	quiet   bool
	timeout time.Duration
}

func main() {
	var cfg config
	flag.StringVar(&cfg.url, "url", defaultURL, "server address with the request path: kcp://HOST:PORT/PATH?OPTIONS")
	flag.StringVar(&cfg.path, "path", "", "request path, in place of the one in -url (needed for unix:// addresses)")
	flag.StringVar(&cfg.key, "key", "", "KCP passphrase, the server's -key")
	flag.StringVar(&cfg.data, "d", "", "send this as the body of a POST instead of a GET")
	flag.IntVar(&cfg.n, "n", 1, "number of requests")
	flag.BoolVar(&cfg.quiet, "q", false, "print only the summary, not each response")
	flag.DurationVar(&cfg.timeout, "timeout", 10*time.Second, "time limit of each request")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, cfg, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		os.Exit(1)
	}
}

// splitURL separates the request path from a host:port address:
// "kcp://h:1/hello?preset=lossy" is address "kcp://h:1?preset=lossy" and
// path "/hello". The path of a unix:// address is its socket; a pipe name
// cannot hold a slash: both keep their whole location, with request path "/".
func splitURL(url string) (address, path string) {
	scheme, rest, ok := strings.Cut(url, "://")
	if !ok || strings.HasSuffix(scheme, "unix") {
		return url, "/"
	}
	location, query, hasQuery := strings.Cut(rest, "?")
	path = "/"
	if i := strings.IndexByte(location, '/'); i >= 0 {
		location, path = location[:i], location[i:]
	}
	address = scheme + "://" + location
	if hasQuery {
		address += "?" + query
	}
	return address, path
}

func run(ctx context.Context, cfg config, out io.Writer) error {
	if cfg.n < 1 {
		return errors.New("-n must be at least 1")
	}
	address, path := splitURL(cfg.url)
	if cfg.path != "" {
		path = cfg.path
	}
	kcpConfig := &kcp.Config{Linger: closeLinger}
	opts := &transports.Options{Configs: []any{kcpConfig}}
	if cfg.key != "" {
		a, err := transports.ParseAddress(address)
		if err != nil {
			return err
		}
		if a.Network != "kcp" || a.Query.Has("key") {
			return fmt.Errorf("-key is for kcp:// and tls+kcp:// addresses without ?key=, not %s", a.Redacted())
		}
		kcpConfig.Key = cfg.key
	}
	tr, err := transports.Transport(address, opts)
	if err != nil {
		return err
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: cfg.timeout}
	// The host is never dialed: the transport reaches the address whatever
	// the URL names.
	target := "http://server" + path

	latencies := make([]time.Duration, 0, cfg.n)
	var failures int
	for i := 0; i < cfg.n && ctx.Err() == nil; i++ {
		start := time.Now()
		status, body, err := do(ctx, client, target, cfg.data)
		elapsed := time.Since(start)
		if err != nil {
			failures++
			err = explain(err)
			fmt.Fprintf(out, "error: %v\n", err)
			if cfg.n == 1 {
				return err
			}
			continue
		}
		latencies = append(latencies, elapsed)
		if !cfg.quiet {
			fmt.Fprintf(out, "%d %s\n", status, strings.TrimSuffix(body, "\n"))
		}
	}
	if cfg.n > 1 {
		fmt.Fprintln(out, summary(latencies, failures))
	}
	if failures > 0 {
		return fmt.Errorf("%d of %d requests failed", failures, cfg.n)
	}
	return ctx.Err()
}

// explain adds what a timeout means on KCP, which has no handshake and no
// reset: a server that is absent, or that uses another key, never answers,
// and a client sees nothing but silence.
func explain(err error) error {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("%w (over KCP: is the server running, with the same key?)", err)
	}
	return err
}

// do sends one request and reads the whole response.
func do(ctx context.Context, client *http.Client, target, data string) (int, string, error) {
	method, body := "GET", io.Reader(nil)
	if data != "" {
		method, body = "POST", strings.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return 0, "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// summary formats the count and latency percentiles of the requests that
// succeeded, by the nearest-rank method.
func summary(latencies []time.Duration, failures int) string {
	ok := len(latencies)
	if ok == 0 {
		return fmt.Sprintf("requests=%d ok=0 errors=%d", failures, failures)
	}
	slices.Sort(latencies)
	rank := func(p int) time.Duration { return latencies[(p*ok+99)/100-1] }
	round := func(d time.Duration) time.Duration { return d.Round(time.Microsecond) }
	return fmt.Sprintf("requests=%d ok=%d errors=%d min=%v p50=%v p99=%v max=%v",
		ok+failures, ok, failures, round(latencies[0]), round(rank(50)), round(rank(99)), round(latencies[ok-1]))
}
