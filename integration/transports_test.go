package integration

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestTransports is the one test body: every case runs over every row.
func TestTransports(t *testing.T) {
	cases := []struct {
		name string
		run  func(t *testing.T, r row)
	}{
		{"get", testGet},
		{"upload", testUpload},
		{"download", testDownload},
		{"keepalive", testKeepAlive},
		{"pipelining", testPipelining},
		{"concurrent", testConcurrent},
		{"shutdown", testShutdownUnderLoad},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) { c.run(t, r) })
			}
		})
	}
}

// response is a response read whole.
type response struct {
	*http.Response
	body []byte
}

// do sends req with a timeout and reads the whole body.
func do(t testing.TB, c *http.Client, req *http.Request, timeout time.Duration) (*response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(req.Context(), timeout)
	defer cancel()
	resp, err := c.Do(req.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("reading body: %w", err)
	}
	return &response{Response: resp, body: body}, nil
}

func get(t testing.TB, c *http.Client, url string) *response {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := do(t, c, req, smallTimeout)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp
}

func wantBody(t testing.TB, resp *response, status int, body string) {
	t.Helper()
	if resp.StatusCode != status || string(resp.body) != body {
		t.Fatalf("got %d %q, want %d %q", resp.StatusCode, truncate(resp.body), status, body)
	}
}

func truncate(b []byte) string {
	const show = 200
	if len(b) > show {
		return string(b[:show]) + "..."
	}
	return string(b)
}

func testGet(t *testing.T, r row) {
	e := start(t, r)
	c := e.client(t)
	resp := get(t, c, e.url("/hello?n=world"))
	wantBody(t, resp, 200, "hello world")
	if resp.Proto != "HTTP/1.1" {
		t.Errorf("Proto = %q, want HTTP/1.1", resp.Proto)
	}
	if resp.Header.Get("Date") == "" {
		t.Error("no Date field")
	}
	if e.ep.tls {
		if resp.TLS == nil || !resp.TLS.HandshakeComplete {
			t.Fatalf("TLS state = %+v, want a finished handshake", resp.TLS)
		}
		if p := resp.TLS.NegotiatedProtocol; p != "http/1.1" {
			t.Errorf("ALPN protocol = %q, want http/1.1", p)
		}
	}
	resp = get(t, c, e.url("/nowhere"))
	wantBody(t, resp, 404, "no route /nowhere")
}

// onlyReader hides bytes.Reader's Len, so net/http cannot learn the length
// and sends the body chunked.
type onlyReader struct{ io.Reader }

func testUpload(t *testing.T, r row) {
	e := start(t, r)
	c := e.client(t)
	for _, chunked := range []bool{true, false} {
		t.Run("chunked="+strconv.FormatBool(chunked), func(t *testing.T) {
			var body io.Reader = bytes.NewReader(uploadBody())
			if chunked {
				body = onlyReader{body}
			}
			req, err := http.NewRequest("POST", e.url("/sha256"), body)
			if err != nil {
				t.Fatal(err)
			}
			if chunked {
				req.ContentLength = -1
			}
			resp, err := do(t, c, req, bigTimeout)
			if err != nil {
				t.Fatalf("upload: %v", err)
			}
			wantBody(t, resp, 200, uploadSum())
			if got := resp.Header.Get("X-Chunked"); got != strconv.FormatBool(chunked) {
				t.Errorf("server saw chunked=%s, want %t", got, chunked)
			}
			if got := resp.Header.Get("X-Body-Bytes"); got != strconv.Itoa(bigSize) {
				t.Errorf("server read %s body bytes, want %d", got, bigSize)
			}
		})
	}
}

func testDownload(t *testing.T, r row) {
	e := start(t, r)
	c := e.client(t)
	const seed = 42
	ctx, cancel := context.WithTimeout(context.Background(), bigTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", e.url(fmt.Sprintf("/download?bytes=%d&seed=%d", bigSize, seed)), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if !slices.Equal(resp.TransferEncoding, []string{"chunked"}) || resp.ContentLength != -1 {
		t.Errorf("TransferEncoding %q, ContentLength %d: want a chunked stream", resp.TransferEncoding, resp.ContentLength)
	}
	h := sha256.New()
	n, err := io.Copy(h, resp.Body)
	if err != nil {
		t.Fatalf("after %d bytes: %v", n, err)
	}
	if n != bigSize {
		t.Fatalf("got %d bytes, want %d", n, bigSize)
	}
	if got, want := hex.EncodeToString(h.Sum(nil)), patternSum(seed, bigSize); got != want {
		t.Fatalf("SHA-256 %s, want %s", got, want)
	}
}

