package integration

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tophat-go/tophat/transports/kcp"
)

// lossRate is the share of datagrams the relay drops in each direction:
// a bad Wi-Fi or radio link, where KCP is meant to shine.
const lossRate = 0.07

// TestKCPLossy serves a full core.Server over KCP through a relay that
// drops datagrams at random, and checks that every request still
// completes correctly, for the Fast preset (retransmission) and the Lossy
// preset (forward error correction first).
func TestKCPLossy(t *testing.T) {
	for _, preset := range []kcp.Preset{kcp.Fast, kcp.Lossy} {
		t.Run(preset.String(), func(t *testing.T) {
			var rl *relay
			r := row{name: "kcp-" + preset.String() + "-lossy", noFIN: true, listen: func(tb testing.TB) *endpoint {
				ep := kcpEndpoint(tb, &kcp.Config{Preset: preset})
				rl = newRelay(tb, ep.ln.Addr().(*net.UDPAddr), lossRate, 1)
				client := &kcp.Config{Preset: preset, Linger: kcpClientLinger}
				ep.transport = func() *http.Transport { return kcp.Transport(rl.addr(), client) }
				ep.dial = func(ctx context.Context) (net.Conn, error) { return kcp.Dial(ctx, rl.addr(), client) }
				return ep
			}}
			e := start(t, r)
			lossyWorkload(t, e)
			fwd, dropped := rl.forwarded.Load(), rl.dropped.Load()
			t.Logf("relay forwarded %d datagrams and dropped %d (%.1f%%)", fwd, dropped, 100*float64(dropped)/float64(fwd+dropped))
			if dropped == 0 {
				t.Fatal("the relay dropped nothing; the test proved nothing about loss")
			}
		})
	}
}

func lossyWorkload(t *testing.T, e *env) {
	const (
		sequential = 40
		clients    = 4
		perClient  = 10
		bulk       = 1 << 20
	)
	c := e.client(t)
	for i := range sequential {
		wantBody(t, get(t, c, e.url(fmt.Sprintf("/hello?n=%d", i))), 200, fmt.Sprintf("hello %d", i))
	}

	var failed atomic.Int64
	var wg sync.WaitGroup
	for g := range clients {
		c := e.client(t)
		wg.Go(func() {
			for i := range perClient {
				want := fmt.Sprintf("%d/%d:", g, i) + strings.Repeat("k", 4<<10)
				req, _ := http.NewRequest("POST", e.url("/echo"), strings.NewReader(want))
				resp, err := do(t, c, req, smallTimeout)
				if err == nil && (resp.StatusCode != 200 || string(resp.body) != want) {
					err = fmt.Errorf("got %d %q", resp.StatusCode, truncate(resp.body))
				}
				if err != nil {
					failed.Add(1)
					t.Errorf("client %d request %d: %v", g, i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if failed.Load() > 0 {
		t.FailNow()
	}

	body := uploadBody()[:bulk]
	req, err := http.NewRequest("POST", e.url("/sha256"), bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := do(t, c, req, bigTimeout)
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	wantBody(t, resp, 200, patternSum(7, bulk))

	resp = get(t, c, e.url(fmt.Sprintf("/download?bytes=%d&seed=3", bulk)))
	if resp.StatusCode != 200 || len(resp.body) != bulk {
		t.Fatalf("download: %d, %d bytes", resp.StatusCode, len(resp.body))
	}
	var sum bytes.Buffer
	_ = writePattern(&sum, 3, bulk)
	if !bytes.Equal(resp.body, sum.Bytes()) {
		t.Fatal("download: body differs from the pattern")
	}
}

// A relay forwards datagrams between KCP clients and a server on
// 127.0.0.1, dropping a share of them at random in each direction. Each
// client gets its own socket towards the server, so the server sees as
// many peers as there are clients.
type relay struct {
	front  *net.UDPConn
	server *net.UDPAddr

	forwarded, dropped atomic.Int64

	mu    sync.Mutex
	rng   *rand.Rand // fixed seed: the same loss pattern for the same traffic
	loss  float64
	backs map[string]*net.UDPConn
	done  bool // closed: no new back sockets
	wg    sync.WaitGroup
}

// maxDatagram is larger than any KCP packet with its FEC and crypto headers.
const maxDatagram = 64 << 10

func newRelay(tb testing.TB, server *net.UDPAddr, loss float64, seed uint64) *relay {
	tb.Helper()
	front, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		tb.Fatal(err)
	}
	r := &relay{
		front:  front,
		server: server,
		rng:    rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		loss:   loss,
		backs:  make(map[string]*net.UDPConn),
	}
	r.wg.Go(r.fromClients)
	tb.Cleanup(r.close)
	return r
}

func (r *relay) addr() string { return r.front.LocalAddr().String() }

func (r *relay) drop() bool {
	r.mu.Lock()
	d := r.rng.Float64() < r.loss
	r.mu.Unlock()
	if d {
		r.dropped.Add(1)
	} else {
		r.forwarded.Add(1)
	}
	return d
}

func (r *relay) fromClients() {
	buf := make([]byte, maxDatagram)
	for {
		n, client, err := r.front.ReadFromUDP(buf)
		if err != nil {
			return // closed
		}
		back, err := r.backFor(client)
		if err != nil {
			continue
		}
		if !r.drop() {
			_, _ = back.Write(buf[:n])
		}
	}
}

// backFor returns the socket that speaks to the server for client.
func (r *relay) backFor(client *net.UDPAddr) (*net.UDPConn, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return nil, net.ErrClosed
	}
	if back := r.backs[client.String()]; back != nil {
		return back, nil
	}
	back, err := net.DialUDP("udp", nil, r.server)
	if err != nil {
		return nil, err
	}
	r.backs[client.String()] = back
	r.wg.Go(func() { r.toClient(back, client) })
	return back, nil
}

func (r *relay) toClient(back *net.UDPConn, client *net.UDPAddr) {
	buf := make([]byte, maxDatagram)
	for {
		n, err := back.Read(buf)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			continue // an ICMP error reported for an earlier datagram
		}
		if !r.drop() {
			_, _ = r.front.WriteToUDP(buf[:n], client)
		}
	}
}

func (r *relay) close() {
	_ = r.front.Close()
	r.mu.Lock()
	r.done = true
	for _, b := range r.backs {
		_ = b.Close()
	}
	r.mu.Unlock()
	r.wg.Wait()
}
