package kcp_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/tophat-go/tophat/transports/kcp"
)

func TestMain(m *testing.M) {
	// kcp-go's package-level timed scheduler (SystemTimedSched) is started
	// when the package loads and never stopped.
	goleak.VerifyTestMain(m, sched...)
}

// serve starts a listener whose sessions are each handled by handle on
// their own goroutine. Cleanup aborts the listener (Close would leave the
// accepted sessions running) and waits for every handler, so a handler must
// return once its stream fails.
func serve(t testing.TB, cfg *kcp.Config, handle func(net.Conn)) *kcp.Listener {
	t.Helper()
	ln, err := kcp.Listen("127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.AcceptConn()
			if err != nil {
				if !errors.Is(err, net.ErrClosed) {
					t.Errorf("Accept: %v", err)
				}
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				handle(c)
			}()
		}
	}()
	t.Cleanup(func() {
		if err := ln.Abort(); err != nil {
			t.Errorf("Listener.Abort: %v", err)
		}
		wg.Wait()
		if n := ln.Sessions(); n != 0 {
			t.Errorf("Sessions after Abort = %d", n)
		}
	})
	return ln
}

func echo(c net.Conn) { _, _ = io.Copy(c, c) }

// respond is a minimal HTTP/1.1 responder: it answers every request with
// the request's path and body, keeping the stream alive between requests.
func respond(c net.Conn) {
	br := bufio.NewReader(c)
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return
		}
		head := fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Length: %d\r\nX-Path: %s\r\n\r\n", len(body), req.URL.Path)
		if _, err := c.Write(append([]byte(head), body...)); err != nil {
			return
		}
	}
}

// relay forwards datagrams between clients and a server on 127.0.0.1,
// dropping a fraction of them in each direction.
type relay struct {
	front  *net.UDPConn
	server *net.UDPAddr

	blackhole atomic.Bool // drop everything: the peers vanish for each other
	// originals drops every datagram that differs from the one before it
	// in its direction, so that only repeated copies get through (with
	// one client; the datagrams of several would interleave).
	originals atomic.Bool

	mu    sync.Mutex
	rng   *rand.Rand
	loss  float64
	backs map[string]*net.UDPConn
	wg    sync.WaitGroup
}

func newRelay(t testing.TB, server net.Addr, loss float64) *relay {
	t.Helper()
	front, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	r := &relay{
		front:  front,
		server: server.(*net.UDPAddr),
		rng:    rand.New(rand.NewPCG(1, 2)),
		loss:   loss,
		backs:  make(map[string]*net.UDPConn),
	}
	r.wg.Add(1)
	go r.fromClients()
	t.Cleanup(r.close)
	return r
}

func (r *relay) Addr() string { return r.front.LocalAddr().String() }

// reseed makes the relay drop along a random sequence of its own instead of
// the fixed one tests replay. A benchmark repeated with -count then samples
// the loss process: the fixed sequence happens to drop four datagrams in a
// row early on (draws 1060 to 1063 at 5 %), a run of luck that 5 % loss has
// once in 160,000 draws.
func (r *relay) reseed() {
	r.mu.Lock()
	r.rng = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	r.mu.Unlock()
}

// drop decides the fate of datagram b; last is the datagram before it in
// the same direction, and drop makes it b.
func (r *relay) drop(b []byte, last *[]byte) bool {
	repeated := bytes.Equal(b, *last)
	*last = append((*last)[:0], b...)
	if r.blackhole.Load() || r.originals.Load() && !repeated {
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rng.Float64() < r.loss
}

func (r *relay) fromClients() {
	defer r.wg.Done()
	var buf, last []byte = make([]byte, 2048), nil
	for {
		n, client, err := r.front.ReadFromUDP(buf)
		if err != nil {
			return
		}
		r.mu.Lock()
		back := r.backs[client.String()]
		if back == nil {
			back, err = net.DialUDP("udp", nil, r.server)
			if err != nil {
				r.mu.Unlock()
				continue
			}
			r.backs[client.String()] = back
			r.wg.Add(1)
			go r.toClient(back, client)
		}
		r.mu.Unlock()
		if !r.drop(buf[:n], &last) {
			_, _ = back.Write(buf[:n])
		}
	}
}

func (r *relay) toClient(back *net.UDPConn, client *net.UDPAddr) {
	defer r.wg.Done()
	var buf, last []byte = make([]byte, 2048), nil
	for {
		n, err := back.Read(buf)
		if err != nil {
			return
		}
		if !r.drop(buf[:n], &last) {
			_, _ = r.front.WriteToUDP(buf[:n], client)
		}
	}
}

func (r *relay) close() {
	_ = r.front.Close()
	r.mu.Lock()
	for _, b := range r.backs {
		_ = b.Close()
	}
	r.mu.Unlock()
	r.wg.Wait()
}

// sched lists kcp-go's process-wide goroutines (see TestMain).
var sched = []goleak.Option{
	goleak.IgnoreTopFunction("github.com/xtaci/kcp-go/v5.(*TimedSched).sched"),
	goleak.IgnoreTopFunction("github.com/xtaci/kcp-go/v5.(*TimedSched).prepend"),
}

// noNewGoroutines returns a check that every goroutine started since the
// call has exited (goleak retries for a while, so exiting goroutines pass).
func noNewGoroutines(t testing.TB) func() {
	t.Helper()
	opts := append([]goleak.Option{goleak.IgnoreCurrent()}, sched...)
	return func() {
		t.Helper()
		goleak.VerifyNone(t, opts...)
	}
}

// portFree reports whether the UDP address can be bound again, that is
// whether the socket that had it is closed (Go does not set SO_REUSEADDR
// on unicast UDP sockets).
func portFree(addr net.Addr) bool {
	pc, err := net.ListenPacket("udp", addr.String())
	if err != nil {
		return false
	}
	_ = pc.Close()
	return true
}

// eventually polls cond until it holds or the wait runs out.
func eventually(t testing.TB, wait time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
