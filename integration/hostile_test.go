package integration

import (
	"bufio"
	"bytes"
	"context"
	stdtls "crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tophat-go/tophat/core"
	tlstransport "github.com/tophat-go/tophat/transports/tls"
)

// Hostile clients against a Server with default Options: the defaults must
// hold without tuning. Each test asserts that a new client is still served
// while the hostile ones are connected, and that the hostile ones are cut off
// by the default limits, and logs the figures (FIGURE lines) it measured.

// cutOffGuard bounds the wait for a default timeout (10 s for the request
// head and for the TLS handshake) to end the hostile streams: a hang guard,
// with room for the race detector on a loaded machine.
const cutOffGuard = core.DefaultReadHeaderTimeout + 30*time.Second

// TestSlowloris opens many streams that trickle a request head one byte at a
// time and never finish it. A new client is still served at once, and every
// slow stream is answered 408 and closed by the default ReadHeaderTimeout.
func TestSlowloris(t *testing.T) {
	t.Parallel() // mostly waiting for default timeouts: overlap them
	n := scale(200, 1000)
	needFiles(t, uint64(4*n+256))
	for _, r := range hostileRows {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			ep, _ := r.listen(t)
			startHostile(t, ep, nil, nil)
			begin := time.Now()
			conns := dialSending(t, n, ep.dial, []byte("GET /hello HTTP/1.1\r\nHost: x\r\nX-Slow: "))
			// Trickle one byte per stream every 200 ms, from one goroutine.
			stop := make(chan struct{})
			var trickled sync.WaitGroup
			var writeErrs atomic.Int64
			trickled.Go(func() {
				tick := time.NewTicker(200 * time.Millisecond)
				defer tick.Stop()
				for {
					select {
					case <-stop:
						return
					case <-tick.C:
					}
					for _, c := range conns {
						_ = c.SetWriteDeadline(time.Now().Add(time.Second))
						if _, err := c.Write([]byte("a")); err != nil {
							writeErrs.Add(1)
						}
					}
				}
			})
			time.Sleep(time.Second) // let every stream be mid-head
			took := probe(t, ep)
			figure(t, "%d slowloris streams: new client served in %v", n, took.Round(time.Microsecond))

			// Every slow stream gets 408 and the end of the stream.
			answered := cutOff(t, conns, r.noFIN, cutOffGuard, "408")
			close(stop)
			trickled.Wait()
			figure(t, "%d/%d slow streams answered 408 and closed within %v of the first connecting", answered, n, time.Since(begin).Round(time.Second/10))
		})
	}
}

// cutOff reads every stream to its end, within guard, and checks that each
// is closed by the server, after a response with status want if want is not
// empty. It returns how many carried that status.
//
// On KCP (noFIN) a closed stream goes silent instead of ending, so there a
// complete response with status want and Connection: close is the sign.
func cutOff(t testing.TB, conns []net.Conn, noFIN bool, guard time.Duration, want string) int {
	t.Helper()
	deadline := time.Now().Add(guard)
	var answered atomic.Int64
	var failed atomic.Int64
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for i, c := range conns {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			_ = c.SetReadDeadline(deadline)
			if noFIN {
				resp, err := http.ReadResponse(bufio.NewReader(c), nil)
				if err == nil {
					resp.Body.Close()
				}
				switch {
				case err == nil && resp.Close && strconv.Itoa(resp.StatusCode) == want:
					answered.Add(1)
				case failed.Add(1) <= 3:
					t.Errorf("stream %d: %v, want a %s response with Connection: close", i, err, want)
				}
				return
			}
			got, err := io.ReadAll(c)
			if isTimeoutErr(err) {
				if failed.Add(1) <= 3 {
					t.Errorf("stream %d still open after %v (read %q)", i, guard, truncate(got))
				}
				return
			}
			if want == "" {
				return
			}
			if bytes.HasPrefix(got, []byte("HTTP/1.1 "+want+" ")) {
				answered.Add(1)
			} else if failed.Add(1) <= 3 {
				t.Errorf("stream %d: got %q (%v), want a %s response", i, truncate(got), err, want)
			}
		})
	}
	wg.Wait()
	return int(answered.Load())
}

