package tls

import (
	"bufio"
	"context"
	stdtls "crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/tophat-go/tophat/core"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testTimeout bounds every wait in these tests so a regression fails
// instead of hanging; no test asserts how fast anything is.
const testTimeout = 10 * time.Second

// tcpListener adapts a standard library TCP listener to core.Listener, so
// these tests do not depend on transports/tcp.
type tcpListener struct{ net.Listener }

func (l tcpListener) Accept() (io.ReadWriteCloser, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return c, nil
}

// pipeListener hands out the server ends of net.Pipe pairs: synchronous,
// unbuffered streams with deadlines, unlike a socket.
type pipeListener struct {
	conns     chan net.Conn
	done      chan struct{}
	closeOnce sync.Once
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *pipeListener) Accept() (io.ReadWriteCloser, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

func (l *pipeListener) Dial(ctx context.Context) (net.Conn, error) {
	client, server := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.done:
	case <-ctx.Done():
	}
	_ = client.Close()
	_ = server.Close()
	return nil, net.ErrClosed
}

// inner is one transport under test: a listener and a way to reach it.
type inner struct {
	name     string
	listener core.Listener
	dial     func(ctx context.Context) (net.Conn, error)
}

func newTCPInner(t *testing.T) inner {
	t.Helper()
	nl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := nl.Addr().String()
	return inner{
		name:     "tcp",
		listener: tcpListener{nl},
		dial: func(ctx context.Context) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", addr)
		},
	}
}

func newPipeInner(*testing.T) inner {
	pl := newPipeListener()
	return inner{name: "pipe", listener: pl, dial: pl.Dial}
}

var inners = []func(*testing.T) inner{newTCPInner, newPipeInner}

func devCert(t *testing.T) *DevCertificate {
	t.Helper()
	dev, err := SelfSigned()
	if err != nil {
		t.Fatal(err)
	}
	return dev
}

func wrap(t *testing.T, in core.Listener, cfg *Config) *Listener {
	t.Helper()
	l, err := Wrap(in, cfg)
	if err != nil {
		_ = in.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

type connectionStater interface {
	ConnectionState() stdtls.ConnectionState
}

// responder stands in for tophat's engine: it reads requests from each
// accepted stream and answers each with a fixed response naming the
// negotiated protocol, as seen through the ConnectionState method the core
// discovers.
type responder struct {
	l        core.Listener
	wg       sync.WaitGroup
	mu       sync.Mutex
	streams  map[io.Closer]struct{}
	accepted int
}

func serve(t *testing.T, l core.Listener) *responder {
	t.Helper()
	r := &responder{l: l, streams: make(map[io.Closer]struct{})}
	r.wg.Add(1)
	go r.acceptLoop(t)
	t.Cleanup(r.stop)
	return r
}

func (r *responder) acceptLoop(t *testing.T) {
	defer r.wg.Done()
	for {
		s, err := r.l.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				t.Errorf("Accept: %v", err)
			}
			return
		}
		r.mu.Lock()
		r.streams[s] = struct{}{}
		r.accepted++
		r.mu.Unlock()
		r.wg.Add(1)
		go r.handle(s)
	}
}

func (r *responder) acceptedCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.accepted
}

func (r *responder) handle(s io.ReadWriteCloser) {
	defer r.wg.Done()
	defer func() {
		r.mu.Lock()
		delete(r.streams, s)
		r.mu.Unlock()
		_ = s.Close()
	}()
	br := bufio.NewReader(s)
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		_, _ = io.Copy(io.Discard, req.Body)
		state := s.(connectionStater).ConnectionState()
		body := fmt.Sprintf("%s %s alpn=%s", req.Method, req.URL.Path, state.NegotiatedProtocol)
		if _, err := fmt.Fprintf(s, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s", len(body), body); err != nil {
			return
		}
	}
}

func (r *responder) stop() {
	_ = r.l.Close()
	r.mu.Lock()
	for s := range r.streams {
		_ = s.Close()
	}
	r.mu.Unlock()
	r.wg.Wait()
}

// httpClient returns a client over Transport, closing its idle connections
// when the test ends so no goroutine outlives it.
func httpClient(t *testing.T, dial func(context.Context) (net.Conn, error), cfg *stdtls.Config) *http.Client {
	t.Helper()
	tr := Transport(dial, cfg)
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: testTimeout}
}

func get(t *testing.T, c *http.Client, url string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading body: %v", url, err)
	}
	return resp, string(body)
}

// acceptOne accepts one stream in the background.
func acceptOne(l *Listener) <-chan net.Conn {
	ch := make(chan net.Conn, 1)
	go func() {
		c, err := l.AcceptConn()
		if err != nil {
			close(ch)
			return
		}
		ch <- c
	}()
	return ch
}

func receive[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v, ok := <-ch:
		if !ok {
			t.Fatal("channel closed without a value")
		}
		return v
	case <-time.After(testTimeout):
		t.Fatal("timed out waiting")
	}
	var zero T
	return zero
}
