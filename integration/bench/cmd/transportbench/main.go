// Command transportbench measures small requests over each of tophat's
// transports, served by core.Server and sent by Go's net/http client
// through transports.Transport, the path a user takes.
//
// With no mode flag it runs every transport in this process, in turn for
// each round, and prints one TSV row per transport and round: the p50, p99
// and maximum latency of sequential requests on one kept-alive stream, the
// sequential requests per second, and the requests per second of
// -concurrency clients at once.
//
//	transportbench -rounds 3 -n 2000
//
// With -serve it only serves an address until SIGINT or SIGTERM; with
// -client it only sends -n sequential requests to one and prints a row
// (kcploss.sh runs the two in separate network namespaces):
//
//	transportbench -serve 'kcp://10.77.0.1:9000?preset=lossy'
//	transportbench -client 'kcp://10.77.0.1:9000?preset=lossy' -label kcp-lossy
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports"
	_ "github.com/tophat-go/tophat/transports/kcp" // registers kcp://
)

const (
	helloBody = "hello"
	// requestTimeout bounds one request; a lost one counts as an error.
	requestTimeout = 10 * time.Second
	// warmup requests go first on every stream: TLS handshakes, KCP
	// windows, pools.
	warmup = 100
	// maxLoggedErrors is how many failed requests a run describes.
	maxLoggedErrors = 5
)

// locals are the transports the in-process mode runs; unix gets its path
// from the temporary directory.
var locals = []struct{ name, address string }{
	{"tcp", "tcp://127.0.0.1:0"},
	{"unix", "unix://%s/bench.sock"},
	{"tls", "tls+tcp://127.0.0.1:0"},
	{"kcp", "kcp://127.0.0.1:0"},
	{"kcp-lossy", "kcp://127.0.0.1:0?preset=lossy"},
	{"pipe", "pipe://"},
}

func main() {
	serveAddr := flag.String("serve", "", "serve this address only, until a signal")
	clientAddr := flag.String("client", "", "send -n requests to this address only, and print a row")
	label := flag.String("label", "", "the row's name in -client mode (default the scheme)")
	rounds := flag.Int("rounds", 3, "rounds of the in-process mode")
	n := flag.Int("n", 2000, "timed sequential requests")
	concurrency := flag.Int("concurrency", 16, "clients at once for the throughput figure (0 skips it)")
	duration := flag.Duration("duration", 2*time.Second, "how long the clients at once run")
	only := flag.String("transports", "", "comma-separated transports of the in-process mode (default all)")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("transportbench: ")
	if *n < 1 || *rounds < 1 {
		log.Fatal("-n and -rounds must be positive")
	}
	var err error
	switch {
	case *serveAddr != "":
		err = serveOnly(*serveAddr)
	case *clientAddr != "":
		err = clientOnly(*clientAddr, *label, *n)
	default:
		err = local(*rounds, *n, *concurrency, *duration, *only)
	}
	if err != nil {
		log.Fatal(err)
	}
}

var handler = core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
	w.Header().Set("Content-Type", "text/plain")
	return w.SendString(200, helloBody)
})

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// server is one listening core.Server.
type server struct {
	srv    *core.Server
	ln     *transports.Listener
	served chan error
}

func listen(address string) (*server, error) {
	ln, err := transports.Listen(address, &transports.Options{Logger: quiet})
	if err != nil {
		return nil, err
	}
	s := &server{srv: &core.Server{Handler: handler}, ln: ln, served: make(chan error, 1)}
	go func() { s.served <- s.srv.Serve(ln) }()
	return s, nil
}

func (s *server) stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if s.srv.Shutdown(ctx) != nil {
		s.srv.Close()
	}
	if err := <-s.served; !errors.Is(err, core.ErrServerClosed) {
		return err
	}
	return nil
}

// client returns an http.Client for the listener's address, trusting its
// development certificate if it has one.
func (s *server) client(conns int) (*http.Client, *http.Transport, error) {
	opts := &transports.Options{Logger: quiet}
	if dev := s.ln.DevCertificate(); dev != nil {
		opts.RootCAs = dev.Pool
	}
	return newClient(s.ln.Address().String(), opts, conns)
}

func newClient(address string, opts *transports.Options, conns int) (*http.Client, *http.Transport, error) {
	t, err := transports.Transport(address, opts)
	if err != nil {
		return nil, nil, err
	}
	t.MaxIdleConnsPerHost = max(conns, 1)
	return &http.Client{Transport: t, Timeout: requestTimeout}, t, nil
}

const url = "http://bench/hello"

// get sends one request and checks its answer.
func get(c *http.Client) error {
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != 200 || string(body) != helloBody {
		return fmt.Errorf("%s %q", resp.Status, body)
	}
	return nil
}

// sequential is what n requests in a row on one stream took.
type sequential struct {
	latencies []time.Duration // sorted
	elapsed   time.Duration
	errors    int
}

