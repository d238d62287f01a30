package kcp_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	kcpgo "github.com/xtaci/kcp-go/v5"

	"github.com/tophat-go/tophat/transports/kcp"
)

// testDeadline keeps a broken transfer from hanging the test binary.
const testDeadline = 60 * time.Second

func randomBytes(n int, seed uint64) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(seed, seed+1))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// roundTrip sends payload over c to an echo server and checks what returns.
func roundTrip(t *testing.T, c net.Conn, payload []byte) {
	t.Helper()
	if err := c.SetDeadline(time.Now().Add(testDeadline)); err != nil {
		t.Fatal(err)
	}
	writeErr := make(chan error, 1)
	go func() {
		_, err := c.Write(payload)
		writeErr <- err
	}()
	got := make([]byte, len(payload))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("read: %v", err)
	}
	if err := <-writeErr; err != nil {
		t.Fatalf("write: %v", err)
	}
	if sha256.Sum256(got) != sha256.Sum256(payload) {
		t.Fatal("echoed payload differs")
	}
}

func dial(t *testing.T, address string, cfg *kcp.Config) net.Conn {
	t.Helper()
	c, err := kcp.Dial(context.Background(), address, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

var roundTripConfigs = []struct {
	name string
	cfg  *kcp.Config
}{
	{"nil", nil},
	{"fast", &kcp.Config{Preset: kcp.Fast}},
	{"normal", &kcp.Config{Preset: kcp.Normal}},
	{"lossy", &kcp.Config{Preset: kcp.Lossy}},
	{"fec+key", &kcp.Config{DataShards: 10, ParityShards: 3, Key: "correct horse battery staple"}},
	{"normal+key", &kcp.Config{Preset: kcp.Normal, Key: "k"}},
}

func TestRoundTripLargePayload(t *testing.T) {
	payload := randomBytes(4<<20, 1)
	for _, tc := range roundTripConfigs {
		t.Run(tc.name, func(t *testing.T) {
			ln := serve(t, tc.cfg, echo)
			c := dial(t, ln.Addr().String(), tc.cfg)
			roundTrip(t, c, payload)
		})
	}
}

// Sessions of one listener share its cipher; they must not disturb each
// other (kcp-go's AES BlockCrypt alone is not safe for this).
func TestConcurrentEncryptedSessions(t *testing.T) {
	cfg := &kcp.Config{Key: "shared"}
	ln := serve(t, cfg, echo)
	var wg sync.WaitGroup
	for i := range 8 {
		c := dial(t, ln.Addr().String(), cfg)
		wg.Add(1)
		go func() {
			defer wg.Done()
			roundTrip(t, c, randomBytes(256<<10, uint64(i)))
		}()
	}
	wg.Wait()
}

func TestWrongKeyExchangesNothing(t *testing.T) {
	for _, tc := range []struct {
		name           string
		server, client string
	}{
		{"different keys", "server key", "client key"},
		{"client without key", "server key", ""},
		{"server without key", "", "client key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			csumErrors := kcpgo.DefaultSnmp.Copy().InCsumErrors
			ln := serve(t, &kcp.Config{Key: tc.server}, echo)
			// Nothing written will ever be acknowledged: do not linger on Close.
			c := dial(t, ln.Addr().String(), &kcp.Config{Key: tc.client, Linger: -1})
			if _, err := c.Write([]byte("hello")); err != nil {
				t.Fatal(err)
			}
			if err := c.SetReadDeadline(time.Now().Add(300 * time.Millisecond)); err != nil {
				t.Fatal(err)
			}
			n, err := c.Read(make([]byte, 64))
			if n != 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("Read = %d, %v; want a deadline error and no data", n, err)
			}
			// The error names the likely cause, not a bare timeout.
			if !strings.Contains(err.Error(), "same key as this client") || !os.IsTimeout(err) {
				t.Errorf("Read error %q does not say the key may differ", err)
			}
			if tc.client != "" {
				// The client decrypts whatever comes back and must reject it.
				return
			}
			if got := kcpgo.DefaultSnmp.Copy().InCsumErrors; got <= csumErrors {
				t.Errorf("server rejected no packets by checksum (InCsumErrors %d -> %d)", csumErrors, got)
			}
			if n := ln.Sessions(); n != 0 {
				t.Errorf("Sessions = %d; a packet that fails to decrypt must not open one", n)
			}
		})
	}
}

