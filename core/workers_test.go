package core_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/tophat-go/tophat/core"
)

// acceptNet adapts a net.Listener to core.Listener; fail makes Accept
// return a permanent error, as a listener that breaks does.
type acceptNet struct {
	net.Listener
	fail chan struct{}
}

func (l acceptNet) Accept() (io.ReadWriteCloser, error) {
	c, err := l.Listener.Accept()
	select {
	case <-l.fail:
		if c != nil {
			c.Close()
		}
		return nil, errors.New("listener broke")
	default:
	}
	return c, err
}

var plain = core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
	return w.SendString(200, "ok")
})

// serveNet serves srv on a loopback TCP listener and returns its address
// and a function that breaks the listener and waits for Serve to return
// its error. The test's cleanup shuts the server down if it still runs.
func serveNet(t *testing.T, srv *core.Server) (string, func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := acceptNet{ln, make(chan struct{})}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	var once sync.Once
	var serveErr error
	stop := func() error {
		once.Do(func() {
			close(l.fail)
			// Wake the blocked Accept with one last connection.
			if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
				c.Close()
			}
			serveErr = <-served
		})
		return serveErr
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		// Shutdown waits for the Server's goroutines: one that never ends
		// must fail the test, not hang it.
		shut := make(chan error, 1)
		go func() { shut <- srv.Shutdown(ctx) }()
		select {
		case err := <-shut:
			if err != nil {
				t.Errorf("Shutdown: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Errorf("Shutdown has not returned after 15 s")
			return
		}
		stop()
	})
	return ln.Addr().String(), stop
}

// oneRequest sends one request on a new connection and reads its response.
// With closing the request says Connection: close, and oneRequest reads to
// the end of the stream and returns nil; otherwise it returns the
// kept-alive connection.
func oneRequest(t *testing.T, addr string, closing bool) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	conn := ""
	if closing {
		conn = "Connection: close\r\n"
	}
	if _, err := fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n%s\r\n", conn); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 512)
	got := ""
	for !contains(got, "\r\n\r\nok") {
		n, err := c.Read(buf)
		got += string(buf[:n])
		if err != nil {
			t.Fatalf("response %q: %v", got, err)
		}
	}
	if closing {
		if _, err := c.Read(buf); err != io.EOF {
			t.Fatalf("after a Connection: close response: %v, want EOF", err)
		}
		c.Close()
		return nil
	}
	return c
}

func goroutinesCreated(t *testing.T) uint64 {
	s := []metrics.Sample{{Name: "/sched/goroutines-created:goroutines"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		t.Fatalf("runtime metric %s is not available", s[0].Name)
	}
	return s[0].Value.Uint64()
}

// TestServerReusesGoroutinesAcrossStreams: with the default Spawn, a new
// stream runs on a goroutine whose stream has ended, which has the stack
// serving grew, instead of on a new goroutine per stream.
func TestServerReusesGoroutinesAcrossStreams(t *testing.T) {
	addr, _ := serveNet(t, &core.Server{Handler: plain})
	oneRequest(t, addr, true)
	const streams = 50
	before := goroutinesCreated(t)
	for range streams {
		oneRequest(t, addr, true)
	}
	// A stream that comes before the last one's goroutine is back waiting
	// gets a new one; with one request at a time that is rare.
	if created := goroutinesCreated(t) - before; created > streams/2 {
		t.Fatalf("%d goroutines created for %d streams one after another, want a few", created, streams)
	}
}

// TestServerBoundsWaitingGoroutines: after a burst of streams ends, at most
// 128 of their goroutines stay to wait for new streams.
func TestServerBoundsWaitingGoroutines(t *testing.T) {
	addr, _ := serveNet(t, &core.Server{Handler: plain})
	base := runtime.NumGoroutine()
	const burst = 300
	conns := make([]net.Conn, burst)
	for i := range conns {
		conns[i] = oneRequest(t, addr, false)
	}
	for _, c := range conns {
		c.Close()
	}
	const maxWaiting = 128
	deadline := time.Now().Add(10 * time.Second)
	for {
		n := runtime.NumGoroutine() - base
		if n <= maxWaiting {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines left after %d streams ended, want at most %d", n, burst, maxWaiting)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestWaitingGoroutinesEndWithServe: a Serve loop that ends because its
// listener broke, with no Shutdown or Close, takes the goroutines waiting
// for its streams with it.
func TestWaitingGoroutinesEndWithServe(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	addr, stop := serveNet(t, &core.Server{Handler: plain})
	for range 5 {
		oneRequest(t, addr, true)
	}
	if err := stop(); err == nil || err.Error() != "listener broke" {
		t.Fatalf("Serve returned %v, want the listener's error", err)
	}
}