// TestTLSHandshakeStall opens many streams to a TLS listener that never
// finish the handshake: half send nothing, half send the start of a
// ClientHello record and stop. A new client is still served, and every
// stalled stream is closed by the default handshake timeout.
func TestTLSHandshakeStall(t *testing.T) {
	t.Parallel() // mostly waiting for default timeouts: overlap them
	n := scale(200, 1000)
	needFiles(t, uint64(4*n+256))
	for _, r := range hostileRows {
		if !r.tls {
			continue
		}
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			ep, raw := r.listen(t)
			startHostile(t, ep, nil, nil)
			conns := dialAll(t, n, raw)
			begin := time.Now()
			// A handshake record header announcing 512 bytes, then a
			// ClientHello header and two bytes of its version.
			partial := []byte{0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03}
			for i, c := range conns {
				if i%2 == 1 {
					if _, err := c.Write(partial); err != nil {
						t.Fatal(err)
					}
				}
			}
			time.Sleep(time.Second)
			took := probe(t, ep)
			figure(t, "%d stalled handshakes: new client served in %v", n, took.Round(time.Microsecond))
			cutOff(t, conns, false, tlstransport.DefaultHandshakeTimeout+30*time.Second, "")
			figure(t, "%d stalled handshakes closed by the server %v after they connected", n, time.Since(begin).Round(time.Second/10))
		})
	}
}

// smallReadBuffer shrinks a client socket's receive buffer, so a client
// that never reads holds the server's writes with little kernel memory.
func smallReadBuffer(dial func(ctx context.Context) (net.Conn, error)) func(ctx context.Context) (net.Conn, error) {
	return func(ctx context.Context) (net.Conn, error) {
		c, err := dial(ctx)
		if err != nil {
			return nil, err
		}
		if s, ok := c.(interface{ SetReadBuffer(int) error }); ok {
			_ = s.SetReadBuffer(4 << 10)
		}
		return c, nil
	}
}

// TestSlowReaders opens many streams that ask for a large response and
// never read it, so every handler blocks in a write. A new client is still
// served; the handlers end when their clients go.
func TestSlowReaders(t *testing.T) {
	n := scale(100, 1000)
	const size = 256 << 20 // far more than any socket buffers
	needFiles(t, uint64(4*n+256))
	for _, r := range hostileRows {
		t.Run(r.name, func(t *testing.T) {
			if r.noFIN && !long() {
				// KCP tells no server that its client left, so the
				// handlers wait out the default WriteTimeout (30 s).
				t.Skip("KCP slow readers run in the long form (-long)")
			}
			t.Parallel()
			ep, raw := r.listen(t)
			h := startHostile(t, ep, nil, nil)
			dial := smallReadBuffer(raw)
			if r.tls {
				cert, err := devCert()
				if err != nil {
					t.Fatal(err)
				}
				cfg := cert.ClientConfig()
				cfg.ServerName = "localhost"
				inner := dial
				dial = func(ctx context.Context) (net.Conn, error) { return tlstransport.Dial(ctx, inner, cfg) }
			}
			req := fmt.Sprintf("GET /big?bytes=%d HTTP/1.1\r\nHost: x\r\n\r\n", size)
			conns := dialSending(t, n, dial, []byte(req))
			waitFor(t, "every slow reader's handler running", smallTimeout, func() bool { return h.bigActive.Load() == int64(n) })
			time.Sleep(500 * time.Millisecond) // let the writes fill the buffers and block
			if got := h.bigActive.Load(); got != int64(n) {
				t.Fatalf("%d of %d handlers still writing; the rest finished a %d-byte response nobody read", got, n, size)
			}
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			took := probe(t, ep)
			figure(t, "%d slow readers blocking their handlers: new client served in %v (heap in use %d MiB)",
				n, took.Round(time.Microsecond), ms.HeapInuse>>20)
			for _, c := range conns {
				c.Close()
			}
			waitFor(t, "handlers ending once their clients are gone", core.DefaultWriteTimeout+20*time.Second,
				func() bool { return h.bigActive.Load() == 0 })
		})
	}
}