func runSequential(c *http.Client, n int, tolerate bool) (sequential, error) {
	for range warmup {
		if err := get(c); err != nil && !tolerate {
			return sequential{}, fmt.Errorf("warm-up: %w", err)
		}
	}
	s := sequential{latencies: make([]time.Duration, 0, n)}
	begin := time.Now()
	for range n {
		t := time.Now()
		if err := get(c); err != nil {
			if !tolerate {
				return s, err
			}
			s.errors++
			if s.errors <= maxLoggedErrors {
				log.Printf("request %d failed after %v: %v", len(s.latencies)+s.errors, time.Since(t).Round(time.Millisecond), err)
			}
			continue
		}
		s.latencies = append(s.latencies, time.Since(t))
	}
	s.elapsed = time.Since(begin)
	slices.Sort(s.latencies)
	return s, nil
}

func (s sequential) quantile(q float64) time.Duration {
	if len(s.latencies) == 0 {
		return 0
	}
	return s.latencies[min(len(s.latencies)-1, int(q*float64(len(s.latencies))))]
}

func us(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d)/float64(time.Microsecond)) }

// runConcurrent has conns clients send requests for d and returns the
// requests per second.
func runConcurrent(c *http.Client, conns int, d time.Duration) (float64, error) {
	var (
		done     atomic.Int64
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	deadline := time.Now().Add(d)
	begin := time.Now()
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				if err := get(c); err != nil {
					mu.Lock()
					firstErr = cmpOr(firstErr, err)
					mu.Unlock()
					return
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	return float64(done.Load()) / time.Since(begin).Seconds(), firstErr
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

func local(rounds, n, conns int, d time.Duration, only string) error {
	dir, err := os.MkdirTemp("", "transportbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	wanted := map[string]bool{}
	for _, t := range strings.Split(only, ",") {
		if t != "" {
			wanted[t] = true
		}
	}
	fmt.Println("round\ttransport\trequests\tp50_us\tp99_us\tmax_us\tseq_req_per_s\tconc_req_per_s")
	for round := 1; round <= rounds; round++ {
		for _, l := range locals {
			if len(wanted) > 0 && !wanted[l.name] {
				continue
			}
			address := l.address
			if strings.Contains(address, "%s") {
				address = fmt.Sprintf(address, filepath.ToSlash(dir))
			}
			if err := localOne(round, l.name, address, n, conns, d); err != nil {
				return fmt.Errorf("%s: %w", l.name, err)
			}
		}
	}
	return nil
}

func localOne(round int, name, address string, n, conns int, d time.Duration) error {
	s, err := listen(address)
	if err != nil {
		return err
	}
	c, t, err := s.client(conns)
	if err != nil {
		s.stop()
		return err
	}
	seq, err := runSequential(c, n, false)
	rps := 0.0
	if err == nil && conns > 0 {
		rps, err = runConcurrent(c, conns, d)
	}
	t.CloseIdleConnections()
	if stopErr := s.stop(); err == nil {
		err = stopErr
	}
	if err != nil {
		return err
	}
	fmt.Printf("%d\t%s\t%d\t%s\t%s\t%s\t%.0f\t%.0f\n", round, name, n, us(seq.quantile(0.5)), us(seq.quantile(0.99)),
		us(seq.latencies[len(seq.latencies)-1]), float64(n)/seq.elapsed.Seconds(), rps)
	log.Printf("round %d %-9s p50 %8s us  p99 %8s us  %8.0f req/s sequential  %8.0f req/s with %d clients",
		round, name, us(seq.quantile(0.5)), us(seq.quantile(0.99)), float64(n)/seq.elapsed.Seconds(), rps, conns)
	return nil
}

func serveOnly(address string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s, err := listen(address)
	if err != nil {
		return err
	}
	fmt.Println("listening", s.ln.Address().Redacted())
	select {
	case <-ctx.Done():
		return s.stop()
	case err := <-s.served:
		return err
	}
}

// clientOnly prints: label, requests answered, errors, p50, p99 and
// maximum latency in microseconds, and sequential requests per second.
// Requests that fail (lost past the timeout) are counted, not fatal: on a
// lossy link they are part of the result.
func clientOnly(address, label string, n int) error {
	a, err := transports.ParseAddress(address)
	if err != nil {
		return err
	}
	if label == "" {
		label = a.Scheme()
	}
	c, t, err := newClient(address, &transports.Options{Logger: quiet}, 1)
	if err != nil {
		return err
	}
	defer t.CloseIdleConnections()
	seq, err := runSequential(c, n, true)
	if err != nil {
		return err
	}
	if len(seq.latencies) == 0 {
		return fmt.Errorf("%s: every request failed", label)
	}
	fmt.Printf("%s\t%d\t%d\t%s\t%s\t%s\t%.0f\n", label, len(seq.latencies), seq.errors, us(seq.quantile(0.5)),
		us(seq.quantile(0.99)), us(seq.latencies[len(seq.latencies)-1]), float64(n)/seq.elapsed.Seconds())
	return nil
}
