package proxyproto_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports/pipe"
	"github.com/tophat-go/tophat/transports/proxyproto"
	"github.com/tophat-go/tophat/transports/tcp"
)

var quiet = slog.New(slog.DiscardHandler)

// serve runs a core.Server whose handler answers with the request's remote
// and local addresses, over a proxyproto listener on loopback TCP.
func serve(t *testing.T, cfg *proxyproto.Config) *proxyproto.Listener {
	t.Helper()
	inner, err := tcp.Listen("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg == nil {
		cfg = &proxyproto.Config{}
	}
	cfg.Logger = quiet
	ln, err := proxyproto.Wrap(inner, cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := &core.Server{Handler: core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return w.SendString(200, req.RemoteAddr().String()+" "+req.LocalAddr().String())
	})}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Error(err)
		}
		if err := <-done; !errors.Is(err, core.ErrServerClosed) {
			t.Error(err)
		}
	})
	return ln
}

// exchange writes prefix and one request on a fresh connection and returns
// the response body, or the error reading the response.
func exchange(t *testing.T, addr net.Addr, prefix []byte) (string, error) {
	t.Helper()
	c, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	req := "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
	if _, err := c.Write(append(prefix, req...)); err != nil {
		return "", err
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return string(body), err
}

func header(t *testing.T, src, dst string, version int) []byte {
	t.Helper()
	h := proxyproto.Header{
		Source:      net.TCPAddrFromAddrPort(netip.MustParseAddrPort(src)),
		Destination: net.TCPAddrFromAddrPort(netip.MustParseAddrPort(dst)),
	}
	var b []byte
	var err error
	if version == 1 {
		b, err = h.AppendText(nil)
	} else {
		b, err = h.AppendBinary(nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestHandlerSeesTheClientAddress(t *testing.T) {
	ln := serve(t, nil)
	for _, version := range []int{1, 2} {
		for _, pair := range [][2]string{{"192.0.2.1:56324", "198.51.100.2:443"}, {"[2001:db8::1]:1234", "[2001:db8::2]:80"}} {
			got, err := exchange(t, ln.Addr(), header(t, pair[0], pair[1], version))
			if want := pair[0] + " " + pair[1]; err != nil || got != want {
				t.Errorf("v%d: got %q, %v; want %q", version, got, err, want)
			}
		}
	}
}

func TestLocalCommandKeepsSocketAddresses(t *testing.T) {
	ln := serve(t, nil)
	local, _ := (&proxyproto.Header{Local: true}).AppendBinary(nil)
	got, err := exchange(t, ln.Addr(), local)
	if err != nil || !strings.HasPrefix(got, "127.0.0.1:") || !strings.HasSuffix(got, " "+ln.Addr().String()) {
		t.Fatalf("got %q, %v; want the loopback peer and %v", got, err, ln.Addr())
	}
}

func TestStreamWithoutHeaderGetsNoResponse(t *testing.T) {
	ln := serve(t, nil)
	if got, err := exchange(t, ln.Addr(), nil); err == nil {
		t.Fatalf("a plain HTTP request was answered: %q", got)
	}
	bad := []byte("PROXY TCP4 192.0.2.1 ::1 1 2\r\n")
	if got, err := exchange(t, ln.Addr(), bad); err == nil {
		t.Fatalf("a malformed header was accepted: %q", got)
	}
}

// pipePair returns the server side of an in-memory stream, wrapped, and the
// client side.
func pipePair(t *testing.T, cfg *proxyproto.Config) (*proxyproto.Conn, net.Conn) {
	t.Helper()
	inner, err := pipe.Listen("", nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg == nil {
		cfg = &proxyproto.Config{}
	}
	cfg.Logger = quiet
	ln, err := proxyproto.Wrap(inner, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	client, err := pipe.Dial(context.Background(), inner.Addr().String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s.(*proxyproto.Conn), client
}

func TestMalformedHeaderErrorSaysWhy(t *testing.T) {
	tests := []struct {
		in   string
		want error
		says string
	}{
		{"GET / HTTP/1.1\r\n", proxyproto.ErrNoHeader, "no PROXY protocol header"},
		{"PROXY TCP4 192.0.2.1 198.51.100.2 99999 1\r\n", proxyproto.ErrMalformed, `"99999" is not a port`},
		{"PROXY TCP4 " + strings.Repeat("1", 100), proxyproto.ErrTooLong, "no line end"},
		{"PROXY TCP4 192.0.2", io.ErrUnexpectedEOF, "unexpected EOF"},
		{"", proxyproto.ErrNoHeader, "no PROXY"},
	}
	for _, tt := range tests {
		s, client := pipePair(t, nil)
		go func() {
			io.WriteString(client, tt.in)
			client.(interface{ CloseWrite() error }).CloseWrite()
		}()
		_, err := s.Read(make([]byte, 10))
		var he *proxyproto.HeaderError
		if !errors.As(err, &he) || !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.says) || he.Proxy == nil {
			t.Errorf("%q: got %v, want %v saying %q", tt.in, err, tt.want, tt.says)
			continue
		}
		// The stream is closed: the client reads the end at once.
		if n, err := client.Read(make([]byte, 1)); n != 0 || err == nil {
			t.Errorf("%q: client read %d, %v after the header failed", tt.in, n, err)
		}
		if _, err2 := s.Write([]byte("x")); !errors.Is(err2, tt.want) {
			t.Errorf("%q: Write after a failed header: %v", tt.in, err2)
		}
	}
}

func TestHeaderArrivingByteByByte(t *testing.T) {
	s, client := pipePair(t, nil)
	in := append(header(t, "[2001:db8::7]:7", "[2001:db8::8]:8", 2), "hello"...)
	go func() {
		for i := range in {
			if _, err := client.Write(in[i : i+1]); err != nil {
				return
			}
		}
	}()
	got := make([]byte, 5)
	if _, err := io.ReadFull(s, got); err != nil || string(got) != "hello" {
		t.Fatalf("read %q, %v", got, err)
	}
	if s.RemoteAddr().String() != "[2001:db8::7]:7" || s.LocalAddr().String() != "[2001:db8::8]:8" {
		t.Fatalf("addresses %v %v", s.RemoteAddr(), s.LocalAddr())
	}
	if s.ProxyAddr().Network() != "pipe" {
		t.Fatalf("ProxyAddr %v, want the pipe's peer", s.ProxyAddr())
	}
	if h, err := s.Header(); err != nil || h.Version != 2 {
		t.Fatalf("Header: %+v, %v", h, err)
	}
}

func TestHeaderTimeout(t *testing.T) {
	s, client := pipePair(t, &proxyproto.Config{HeaderTimeout: 20 * time.Millisecond})
	io.WriteString(client, "PROXY TCP4") // and then nothing
	_, err := s.Read(make([]byte, 1))
	var ne net.Error
	if !errors.Is(err, proxyproto.ErrHeaderTimeout) || !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("got %v, want ErrHeaderTimeout, a net.Error timeout", err)
	}
}

// A read deadline set by the caller, earlier than the header's own, is the
// one that ends the wait, and it is reported as the caller's.
func TestCallerDeadlineDuringHeader(t *testing.T) {
	s, _ := pipePair(t, &proxyproto.Config{HeaderTimeout: time.Hour})
	s.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	_, err := s.Read(make([]byte, 1))
	if !errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, proxyproto.ErrHeaderTimeout) {
		t.Fatalf("got %v, want the caller's deadline", err)
	}
}

// After the header, the header's deadline is gone and the caller's is back.
func TestDeadlineRestoredAfterHeader(t *testing.T) {
	s, client := pipePair(t, &proxyproto.Config{HeaderTimeout: 30 * time.Millisecond})
	go client.Write(header(t, "192.0.2.1:1", "192.0.2.2:2", 1))
	if _, err := s.Header(); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		// Past the header's deadline, a Read still waits for data.
		time.Sleep(60 * time.Millisecond)
		client.Write([]byte("late"))
	}()
	got := make([]byte, 4)
	_, err := io.ReadFull(s, got)
	wg.Wait()
	if err != nil || string(got) != "late" {
		t.Fatalf("read %q, %v", got, err)
	}
}

// Accept returns a stream at once, however long its header takes: one
// silent client must not hold up the others.
func TestAcceptDoesNotWaitForTheHeader(t *testing.T) {
	ln := serve(t, &proxyproto.Config{HeaderTimeout: time.Hour})
	silent, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	got, err := exchange(t, ln.Addr(), header(t, "192.0.2.9:9", "192.0.2.10:10", 2))
	if err != nil || got != "192.0.2.9:9 192.0.2.10:10" {
		t.Fatalf("got %q, %v while another client was silent", got, err)
	}
}

func TestTrustedNetworks(t *testing.T) {
	t.Run("peer outside the list passes through", func(t *testing.T) {
		ln := serve(t, &proxyproto.Config{Trusted: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
		got, err := exchange(t, ln.Addr(), nil)
		if err != nil || !strings.HasPrefix(got, "127.0.0.1:") {
			t.Fatalf("got %q, %v; want the socket's peer", got, err)
		}
		// A header from an untrusted peer is not believed: it reaches HTTP,
		// which rejects it.
		got, err = exchange(t, ln.Addr(), header(t, "192.0.2.1:1", "192.0.2.2:2", 1))
		if err == nil && strings.HasPrefix(got, "192.0.2.1") {
			t.Fatalf("an untrusted peer's header was believed: %q", got)
		}
	})
	t.Run("peer inside the list must send one", func(t *testing.T) {
		ln := serve(t, &proxyproto.Config{Trusted: []netip.Prefix{netip.MustParsePrefix("::ffff:127.0.0.0/104")}})
		if got, err := exchange(t, ln.Addr(), nil); err == nil {
			t.Fatalf("a trusted peer without a header was served: %q", got)
		}
		got, err := exchange(t, ln.Addr(), header(t, "192.0.2.1:1", "192.0.2.2:2", 2))
		if err != nil || got != "192.0.2.1:1 192.0.2.2:2" {
			t.Fatalf("got %q, %v", got, err)
		}
	})
	t.Run("peer without an IP address must send one", func(t *testing.T) {
		s, client := pipePair(t, &proxyproto.Config{Trusted: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
		go func() {
			io.WriteString(client, "GET / HTTP/1.1\r\n")
		}()
		if _, err := s.Read(make([]byte, 1)); !errors.Is(err, proxyproto.ErrNoHeader) {
			t.Fatalf("got %v, want ErrNoHeader", err)
		}
	})
}

func TestConfigValidation(t *testing.T) {
	inner, err := pipe.Listen("", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer inner.Close()
	for _, cfg := range []proxyproto.Config{
		{HeaderTimeout: -1},
		{MaxHeaderBytes: proxyproto.MinMaxHeaderBytes - 1},
		{Trusted: []netip.Prefix{{}}},
	} {
		if _, err := proxyproto.Wrap(inner, &cfg); !errors.Is(err, proxyproto.ErrInvalidConfig) {
			t.Errorf("%+v: %v, want ErrInvalidConfig", cfg, err)
		}
	}
	if _, err := proxyproto.Wrap(nil, nil); !errors.Is(err, proxyproto.ErrNilListener) {
		t.Errorf("nil listener: %v", err)
	}
}

func TestAcceptAfterClose(t *testing.T) {
	inner, err := pipe.Listen("", nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, _ := proxyproto.Wrap(inner, nil)
	ln.Close()
	if _, err := ln.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept after Close: %v, want net.ErrClosed", err)
	}
}