// TestMaxConns checks what the Server does at MaxConns: it holds new
// streams at accept (they wait in the transport's backlog) rather than
// answering 503, and serves them as soon as a stream ends.
func TestMaxConns(t *testing.T) {
	const limit = 4
	for _, r := range hostileRows {
		if r.noFIN {
			continue // the same Serve loop; KCP's own limits are TestKCPFlood's
		}
		t.Run(r.name, func(t *testing.T) {
			ep, raw := r.listen(t)
			var ln *countingListener
			h := startHostile(t, ep, func(s *core.Server) { s.MaxConns = limit },
				func(l core.Listener) core.Listener { ln = &countingListener{Listener: l}; return ln })

			// limit streams, each held in a handler.
			held := dialAll(t, limit, ep.dial)
			readers := make([]*bufio.Reader, limit)
			for i, c := range held {
				if _, err := io.WriteString(c, "GET /hold HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
					t.Fatal(err)
				}
				readers[i] = bufio.NewReader(c)
			}
			waitFor(t, "every held stream in its handler", smallTimeout, func() bool { return h.holding.Load() == limit })

			// One more client connects and sends a request: it must not
			// be served while the limit is reached. Over TLS the
			// handshake itself waits for the server, so it runs aside.
			ctx, cancel := context.WithTimeout(context.Background(), smallTimeout)
			defer cancel()
			extra, err := raw(ctx)
			if err != nil {
				t.Fatalf("dial past the limit: %v", err)
			}
			defer extra.Close()
			handshook := make(chan error, 1)
			if r.tls {
				cert, err := devCert()
				if err != nil {
					t.Fatal(err)
				}
				cfg := cert.ClientConfig()
				cfg.ServerName = "localhost"
				tc := stdtls.Client(extra, cfg)
				extra = tc
				go func() { handshook <- tc.HandshakeContext(ctx) }()
			} else {
				handshook <- nil
				if _, err := io.WriteString(extra, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
					t.Fatal(err)
				}
			}
			time.Sleep(300 * time.Millisecond)
			if got := ln.accepted.Load(); got != limit {
				t.Fatalf("accepted %d streams with MaxConns %d", got, limit)
			}
			if r.tls {
				select {
				case err := <-handshook:
					t.Fatalf("a TLS handshake past MaxConns ended (%v) while the limit was reached", err)
				default:
				}
			} else {
				_ = extra.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
				if n, err := extra.Read(make([]byte, 1)); n != 0 || !isTimeoutErr(err) {
					t.Fatalf("a stream past MaxConns read %d bytes, err %v: want nothing until a slot frees", n, err)
				}
			}

			// Free one slot: the held stream gets its answer and closes
			// (HTTP/1.1 keeps it open, so the client closes it).
			h.releaseAll()
			for i, c := range held {
				resp, err := http.ReadResponse(readers[i], nil)
				if err != nil {
					t.Fatalf("held stream %d: %v", i, err)
				}
				resp.Body.Close()
				c.Close()
			}
			begin := time.Now()
			if err := <-handshook; err != nil {
				t.Fatalf("TLS handshake of the stream held at accept: %v", err)
			}
			if r.tls {
				if _, err := io.WriteString(extra, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
					t.Fatal(err)
				}
			}
			_ = extra.SetReadDeadline(time.Now().Add(smallTimeout))
			resp, err := http.ReadResponse(bufio.NewReader(extra), nil)
			if err != nil {
				t.Fatalf("the stream held at accept was not served once a slot freed: %v", err)
			}
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 64))
			resp.Body.Close()
			if resp.StatusCode != 200 || string(body) != "hello" {
				t.Fatalf("held stream got %d %q", resp.StatusCode, body)
			}
			figure(t, "MaxConns=%d: stream %d held at accept (no 503), served %v after slots freed",
				limit, limit+1, time.Since(begin).Round(time.Microsecond))
		})
	}
}

