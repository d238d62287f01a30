package integration

import (
	"encoding/binary"
	"math/rand/v2"
	"net"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	kcpgo "github.com/xtaci/kcp-go/v5"

	"github.com/tophat-go/tophat/transports/kcp"
)

// A kcpFlood is datagrams with random conversation ids sent to a KCP
// listener from many UDP sockets, at a steady rate.
type kcpFlood struct {
	sources  int           // UDP sockets sending
	rate     int           // datagrams per second, all sources together
	duration time.Duration // how long
}

func floodSize() kcpFlood {
	if long() {
		return kcpFlood{sources: 256, rate: 5000, duration: 10 * time.Second}
	}
	return kcpFlood{sources: 32, rate: 2000, duration: 2 * time.Second}
}

// run sends the flood to addr and returns how many datagrams left. Each is a
// KCP segment header with a random conversation id, command and sequence
// number (zero half the time, which makes kcp-go replace a source's session
// with a new one), and up to 64 random payload bytes.
func (f kcpFlood) run(t testing.TB, addr string) int64 {
	t.Helper()
	socks := make([]*net.UDPConn, f.sources)
	raddr, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	for i := range socks {
		if socks[i], err = net.DialUDP("udp", nil, raddr); err != nil {
			t.Fatal(err)
		}
		defer socks[i].Close()
	}
	const tick = 10 * time.Millisecond
	perTick := max(1, f.rate*int(tick)/int(time.Second))
	ticker := time.NewTicker(tick)
	defer ticker.Stop()
	rng := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 24+64)
	var sent int64
	end := time.Now().Add(f.duration)
	for i := 0; time.Now().Before(end); {
		<-ticker.C
		for range perTick {
			n := 24 + rng.IntN(65)
			for j := range n {
				buf[j] = byte(rng.Uint32())
			}
			binary.LittleEndian.PutUint32(buf[0:], rng.Uint32()) // conv
			buf[4] = byte(81 + rng.IntN(4))                      // cmd: push, ack, wask, wins
			buf[5] = 0                                           // frg
			if rng.IntN(2) == 0 {
				binary.LittleEndian.PutUint32(buf[12:], 0) // sn
			}
			binary.LittleEndian.PutUint32(buf[20:], uint32(n-24)) // len
			if _, err := socks[i%len(socks)].Write(buf[:n]); err == nil {
				sent++
			}
			i++
		}
	}
	return sent
}

// peaks samples a server's KCP sessions and the process's goroutines until
// stop is closed.
type peaks struct {
	sessions, goroutines atomic.Int64
	wg                   sync.WaitGroup
}

