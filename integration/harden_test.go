package integration

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports/kcp"
)

// The hardening tests (hostile clients, the KCP flood, the soak, shutdown
// under load) have a short form that runs in every go test and a long form
// with the figures the project quotes: go test -long, or TOPHAT_LONG=1.
var longFlag = flag.Bool("long", false, "run the long forms of the hostile-client, flood and soak tests")

// long reports whether the long forms were asked for.
func long() bool { return *longFlag || os.Getenv("TOPHAT_LONG") == "1" }

// scale returns short in the default run and long with -long.
func scale(short, long_ int) int {
	if long() {
		return long_
	}
	return short
}

// figure logs a measured figure in a form scripts can grep for.
func figure(t testing.TB, format string, args ...any) {
	t.Helper()
	t.Logf("FIGURE %s: %s", t.Name(), fmt.Sprintf(format, args...))
}

// A hostileRow is a transport for the hostile-client tests, with a way to
// open a raw stream beneath any TLS layer (for clients that never finish a
// handshake).
type hostileRow struct {
	name string
	tls  bool
	// noFIN marks KCP: a stream the server closes goes silent instead of
	// ending (see row.noFIN).
	noFIN bool
	// listen returns the endpoint and a dial for the stream under TLS (the
	// endpoint's own dial where there is no TLS).
	listen func(tb testing.TB) (ep *endpoint, raw func(ctx context.Context) (net.Conn, error))
}

var hostileRows = []hostileRow{
	{name: "tcp", listen: func(tb testing.TB) (*endpoint, func(context.Context) (net.Conn, error)) {
		ep := tcpEndpoint(tb)
		return ep, ep.dial
	}},
	{name: "unix", listen: func(tb testing.TB) (*endpoint, func(context.Context) (net.Conn, error)) {
		ep := unixPathEndpoint(tb)
		return ep, ep.dial
	}},
	{name: "tls-tcp", tls: true, listen: func(tb testing.TB) (*endpoint, func(context.Context) (net.Conn, error)) {
		inner := tcpEndpoint(tb)
		return tlsOver(tb, inner), inner.dial
	}},
	{name: "kcp", noFIN: true, listen: func(tb testing.TB) (*endpoint, func(context.Context) (net.Conn, error)) {
		ep := kcpEndpoint(tb, &kcp.Config{})
		return ep, ep.dial
	}},
}

// hostileServer is a core.Server with default Options (the point is that
// the defaults hold) serving hostileHandler.
type hostileServer struct {
	srv    *core.Server
	ep     *endpoint
	served chan error

	bigActive atomic.Int64 // /big handlers running
	holding   atomic.Int64 // /hold handlers running
	release   chan struct{}
	relOnce   sync.Once
}

// bigPiece is what /big writes over and over.
var bigPiece = func() []byte {
	b := make([]byte, 64<<10)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}()

// hostileHandler serves:
//
//	GET  /hello          "hello"
//	GET  /big?bytes=N    N bytes, streamed (for clients that never read them)
//	POST /discard        reads the body; answers the body error's status, or 200 and the byte count
//	GET  /hold           waits until the test releases it
func (h *hostileServer) handler() core.Handler {
	return core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		switch req.Path() {
		case "/hello":
			return w.SendString(200, "hello")
		case "/big":
			n, _ := strconv.ParseInt(req.Query().Get("bytes"), 10, 64)
			h.bigActive.Add(1)
			defer h.bigActive.Add(-1)
			s := w.Begin(200)
			for n > 0 {
				k := min(n, int64(len(bigPiece)))
				if _, err := s.Write(bigPiece[:k]); err != nil {
					break
				}
				n -= k
			}
			return s.Finish()
		case "/discard":
			n, err := io.Copy(io.Discard, req.Body())
			var pe *core.ProtocolError
			if errors.As(err, &pe) {
				return w.SendString(pe.Status, pe.Reason)
			}
			if err != nil {
				return w.SendString(500, err.Error())
			}
			return w.SendString(200, strconv.FormatInt(n, 10))
		case "/hold":
			h.holding.Add(1)
			defer h.holding.Add(-1)
			select {
			case <-h.release:
			case <-req.ShuttingDown():
			}
			return w.SendString(200, "released")
		}
		return w.SendString(404, "no route")
	})
}