func testKeepAlive(t *testing.T, r row) {
	e := start(t, r)
	c := e.client(t)
	const requests = 100
	for i := range requests {
		resp := get(t, c, e.url(fmt.Sprintf("/hello?n=%d", i)))
		wantBody(t, resp, 200, fmt.Sprintf("hello %d", i))
	}
	if n := e.ln.accepted.Load(); n != 1 {
		t.Fatalf("%d requests in sequence used %d streams, want 1", requests, n)
	}
}

func testPipelining(t *testing.T, r row) {
	e := start(t, r)
	ctx, cancel := context.WithTimeout(context.Background(), smallTimeout)
	defer cancel()
	conn, err := e.ep.dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(smallTimeout)); err != nil {
		t.Fatal(err)
	}
	// Four requests, one with a body and the last asking to close, leave
	// in a single write: the server must answer them in order.
	batch := "GET /hello?n=1 HTTP/1.1\r\nHost: t\r\n\r\n" +
		"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\npipelined 2" +
		"GET /hello?n=3 HTTP/1.1\r\nHost: t\r\n\r\n" +
		"GET /hello?n=4 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
	if _, err := io.WriteString(conn, batch); err != nil {
		t.Fatal(err)
	}
	want := []string{"hello 1", "pipelined 2", "hello 3", "hello 4"}
	br := bufio.NewReader(conn)
	for i, w := range want {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("response %d: %v", i+1, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("response %d body: %v", i+1, err)
		}
		if resp.StatusCode != 200 || string(body) != w {
			t.Fatalf("response %d: %d %q, want 200 %q", i+1, resp.StatusCode, body, w)
		}
		if last := i == len(want)-1; resp.Close != last {
			t.Errorf("response %d: Close = %t, want %t", i+1, resp.Close, last)
		}
	}
	if !r.noFIN {
		// KCP has no end of stream; elsewhere the server's close is seen.
		if n, err := br.Read(make([]byte, 1)); err != io.EOF {
			t.Errorf("after the last response: read %d bytes, err %v; want io.EOF", n, err)
		}
	}
	if n := e.ln.accepted.Load(); n != 1 {
		t.Errorf("accepted %d streams, want 1", n)
	}
}

func testConcurrent(t *testing.T, r row) {
	e := start(t, r)
	const clients, perClient = 64, 50
	var failed atomic.Int64
	var wg sync.WaitGroup
	for g := range clients {
		c := e.client(t)
		wg.Go(func() {
			for i := range perClient {
				var req *http.Request
				var want string
				if i%2 == 0 {
					want = fmt.Sprintf("hello %d-%d", g, i)
					req, _ = http.NewRequest("GET", e.url(fmt.Sprintf("/hello?n=%d-%d", g, i)), nil)
				} else {
					want = fmt.Sprintf("client %d request %d %s", g, i, strings.Repeat("x", i*37))
					req, _ = http.NewRequest("POST", e.url("/echo"), strings.NewReader(want))
				}
				resp, err := do(t, c, req, smallTimeout)
				if err == nil && (resp.StatusCode != 200 || string(resp.body) != want) {
					err = fmt.Errorf("got %d %q, want 200 %q", resp.StatusCode, truncate(resp.body), want)
				}
				if err != nil {
					if failed.Add(1) <= 5 {
						t.Errorf("client %d request %d: %v", g, i, err)
					}
					return
				}
			}
		})
	}
	wg.Wait()
	if n := failed.Load(); n > 0 {
		t.Fatalf("%d clients failed", n)
	}
	// Each client sends in sequence, so each keeps one stream alive.
	if n := e.ln.accepted.Load(); n != clients {
		t.Errorf("%d clients used %d streams, want %d", clients, n, clients)
	}
}

// kcpAttempt bounds each request of a KCP client during shutdown: a KCP
// server that is gone refuses nothing, it just stops answering.
const kcpAttempt = 2 * time.Second

// A shutdownLoad is the load under which testShutdownUnderLoad shuts down.
type shutdownLoad struct {
	name    string
	clients int
	// Each handler sleeps minMS plus up to spreadMS milliseconds.
	minMS, spreadMS int
	// Shutdown starts once warm requests have completed and half the
	// clients are in handlers.
	warm int64
	// long handlers outlast anything a Listener.Close may take.
	long bool
}