func samplePeaks(sessions func() int, stop <-chan struct{}) *peaks {
	p := &peaks{}
	p.wg.Go(func() {
		for {
			if s := int64(sessions()); s > p.sessions.Load() {
				p.sessions.Store(s)
			}
			if g := int64(runtime.NumGoroutine()); g > p.goroutines.Load() {
				p.goroutines.Store(g)
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	})
	return p
}

// realClient sends GET /hello on one kept-alive KCP session until stop is
// closed, failing the test if a request is not answered, and returns how
// many were answered and the slowest.
func realClient(t testing.TB, ep *endpoint, stop <-chan struct{}) (int, time.Duration) {
	t.Helper()
	tr := ep.transport()
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	var served int
	var slowest time.Duration
	for {
		select {
		case <-stop:
			return served, slowest
		default:
		}
		req, _ := http.NewRequest("GET", ep.baseURL+"/hello", nil)
		begin := time.Now()
		resp, err := do(t, c, req, smallTimeout)
		if err != nil {
			t.Errorf("the real client was not served during the flood (after %d requests): %v", served, err)
			return served, slowest
		}
		wantBody(t, resp, 200, "hello")
		served++
		slowest = max(slowest, time.Since(begin))
		time.Sleep(20 * time.Millisecond)
	}
}

// TestKCPFlood floods a KCP listener (default Config and Options) with
// datagrams of random conversation ids from many sources while a real
// client sends requests. The sessions the flood opens are bounded by its
// sources (kcp-go keeps one per source address), a real client is served
// throughout, and every flood session is closed once the flood stops.
func TestKCPFlood(t *testing.T) {
	t.Parallel() // mostly waiting for default timeouts: overlap them
	f := floodSize()
	ep := kcpEndpoint(t, &kcp.Config{})
	startHostile(t, ep, nil, nil)
	goroutinesBefore := runtime.NumGoroutine()

	stop := make(chan struct{})
	p := samplePeaks(ep.sessions, stop)
	var served int
	var slowest time.Duration
	var client sync.WaitGroup
	client.Go(func() { served, slowest = realClient(t, ep, stop) })
	sent := f.run(t, ep.ln.Addr().String())
	close(stop)
	client.Wait()
	p.wg.Wait()

	figure(t, "%d datagrams from %d sources in %v: peak %d server sessions, peak %d goroutines (%d before); real client served %d requests, slowest %v",
		sent, f.sources, f.duration, p.sessions.Load(), p.goroutines.Load(), goroutinesBefore, served, slowest.Round(time.Microsecond))
	if p.sessions.Load() < 2 {
		t.Fatalf("the flood opened no session (peak %d): it did not reach the listener", p.sessions.Load())
	}
	// One live session per source address, plus the real client's; a
	// session kcp-go replaced stays counted until its serving goroutine
	// sees it closed, so allow as many again.
	if bound := int64(2*f.sources + 2); p.sessions.Load() > bound {
		t.Errorf("peak %d sessions from %d flood sources, more than %d", p.sessions.Load(), f.sources, bound)
	}
	begin := time.Now()
	// Flood sessions never finish a request head: the default
	// ReadHeaderTimeout ends them. The real client's session may stay
	// until its idle timeout, so one may remain.
	waitFor(t, "flood sessions closed", cutOffGuard, func() bool { return ep.sessions() <= 1 })
	figure(t, "flood sessions closed %v after the flood stopped", time.Since(begin).Round(time.Second/10))
}

// TestKCPFloodWithKey floods an encrypted KCP listener with datagrams that
// do not decrypt: they must open no session at all, and a real client with
// the key is served throughout.
func TestKCPFloodWithKey(t *testing.T) {
	t.Parallel() // mostly waiting for default timeouts: overlap them
	f := floodSize()
	ep := kcpEndpoint(t, &kcp.Config{Key: kcpKey})
	startHostile(t, ep, nil, nil)
	csumBefore := kcpgo.DefaultSnmp.Copy().InCsumErrors

	// The flood alone first: not a single session.
	stop := make(chan struct{})
	p := samplePeaks(ep.sessions, stop)
	alone := f
	alone.duration = f.duration / 2
	sent := alone.run(t, ep.ln.Addr().String())
	close(stop)
	p.wg.Wait()
	if n := p.sessions.Load(); n != 0 {
		t.Errorf("%d undecryptable datagrams opened %d sessions, want 0", sent, n)
	}

	// Then with a real client.
	stop = make(chan struct{})
	p = samplePeaks(ep.sessions, stop)
	var served int
	var slowest time.Duration
	var client sync.WaitGroup
	client.Go(func() { served, slowest = realClient(t, ep, stop) })
	sent += alone.run(t, ep.ln.Addr().String())
	close(stop)
	client.Wait()
	p.wg.Wait()
	rejected := kcpgo.DefaultSnmp.Copy().InCsumErrors - csumBefore
	figure(t, "%d undecryptable datagrams from %d sources: %d rejected by checksum, peak %d sessions with one real client, which was served %d requests, slowest %v",
		sent, f.sources, rejected, p.sessions.Load(), served, slowest.Round(time.Microsecond))
	if n := p.sessions.Load(); n > 1 {
		t.Errorf("peak %d sessions with one real client and a flood that cannot decrypt, want 1", n)
	}
	if rejected < uint64(sent/2) {
		t.Errorf("only %d of %d datagrams reached the listener's checksum: the flood did not arrive", rejected, sent)
	}
}