func TestIdleTimeoutClosesVanishedPeer(t *testing.T) {
	serverErr := make(chan error, 1)
	ln := serve(t, &kcp.Config{IdleTimeout: 300 * time.Millisecond}, func(c net.Conn) {
		buf := make([]byte, 64)
		for {
			n, err := c.Read(buf)
			if err != nil {
				serverErr <- err
				return
			}
			if _, err := c.Write(buf[:n]); err != nil {
				serverErr <- err
				return
			}
		}
	})
	r := newRelay(t, ln.Addr(), 0)
	c := dial(t, r.Addr(), &kcp.Config{IdleTimeout: time.Minute})

	// Steady traffic for longer than the idle timeout keeps the session.
	for i := range 8 {
		roundTrip(t, c, []byte(fmt.Sprintf("ping %d", i)))
		time.Sleep(100 * time.Millisecond)
	}
	if n := ln.Sessions(); n != 1 {
		t.Fatalf("Sessions = %d during traffic, want 1", n)
	}

	r.blackhole.Store(true) // the client vanishes without a word
	var err error
	select {
	case err = <-serverErr:
	case <-time.After(10 * time.Second):
		t.Fatal("server session outlived its idle timeout")
	}
	if !errors.Is(err, kcp.ErrIdleTimeout) {
		t.Fatalf("server Read error = %v, want ErrIdleTimeout", err)
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("idle error %v is not a net.Error with Timeout", err)
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("idle error %v must be distinguishable from a caller's deadline", err)
	}
	eventually(t, 5*time.Second, "Sessions() == 0", func() bool { return ln.Sessions() == 0 })
}

func TestReadDeadlineIndependentOfIdleTimeout(t *testing.T) {
	ln := serve(t, &kcp.Config{IdleTimeout: time.Second}, echo)
	c := dial(t, ln.Addr().String(), nil)
	roundTrip(t, c, []byte("warm up"))

	if err := c.SetReadDeadline(time.Now().Add(50 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	_, err := c.Read(make([]byte, 8))
	if !errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, kcp.ErrIdleTimeout) {
		t.Fatalf("Read error = %v, want os.ErrDeadlineExceeded only", err)
	}
	if err := c.SetReadDeadline(time.Time{}); err != nil {
		t.Fatal(err)
	}
	roundTrip(t, c, []byte("still usable after a deadline"))
}

func TestBlockedAcceptReturnsOnClose(t *testing.T) {
	ln, err := kcp.Listen("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	acceptErr := make(chan error, 1)
	go func() {
		_, err := ln.Accept()
		acceptErr <- err
	}()
	time.Sleep(20 * time.Millisecond) // let Accept block; the result is the same if it has not
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-acceptErr; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("blocked Accept = %v, want net.ErrClosed", err)
	}
}

func TestCloseDeliversWrittenData(t *testing.T) {
	for _, tc := range []struct {
		preset kcp.Preset
		size   int
	}{
		{kcp.Fast, 512 << 10},
		{kcp.Normal, 128 << 10}, // congestion control makes Normal slow at 5% loss
	} {
		preset, size := tc.preset, tc.size
		t.Run(preset.String(), func(t *testing.T) {
			cfg := &kcp.Config{Preset: preset, IdleTimeout: 5 * time.Second, Linger: 30 * time.Second}
			got := make(chan []byte, 1)
			ln := serve(t, cfg, func(c net.Conn) {
				b, _ := io.ReadAll(io.LimitReader(c, int64(size)))
				got <- b
			})
			// Through a lossy link, so the tail needs retransmissions after
			// Close has been called.
			r := newRelay(t, ln.Addr(), 0.05)
			c, err := kcp.Dial(context.Background(), r.Addr(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			payload := randomBytes(size, 7)
			if _, err := c.Write(payload); err != nil {
				t.Fatal(err)
			}
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			select {
			case b := <-got:
				if !bytes.Equal(b, payload) {
					t.Fatalf("server got %d bytes, want all %d", len(b), len(payload))
				}
			case <-time.After(testDeadline):
				t.Fatal("server never received the data written before Close")
			}

			if _, err := c.Read(make([]byte, 1)); !errors.Is(err, net.ErrClosed) {
				t.Errorf("Read after Close = %v, want net.ErrClosed", err)
			}
			if _, err := c.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
				t.Errorf("Write after Close = %v, want net.ErrClosed", err)
			}
			if err := c.Close(); !errors.Is(err, net.ErrClosed) {
				t.Errorf("second Close = %v, want net.ErrClosed", err)
			}
		})
	}
}

func TestCloseUnblocksRead(t *testing.T) {
	ln := serve(t, nil, echo)
	c := dial(t, ln.Addr().String(), nil)
	readErr := make(chan error, 1)
	go func() {
		_, err := c.Read(make([]byte, 1))
		readErr <- err
	}()
	time.Sleep(20 * time.Millisecond)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-readErr:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("blocked Read = %v, want net.ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not unblock Read")
	}
}

func TestDialNobodyListening(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	_ = pc.Close()

	c := dial(t, addr, nil)
	if err := c.SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write([]byte("anyone?")); err != nil {
		t.Fatal(err)
	}
	_, err = c.Read(make([]byte, 1))
	if err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read = %v, want the ICMP error reported at once", err)
	}
}