// startHostile serves on ep with default Options; configure may set Server
// fields (MaxConns) before Serve starts, and wrap may wrap the listener.
func startHostile(t testing.TB, ep *endpoint, configure func(*core.Server), wrap func(core.Listener) core.Listener) *hostileServer {
	t.Helper()
	h := &hostileServer{ep: ep, served: make(chan error, 1), release: make(chan struct{})}
	h.srv = &core.Server{Handler: h.handler()}
	if configure != nil {
		configure(h.srv)
	}
	ln := ep.ln
	if wrap != nil {
		ln = wrap(ln)
	}
	go func() { h.served <- h.srv.Serve(ln) }()
	t.Cleanup(func() {
		h.releaseAll()
		ctx, cancel := context.WithTimeout(context.Background(), shutdownWait)
		defer cancel()
		if err := h.srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
			h.srv.Close()
		}
		select {
		case err := <-h.served:
			if !errors.Is(err, core.ErrServerClosed) {
				t.Errorf("Serve returned %v, want ErrServerClosed", err)
			}
		case <-time.After(shutdownWait):
			t.Error("Serve did not return after Shutdown")
		}
	})
	return h
}

func (h *hostileServer) releaseAll() { h.relOnce.Do(func() { close(h.release) }) }

// probe is the new client that hostile clients must not keep out: a fresh
// client GETs /hello. It fails the test if the answer does not come (within
// smallTimeout, a hang guard, not a speed bound) and returns the latency.
func probe(t testing.TB, ep *endpoint) time.Duration {
	t.Helper()
	tr := ep.transport()
	defer tr.CloseIdleConnections()
	req, err := http.NewRequest("GET", ep.baseURL+"/hello", nil)
	if err != nil {
		t.Fatal(err)
	}
	begin := time.Now()
	resp, err := do(t, &http.Client{Transport: tr}, req, smallTimeout)
	took := time.Since(begin)
	if err != nil {
		t.Fatalf("the new client was not served: %v", err)
	}
	wantBody(t, resp, 200, "hello")
	return took
}

// dialAll opens n raw streams with dial, several at a time.
func dialAll(t testing.TB, n int, dial func(ctx context.Context) (net.Conn, error)) []net.Conn {
	t.Helper()
	return dialSome(t, n, 32, dial)
}

// dialSending opens n raw streams with dial, each sending first as soon as
// it is connected: a stream that stays silent for the default
// ReadHeaderTimeout while the others connect is rightly closed without an
// answer, which is not what the hostile tests are about.
func dialSending(t testing.TB, n int, dial func(ctx context.Context) (net.Conn, error), first []byte) []net.Conn {
	t.Helper()
	return dialAll(t, n, func(ctx context.Context) (net.Conn, error) {
		c, err := dial(ctx)
		if err != nil {
			return nil, err
		}
		if _, err := c.Write(first); err != nil {
			c.Close()
			return nil, err
		}
		return c, nil
	})
}

// dialSome opens n raw streams with dial, at most parallel at a time.
func dialSome(t testing.TB, n, parallel int, dial func(ctx context.Context) (net.Conn, error)) []net.Conn {
	t.Helper()
	conns := make([]net.Conn, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, parallel)
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			ctx, cancel := context.WithTimeout(context.Background(), smallTimeout)
			defer cancel()
			c, err := dial(ctx)
			if errs[i] = err; err == nil {
				conns[i] = c
			}
		})
	}
	wg.Wait()
	t.Cleanup(func() {
		// At once: a KCP stream's Close may wait for acknowledgements.
		var closing sync.WaitGroup
		for _, c := range conns {
			if c != nil {
				closing.Go(func() { c.Close() })
			}
		}
		closing.Wait()
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("dial %d of %d: %v", i+1, n, err)
		}
	}
	return conns
}

// waitFor polls cond until it holds or the hang guard passes.
func waitFor(t testing.TB, what string, guard time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(guard)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: still not true after %v", what, guard)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