func isTimeoutErr(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// countingStream counts the bytes the server reads from a stream, keeping
// the net.Conn methods (deadlines, addresses) the core discovers.
type countingStream struct {
	net.Conn
	read *atomic.Int64
}

func (s *countingStream) Read(p []byte) (int, error) {
	n, err := s.Conn.Read(p)
	s.read.Add(int64(n))
	return n, err
}

func (s *countingStream) CloseWrite() error {
	if cw, ok := s.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

type countingReadListener struct {
	core.Listener
	read atomic.Int64
}

func (l *countingReadListener) Accept() (io.ReadWriteCloser, error) {
	s, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	c, ok := s.(net.Conn)
	if !ok {
		s.Close()
		return nil, fmt.Errorf("stream %T is not a net.Conn", s)
	}
	return &countingStream{Conn: c, read: &l.read}, nil
}

// headMemoryConstant is what a held stream may cost beyond its head limit:
// the serving goroutine's stack, the stream's state and write buffer, and
// the socket's objects at both ends (the clients live in this process).
// Measured: 17 to 19 KiB over the head, 22 KiB under the race detector,
// whose instrumented frames make stacks larger.
const headMemoryConstant = 32 << 10

// TestMaxHeadMemory holds many streams that each send a request head of
// nearly MaxHeaderBytes and never finish it, and measures the memory each
// held stream costs (heap and stacks, after a GC, over a baseline). It must
// stay under the head limit plus a small constant.
func TestMaxHeadMemory(t *testing.T) {
	n := scale(200, 1000)
	needFiles(t, uint64(4*n+256))
	for _, r := range hostileRows {
		if r.tls || r.noFIN {
			continue // TLS and KCP add buffers of their own; TCP and Unix measure the core
		}
		t.Run(r.name, func(t *testing.T) {
			ep, _ := r.listen(t)
			var ln *countingReadListener
			startHostile(t, ep, nil, func(l core.Listener) core.Listener { ln = &countingReadListener{Listener: l}; return ln })

			head := maxHead(core.DefaultMaxHeaderBytes - 64)
			before := liveBytes()
			goroutinesBefore := runtime.NumGoroutine()
			dialSending(t, n, ep.dial, head) // closed at cleanup
			waitFor(t, "the server reading every head", smallTimeout, func() bool { return ln.read.Load() == int64(n*len(head)) })
			after := liveBytes()
			perConn := (int64(after) - int64(before)) / int64(n)
			figure(t, "%d streams holding a %d-byte head (limit %d): %d bytes per held stream (%d over the head), %d goroutines per stream",
				n, len(head), core.DefaultMaxHeaderBytes, perConn, perConn-int64(len(head)),
				(runtime.NumGoroutine()-goroutinesBefore)/n)
			if limit := int64(core.DefaultMaxHeaderBytes + headMemoryConstant); perConn > limit {
				t.Errorf("a held stream costs %d bytes, more than the head limit plus %d (%d)", perConn, headMemoryConstant, limit)
			}
		})
	}
}

// maxHead returns an unfinished request head of size bytes: a request line
// and header fields of a kilobyte each, without the blank line that ends it.
func maxHead(size int) []byte {
	var b bytes.Buffer
	b.WriteString("GET /hello HTTP/1.1\r\nHost: x\r\n")
	for i := 0; b.Len() < size; i++ {
		name := fmt.Sprintf("X-Field-%d: ", i)
		room := size - b.Len() - len(name) - 2
		if room < 1 {
			b.WriteString(strings.Repeat("y", size-b.Len()))
			break
		}
		b.WriteString(name + strings.Repeat("v", min(room, 1000)) + "\r\n")
	}
	return b.Bytes()[:size]
}

// liveBytes is the live heap plus goroutine stacks, after a collection.
func liveBytes() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc + ms.StackInuse
}

// TestEndlessBody sends a chunked body that never ends to a handler that
// reads it: the core cuts it off at the default MaxBodyBytes with 413 and
// Connection: close. A declared Content-Length past the limit is refused
// before any handler runs.
func TestEndlessBody(t *testing.T) {
	for _, r := range hostileRows {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			ep, _ := r.listen(t)
			startHostile(t, ep, nil, nil)
			t.Run("chunked", func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), bigTimeout)
				defer cancel()
				c, err := ep.dial(ctx)
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(bigTimeout))
				if _, err := io.WriteString(c, "POST /discard HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"); err != nil {
					t.Fatal(err)
				}
				var sent atomic.Int64
				var writer sync.WaitGroup
				writer.Go(func() {
					chunk := append(fmt.Appendf(nil, "%x\r\n", len(bigPiece)), bigPiece...)
					chunk = append(chunk, "\r\n"...)
					for {
						if _, err := c.Write(chunk); err != nil {
							return // the server closed the stream: cut off
						}
						sent.Add(int64(len(bigPiece)))
					}
				})
				resp, err := http.ReadResponse(bufio.NewReader(c), nil)
				if err != nil {
					t.Fatalf("no answer to an endless body (after %d body bytes): %v", sent.Load(), err)
				}
				body, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
				resp.Body.Close()
				if r.noFIN {
					c.Close() // KCP: the server's close is never seen
				}
				writer.Wait() // ends only when the stream is closed
				if resp.StatusCode != 413 || !resp.Close {
					t.Fatalf("got %d %q (Close %t), want 413 with Connection: close", resp.StatusCode, body, resp.Close)
				}
				figure(t, "endless chunked body cut off with 413 after the client sent %d MiB (limit %d MiB)",
					sent.Load()>>20, core.DefaultMaxBodyBytes>>20)
				if sent.Load() < core.DefaultMaxBodyBytes {
					t.Errorf("413 after %d body bytes, under the limit %d", sent.Load(), core.DefaultMaxBodyBytes)
				}
			})
			t.Run("content-length", func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), smallTimeout)
				defer cancel()
				c, err := ep.dial(ctx)
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(smallTimeout))
				if _, err := fmt.Fprintf(c, "POST /discard HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", int64(1)<<50); err != nil {
					t.Fatal(err)
				}
				resp, err := http.ReadResponse(bufio.NewReader(c), nil)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != 413 || !resp.Close {
					t.Fatalf("got %d (Close %t), want 413 with Connection: close", resp.StatusCode, resp.Close)
				}
			})
		})
	}
}