func TestHTTPTransport(t *testing.T) {
	cfg := &kcp.Config{Preset: kcp.Lossy, Key: "http"}
	ln := serve(t, cfg, respond)
	tr := kcp.Transport(ln.Addr().String(), cfg)
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: testDeadline}

	for i := range 3 {
		res, err := client.Post("http://anything.invalid/echo/"+fmt.Sprint(i), "text/plain", strings.NewReader("body "+fmt.Sprint(i)))
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(res.Body)
		_ = res.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != 200 || string(body) != "body "+fmt.Sprint(i) || res.Header.Get("X-Path") != "/echo/"+fmt.Sprint(i) {
			t.Fatalf("response %d: %d %q path %q", i, res.StatusCode, body, res.Header.Get("X-Path"))
		}
	}
	if n := ln.Sessions(); n != 1 {
		t.Errorf("Sessions = %d: keep-alive should reuse one session", n)
	}
}

func TestTransportInvalidConfig(t *testing.T) {
	tr := kcp.Transport("127.0.0.1:1", &kcp.Config{MTU: 9000})
	defer tr.CloseIdleConnections()
	_, err := (&http.Client{Transport: tr}).Get("http://x/")
	if !errors.Is(err, kcp.ErrInvalidConfig) {
		t.Fatalf("Get = %v, want ErrInvalidConfig", err)
	}
	if _, err := kcp.Listen("127.0.0.1:0", &kcp.Config{Preset: 9}); !errors.Is(err, kcp.ErrInvalidConfig) {
		t.Fatalf("Listen = %v, want ErrInvalidConfig", err)
	}
	if _, err := kcp.Dial(context.Background(), "127.0.0.1:1", &kcp.Config{IdleTimeout: -1}); !errors.Is(err, kcp.ErrInvalidConfig) {
		t.Fatalf("Dial = %v, want ErrInvalidConfig", err)
	}
}

// Requests still complete, byte for byte, when a tenth of all datagrams in
// each direction are lost.
func TestLossyLink(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  *kcp.Config
	}{
		{"fast", &kcp.Config{Preset: kcp.Fast}},
		{"normal", &kcp.Config{Preset: kcp.Normal}},
		{"lossy", &kcp.Config{Preset: kcp.Lossy, Key: "k"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ln := serve(t, tc.cfg, respond)
			r := newRelay(t, ln.Addr(), 0.10)
			tr := kcp.Transport(r.Addr(), tc.cfg)
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr, Timeout: testDeadline}
			for i := range 10 {
				want := randomBytes(1<<(8+i), uint64(i)) // 256 B to 128 KiB
				res, err := client.Post("http://kcp/"+fmt.Sprint(i), "application/octet-stream", bytes.NewReader(want))
				if err != nil {
					t.Fatal(err)
				}
				got, err := io.ReadAll(res.Body)
				_ = res.Body.Close()
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("request %d: got %d bytes back, want %d identical", i, len(got), len(want))
				}
			}
		})
	}
}