func testShutdownUnderLoad(t *testing.T, r row) {
	loads := []shutdownLoad{
		{name: "handlers=5-20ms", clients: 16, minMS: 5, spreadMS: 16, warm: 48},
		// Handlers outlast anything a Listener.Close may take, so a
		// transport that cuts accepted streams when its listener closes
		// cannot hide behind fast handlers.
		{name: "handlers=300ms", clients: 8, minMS: 300, spreadMS: 1, warm: 0, long: true},
	}
	for _, load := range loads {
		t.Run(load.name, func(t *testing.T) {
			shutdownUnderLoad(t, r, load)
		})
	}
}

func shutdownUnderLoad(t *testing.T, r row, load shutdownLoad) {
	e := start(t, r)
	clients := load.clients
	attempt := smallTimeout
	if r.noFIN {
		attempt = kcpAttempt
	}

	type failure struct {
		id         string
		err        error
		inShutdown bool
	}
	var (
		shuttingDown atomic.Bool
		stop         atomic.Bool
		completed    atomic.Int64
		mu           sync.Mutex
		failures     []failure
		answered     = make(map[string]bool)
		closing      int // responses that carried Connection: close
		wg           sync.WaitGroup
	)
	for g := range clients {
		c := e.client(t)
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				id := fmt.Sprintf("%d-%d", g, i)
				ms := load.minMS + (g*7+i*3)%load.spreadMS
				req, _ := http.NewRequest("GET", e.url(fmt.Sprintf("/slow?id=%s&ms=%d", id, ms)), nil)
				resp, err := do(t, c, req, attempt)
				mu.Lock()
				if err != nil {
					failures = append(failures, failure{id, err, shuttingDown.Load()})
					mu.Unlock()
					return // after shutdown every later attempt would fail too
				}
				if resp.StatusCode != 200 || string(resp.body) != slowBody(id) {
					t.Errorf("request %s: got %d %q", id, resp.StatusCode, truncate(resp.body))
				}
				answered[id] = true
				if resp.Close {
					closing++
				}
				mu.Unlock()
				completed.Add(1)
			}
		})
	}

	// Shut down while requests are running in handlers (after some have
	// completed, for the short load), so in-flight requests are covered.
	deadline := time.Now().Add(10 * time.Second)
	for (e.state.active.Load() < int64(clients/2) || completed.Load() < load.warm) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	inFlight := e.state.active.Load()
	shuttingDown.Store(true)
	if err := e.shutdown(); err != nil {
		t.Error(err)
	}
	stop.Store(true)
	wg.Wait()

	e.state.mu.Lock()
	defer e.state.mu.Unlock()
	var dialErrs, otherErrs int
	var sample error // one failure that reached no handler, for the log
	for _, f := range failures {
		switch {
		case !f.inShutdown:
			t.Errorf("request %s failed before shutdown: %v", f.id, f.err)
		case e.state.started[f.id]:
			t.Errorf("request %s was in flight at the server and failed: %v", f.id, f.err)
		case isDialError(f.err):
			dialErrs++
		default:
			// Sent on a stream the server closed before reading it, or
			// (KCP) into silence; it never reached a handler.
			otherErrs++
			sample = f.err
		}
	}
	for id := range e.state.started {
		if err := e.state.finished[id]; err != nil {
			t.Errorf("request %s: the server's response failed: %v", id, err)
		}
		if _, ok := e.state.finished[id]; !ok {
			t.Errorf("request %s: handler started but never finished", id)
		}
		if !answered[id] && !slices.ContainsFunc(failures, func(f failure) bool { return f.id == id }) {
			t.Errorf("request %s reached a handler but its client saw nothing", id)
		}
	}
	t.Logf("%d answered (%d with Connection: close), %d in handlers at Shutdown; after it %d dial errors, %d requests that reached no handler (e.g. %v)",
		len(answered), closing, inFlight, dialErrs, otherErrs, sample)
	switch {
	case inFlight == 0 && load.long:
		t.Error("no request was in a handler when Shutdown began")
	case inFlight == 0:
		t.Log("no request was in a handler when Shutdown began; the in-flight check was vacuous this time")
	}
}

// isDialError reports whether err happened while connecting, before any
// request byte was sent.
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
