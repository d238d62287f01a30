package integration

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// shutdownClients is how many clients are busy when Shutdown begins.
const shutdownClients = 256

// shutdownClientsFor is shutdownClients, except over TLS and KCP in the
// short form: 256 TLS handshakes at once, or 256 KCP sessions each with its
// own socket and timers, are more than the race detector on a shared
// two-core machine gets through within the default handshake timeout.
func shutdownClientsFor(r row) int {
	if r.noFIN || strings.HasPrefix(r.name, "tls") {
		return scale(64, shutdownClients)
	}
	return shutdownClients
}

// TestShutdownBusy shuts a server down on every transport while 256
// clients keep it busy with requests that take 20 to 80 ms in the handler.
// Shutdown must return nil within its context; every request that reached a
// handler must be answered in full to its client; and every attempt to
// start a new stream once Shutdown has begun must be refused cleanly: a
// failed dial, a stream closed (or, on KCP, left silent) before a single
// response byte, or a complete response, never a cut-off one.
func TestShutdownBusy(t *testing.T) {
	needFiles(t, 8*shutdownClients+256)
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			shutdownBusy(t, r)
		})
	}
}

func shutdownBusy(t *testing.T, r row) {
	clients := shutdownClientsFor(r)
	e := start(t, r)
	attempt := smallTimeout
	if r.noFIN {
		attempt = kcpAttempt
	}
	began := make(chan struct{})
	e.srv.RegisterOnShutdown(func() { close(began) })
	returned := make(chan struct{}) // closed when Shutdown returns

	type failure struct {
		id         string
		err        error
		inShutdown bool
	}
	var (
		shuttingDown atomic.Bool
		stop         atomic.Bool
		mu           sync.Mutex
		failures     []failure
		answered     = make(map[string]bool)
		wg           sync.WaitGroup
	)
	// Each client has its own pool of kept-alive streams; they are closed
	// together at cleanup, since a KCP stream's Close may linger.
	trs := make([]*http.Transport, clients)
	t.Cleanup(func() {
		var closing sync.WaitGroup
		for _, tr := range trs {
			closing.Go(tr.CloseIdleConnections)
		}
		closing.Wait()
	})
	for g := range clients {
		trs[g] = e.ep.transport()
		c := &http.Client{Transport: trs[g]}
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				id := fmt.Sprintf("%d-%d", g, i)
				ms := 20 + (g*7+i*13)%61
				req, _ := http.NewRequest("GET", e.url(fmt.Sprintf("/slow?id=%s&ms=%d", id, ms)), nil)
				resp, err := doUntilShutdown(t, c, req, returned, attempt)
				mu.Lock()
				if err != nil {
					failures = append(failures, failure{id, err, shuttingDown.Load()})
					mu.Unlock()
					return
				}
				if resp.StatusCode != 200 || string(resp.body) != slowBody(id) {
					t.Errorf("request %s: got %d %q", id, resp.StatusCode, truncate(resp.body))
				}
				answered[id] = true
				mu.Unlock()
			}
		})
	}

	waitFor(t, "half the clients in handlers", 60*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(failures) > 0 || e.state.active.Load() >= int64(clients/2)
	})
	mu.Lock()
	early := slices.Clone(failures)
	mu.Unlock()
	if len(early) > 0 {
		stop.Store(true)
		wg.Wait()
		t.Fatalf("request %s failed before Shutdown: %v", early[0].id, early[0].err)
	}
	inFlight := e.state.active.Load()

	// New streams while Shutdown runs.
	var newStreams newStreamResults
	var probes sync.WaitGroup
	probes.Go(func() {
		<-began
		for i := 0; i < 8; i++ {
			newStreams.add(probeNewStream(t, e, fmt.Sprintf("new-%d", i), attempt))
		}
	})

	shuttingDown.Store(true)
	ctx, cancel := context.WithTimeout(context.Background(), shutdownWait)
	defer cancel()
	begin := time.Now()
	err := e.srv.Shutdown(ctx)
	took := time.Since(begin)
	close(returned)
	if err != nil {
		t.Errorf("Shutdown did not return within its context (%v): %v", shutdownWait, err)
	}
	stop.Store(true)
	wg.Wait()
	probes.Wait()
	if err := e.shutdown(); err != nil { // Serve's result; Shutdown again is a no-op
		t.Error(err)
	}

	e.state.mu.Lock()
	defer e.state.mu.Unlock()
	var afterShutdown int
	for _, f := range failures {
		switch {
		case !f.inShutdown:
			t.Errorf("request %s failed before Shutdown: %v", f.id, f.err)
		case e.state.started[f.id]:
			t.Errorf("request %s reached a handler but its client got no full answer: %v", f.id, f.err)
		default:
			afterShutdown++
		}
	}
	for id := range e.state.started {
		if _, ok := e.state.finished[id]; !ok {
			t.Errorf("request %s: handler started but never finished", id)
		} else if err := e.state.finished[id]; err != nil {
			t.Errorf("request %s: the server's response failed: %v", id, err)
		}
	}
	for _, p := range newStreams.list {
		if p.reachedHandler {
			if !p.complete {
				t.Errorf("new stream %s reached a handler during Shutdown but its answer was cut off: %v", p.id, p.err)
			}
		} else if p.partial {
			t.Errorf("new stream %s during Shutdown got a partial response: %v", p.id, p.err)
		}
	}
	figure(t, "Shutdown with %d clients busy (%d in handlers) returned %v in %v; %d requests answered, %d failed only after Shutdown began and reached no handler; new streams during Shutdown: %s",
		clients, inFlight, err, took.Round(time.Millisecond), len(answered), afterShutdown, newStreams.summary())
}