// TestLossyCopiesEveryDatagram: the Lossy preset's copies carry requests
// and responses across a link that loses the first copy of every datagram,
// with no retransmission, also after a pause longer than the 500 ms past
// which kcp-go sends a packet without FEC parity.
func TestLossyCopiesEveryDatagram(t *testing.T) {
	cfg := &kcp.Config{Preset: kcp.Lossy, Key: "k"}
	ln := serve(t, cfg, respond)
	r := newRelay(t, ln.Addr(), 0)
	r.originals.Store(true)
	tr := kcp.Transport(r.Addr(), cfg)
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: testDeadline}
	retransmitted := kcpgo.DefaultSnmp.Copy().RetransSegs
	for i, pause := range []time.Duration{0, 0, 600 * time.Millisecond} {
		time.Sleep(pause)
		res, err := client.Get(fmt.Sprintf("http://kcp/%d", i))
		if err != nil {
			t.Fatal(err)
		}
		_ = res.Body.Close()
		if got := res.Header.Get("X-Path"); got != fmt.Sprintf("/%d", i) {
			t.Fatalf("request %d answered for %q", i, got)
		}
	}
	if n := kcpgo.DefaultSnmp.Copy().RetransSegs - retransmitted; n != 0 {
		t.Errorf("%d segments retransmitted; their copies should have arrived", n)
	}
}

// TestCloseDoesNotWaitForVanishedPeer: a client that closes right after
// reading frees its session before its last ACK goes out, so the server's
// data stays unacknowledged. The server's Close must notice that the client
// stopped answering instead of lingering for all of DefaultLinger.
func TestCloseDoesNotWaitForVanishedPeer(t *testing.T) {
	for _, preset := range []kcp.Preset{kcp.Fast, kcp.Normal} {
		t.Run(preset.String(), func(t *testing.T) {
			cfg := &kcp.Config{Preset: preset}
			closeNow := make(chan struct{})
			closed := make(chan time.Duration, 1)
			ln := serve(t, cfg, func(c net.Conn) {
				buf := make([]byte, 4)
				if _, err := io.ReadFull(c, buf); err != nil {
					return
				}
				if _, err := c.Write([]byte("pong")); err != nil {
					return
				}
				<-closeNow
				start := time.Now()
				_ = c.Close()
				closed <- time.Since(start)
			})
			c, err := kcp.Dial(context.Background(), ln.Addr().String(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Write([]byte("ping")); err != nil {
				t.Fatal(err)
			}
			_ = c.SetReadDeadline(time.Now().Add(testDeadline))
			buf := make([]byte, 4)
			if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "pong" {
				t.Fatalf("read %q, %v; want pong", buf, err)
			}
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(100 * time.Millisecond)
			close(closeNow)
			select {
			case d := <-closed:
				t.Logf("server Close took %v", d)
				if d >= kcp.DefaultLinger/2 {
					t.Errorf("server Close took %v, lingering for a peer that is gone", d)
				}
			case <-time.After(testDeadline):
				t.Fatal("server Close never returned")
			}
		})
	}
}

// TestCloseWaitsForSilentReader: a live peer that stops reading while its
// receive window is full is sent nothing and so sends nothing back. That
// silence must not end Close's linger, or the data waiting for the window
// to reopen would be lost.
func TestCloseWaitsForSilentReader(t *testing.T) {
	const size = 64 << 10 // several times the client's window, within the server's
	payload := randomBytes(size, 11)
	closed := make(chan struct{})
	ln := serve(t, &kcp.Config{Linger: 30 * time.Second}, func(c net.Conn) {
		defer close(closed)
		buf := make([]byte, 1)
		if _, err := io.ReadFull(c, buf); err != nil {
			return
		}
		if _, err := c.Write(payload); err != nil {
			return
		}
		_ = c.Close()
	})
	c := dial(t, ln.Addr().String(), &kcp.Config{RecvWindow: 8})
	if _, err := c.Write([]byte("g")); err != nil {
		t.Fatal(err)
	}
	// Far longer than the quiet period, with the client's window full.
	time.Sleep(1500 * time.Millisecond)
	_ = c.SetReadDeadline(time.Now().Add(testDeadline))
	got := make([]byte, size)
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("read after pausing: %v", err)
	}
	if !bytes.Equal(got, payload) {
		t.Fatal("payload differs")
	}
	select {
	case <-closed:
	case <-time.After(testDeadline):
		t.Fatal("server Close never returned")
	}
}
