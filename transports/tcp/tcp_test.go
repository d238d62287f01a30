package tcp_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tophat-go/tophat/transports/tcp"
)

// failAfter bounds a broken test; it measures nothing.
const failAfter = 10 * time.Second

func listen(t *testing.T, cfg *tcp.Config) *tcp.Listener {
	t.Helper()
	ln, err := tcp.Listen("127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// connect dials ln and returns both ends, closed when the test ends.
func connect(t *testing.T, ln *tcp.Listener, cfg *tcp.Config) (client net.Conn, server *net.TCPConn) {
	t.Helper()
	client, err := tcp.Dial(context.Background(), ln.Addr().String(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	stream, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stream.Close() })
	server, ok := stream.(*net.TCPConn)
	if !ok {
		t.Fatalf("Accept returned %T, want *net.TCPConn", stream)
	}
	return client, server
}

func TestRoundTripAndHalfClose(t *testing.T) {
	ln := listen(t, nil)
	client, server := connect(t, ln, nil)

	if server.RemoteAddr().String() != client.LocalAddr().String() {
		t.Errorf("server sees %s, client is %s", server.RemoteAddr(), client.LocalAddr())
	}
	payload := bytes.Repeat([]byte("request "), 100_000)
	go func() {
		client.Write(payload)
		client.(*net.TCPConn).CloseWrite()
	}()
	got, err := io.ReadAll(server)
	if err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("server read %d bytes, %v; want %d", len(got), err, len(payload))
	}
	// The half-closed client still reads the reply.
	server.Write([]byte("reply"))
	server.Close()
	got, err = io.ReadAll(client)
	if err != nil || string(got) != "reply" {
		t.Fatalf("client read %q, %v", got, err)
	}
}

func TestAcceptedStreamCapabilities(t *testing.T) {
	ln := listen(t, nil)
	client, err := tcp.Dial(context.Background(), ln.Addr().String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	stream, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	// What the core discovers by assertion.
	if _, ok := stream.(interface{ CloseWrite() error }); !ok {
		t.Error("stream has no CloseWrite")
	}
	if _, ok := stream.(interface{ SetReadDeadline(time.Time) error }); !ok {
		t.Error("stream has no SetReadDeadline")
	}
	if _, ok := stream.(interface{ RemoteAddr() net.Addr }); !ok {
		t.Error("stream has no RemoteAddr")
	}
}

func TestCloseEndsAccept(t *testing.T) {
	ln, err := tcp.Listen("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	result := make(chan error, 1)
	go func() {
		_, err := ln.Accept()
		result <- err
	}()
	time.Sleep(20 * time.Millisecond)
	ln.Close()
	select {
	case err := <-result:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("blocked Accept = %v, want net.ErrClosed", err)
		}
	case <-time.After(failAfter):
		t.Fatal("Close did not end a blocked Accept")
	}
	stream, err := ln.Accept()
	if !errors.Is(err, net.ErrClosed) || stream != nil {
		t.Fatalf("Accept after Close = %v, %v; want nil and net.ErrClosed", stream, err)
	}
}

func TestInvalidAddress(t *testing.T) {
	for _, address := range []string{"", "127.0.0.1", "localhost", "[::1", "1.2.3.4:5:6"} {
		if _, err := tcp.Listen(address, nil); !errors.Is(err, tcp.ErrInvalidAddress) {
			t.Errorf("Listen(%q) = %v, want ErrInvalidAddress", address, err)
		}
		if _, err := tcp.Dial(context.Background(), address, nil); !errors.Is(err, tcp.ErrInvalidAddress) {
			t.Errorf("Dial(%q) = %v, want ErrInvalidAddress", address, err)
		}
	}
}

// TestPortAloneSuggestsColon: "8080" is the commonest slip; the error
// gives the address meant.
func TestPortAloneSuggestsColon(t *testing.T) {
	_, err := tcp.Listen("8080", nil)
	if !errors.Is(err, tcp.ErrInvalidAddress) || !strings.Contains(err.Error(), `":8080" for every interface, "127.0.0.1:8080" for loopback only`) {
		t.Errorf("Listen(8080) = %v", err)
	}
	_, err = tcp.Listen("localhost", nil)
	if !strings.Contains(err.Error(), `want "host:port"`) {
		t.Errorf("Listen(localhost) = %v", err)
	}
}

func TestDialRefusedAndCancelled(t *testing.T) {
	ln, err := tcp.Listen("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	address := ln.Addr().String()
	ln.Close()
	if _, err := tcp.Dial(context.Background(), address, nil); err == nil {
		t.Fatal("Dial to a closed port succeeded")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := tcp.Dial(ctx, address, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("Dial with a cancelled context = %v", err)
	}
}

// responder is a test-only HTTP/1.1 server answering "METHOD PATH bodylen".
type responder struct {
	ln       *tcp.Listener
	wg       sync.WaitGroup
	accepted atomic.Int32
	mu       sync.Mutex
	conns    []io.Closer
}

func startResponder(t *testing.T, ln *tcp.Listener) *responder {
	r := &responder{ln: ln}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		for {
			c, err := ln.AcceptConn()
			if err != nil {
				return
			}
			r.accepted.Add(1)
			r.mu.Lock()
			r.conns = append(r.conns, c)
			r.mu.Unlock()
			r.wg.Add(1)
			go r.serve(c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		r.mu.Lock()
		for _, c := range r.conns {
			c.Close()
		}
		r.mu.Unlock()
		r.wg.Wait()
	})
	return r
}

func (r *responder) serve(c net.Conn) {
	defer r.wg.Done()
	defer c.Close()
	br := bufio.NewReader(c)
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		n, err := io.Copy(io.Discard, req.Body)
		if err != nil {
			return
		}
		answer := fmt.Sprintf("%s %s %d", req.Method, req.URL.Path, n)
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(answer), answer)
	}
}

func TestHTTPClientThroughTransport(t *testing.T) {
	ln := listen(t, nil)
	r := startResponder(t, ln)
	transport := tcp.Transport(ln.Addr().String(), nil)
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport}

	cases := []struct{ url, body, want string }{
		{"http://example.com/a", "", "GET /a 0"},
		{"http://app.internal:9/upload", "0123456789", "POST /upload 10"},
		{"http://anything/c", "", "GET /c 0"},
	}
	for _, tc := range append(cases, cases...) {
		var resp *http.Response
		var err error
		if tc.body == "" {
			resp, err = client.Get(tc.url)
		} else {
			resp, err = client.Post(tc.url, "text/plain", bytes.NewBufferString(tc.body))
		}
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || string(got) != tc.want {
			t.Errorf("%s: %s %q, %v; want %q", tc.url, resp.Status, got, err, tc.want)
		}
	}
	// http.Transport pools connections by URL host: one kept alive per host.
	if n := r.accepted.Load(); n != 3 {
		t.Errorf("requests to 3 hosts, each twice, used %d connections, want 3", n)
	}
}