// doUntilShutdown sends req with a generous timeout that shrinks to
// attempt once Shutdown has returned. On KCP a request sent into a session
// the server has closed meets silence, not an error, and must not hold the
// test for long; but no request is held to a speed before then, and by
// then every response the server sent has been delivered (a KCP session
// closes once its peer acknowledged what it wrote, or after its linger).
func doUntilShutdown(t *testing.T, c *http.Client, req *http.Request, returned <-chan struct{}, attempt time.Duration) (*response, error) {
	ctx, cancel := context.WithCancel(req.Context())
	defer cancel()
	finished := make(chan struct{})
	defer close(finished)
	go func() {
		select {
		case <-returned:
		case <-finished:
			return
		}
		select {
		case <-time.After(attempt):
			cancel()
		case <-finished:
		}
	}()
	return do(t, c, req.WithContext(ctx), smallTimeout)
}

// A newStreamResult is what one attempt to open a new stream during
// Shutdown met.
type newStreamResult struct {
	id             string
	refusedAtDial  bool // the dial failed
	silent         bool // no byte came back before the attempt's timeout (KCP)
	closed         bool // the stream ended before a response byte
	complete       bool // a full, correct response
	partial        bool // some response bytes, then an error: never allowed
	reachedHandler bool
	err            error
}

type newStreamResults struct {
	mu   sync.Mutex
	list []newStreamResult
}

func (r *newStreamResults) add(p newStreamResult) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.list = append(r.list, p)
}

func (r *newStreamResults) summary() string {
	var dial, silent, closed, complete, partial int
	for _, p := range r.list {
		switch {
		case p.refusedAtDial:
			dial++
		case p.silent:
			silent++
		case p.closed:
			closed++
		case p.complete:
			complete++
		case p.partial:
			partial++
		}
	}
	return fmt.Sprintf("%d refused at dial, %d closed before a byte, %d silent (KCP), %d served in full, %d cut off",
		dial, closed, silent, complete, partial)
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// probeNewStream opens a new stream and sends one request on it.
func probeNewStream(t *testing.T, e *env, id string, attempt time.Duration) newStreamResult {
	res := newStreamResult{id: id}
	ctx, cancel := context.WithTimeout(context.Background(), attempt)
	defer cancel()
	conn, err := e.ep.dial(ctx)
	if err != nil {
		res.refusedAtDial, res.err = true, err
		return res
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(attempt))
	if _, err := fmt.Fprintf(conn, "GET /slow?id=%s&ms=1 HTTP/1.1\r\nHost: x\r\n\r\n", id); err != nil {
		res.closed, res.err = true, err
		return res
	}
	cr := &countingReader{r: conn}
	resp, err := http.ReadResponse(bufio.NewReader(cr), nil)
	var body []byte
	if err == nil {
		body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	e.state.mu.Lock()
	res.reachedHandler = e.state.started[id]
	e.state.mu.Unlock()
	res.err = err
	switch {
	case err == nil && resp.StatusCode == 200 && string(body) == slowBody(id):
		res.complete = true
	case cr.n == 0 && isTimeoutErr(err) && e.row.noFIN:
		res.silent = true
	case cr.n == 0 && err != nil && !isTimeoutErr(err):
		res.closed = true
	default:
		res.partial = true
		if res.err == nil {
			res.err = errors.New("a response other than the one asked for")
		}
	}
	return res
}
