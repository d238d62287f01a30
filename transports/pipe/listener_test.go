package pipe_test

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/tophat-go/tophat/transports/pipe"
)

func listen(t *testing.T, name string, cfg *pipe.Config) *pipe.Listener {
	t.Helper()
	ln, err := pipe.Listen(name, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

func TestListenerRoundTrip(t *testing.T) {
	ln := listen(t, "roundtrip", nil)
	if ln.Addr().Network() != "pipe" || ln.Addr().String() != "roundtrip" {
		t.Fatalf("Addr = %s %s", ln.Addr().Network(), ln.Addr())
	}
	client, err := pipe.Dial(context.Background(), "roundtrip", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	stream, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	server := stream.(net.Conn)
	if server.RemoteAddr().String() != "roundtrip" || client.LocalAddr().String() != "roundtrip" {
		t.Errorf("addresses %s, %s", server.RemoteAddr(), client.LocalAddr())
	}

	client.Write([]byte("ping"))
	client.(*pipe.Conn).CloseWrite()
	got, err := io.ReadAll(server)
	if err != nil || string(got) != "ping" {
		t.Fatalf("server read %q, %v", got, err)
	}
	server.Write([]byte("pong"))
	server.Close()
	got, err = io.ReadAll(client)
	if err != nil || string(got) != "pong" {
		t.Fatalf("client read %q, %v", got, err)
	}
}

func TestListenNameInUseAndReuse(t *testing.T) {
	ln, err := pipe.Listen("reuse", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pipe.Listen("reuse", nil); !errors.Is(err, pipe.ErrNameInUse) {
		t.Fatalf("second Listen = %v, want ErrNameInUse", err)
	}
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	if err := ln.Close(); err != nil {
		t.Fatalf("second Close = %v", err)
	}
	if _, err := pipe.Dial(context.Background(), "reuse", nil); !errors.Is(err, pipe.ErrNoListener) {
		t.Fatalf("Dial to a closed listener = %v, want ErrNoListener", err)
	}
	// The name is free again, and the new listener is the one dialed.
	again := listen(t, "reuse", nil)
	c, err := pipe.Dial(context.Background(), "reuse", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := again.Accept()
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	// Closing the old listener again must not unregister the new one.
	ln.Close()
	if _, err := pipe.Dial(context.Background(), "reuse", nil); err != nil {
		t.Fatalf("Dial after closing the old listener again: %v", err)
	}
}

func TestListenUnnamed(t *testing.T) {
	a := listen(t, "", nil)
	b := listen(t, "", nil)
	if a.Addr().String() == "" || a.Addr().String() == b.Addr().String() {
		t.Fatalf("unnamed listeners got %q and %q", a.Addr(), b.Addr())
	}
	c, err := pipe.Dial(context.Background(), b.Addr().String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}

func TestDialUnknownName(t *testing.T) {
	_, err := pipe.Dial(context.Background(), "nobody-listens-here", nil)
	if !errors.Is(err, pipe.ErrNoListener) {
		t.Fatalf("Dial = %v, want ErrNoListener", err)
	}
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "dial" {
		t.Fatalf("Dial error %#v is not a dial *net.OpError", err)
	}
}

func TestDialCancelledContext(t *testing.T) {
	listen(t, "cancelled", nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := pipe.Dial(ctx, "cancelled", nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("Dial = %v, want context.Canceled", err)
	}
}

func TestCloseEndsAccept(t *testing.T) {
	ln, err := pipe.Listen("accept-close", nil)
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
	if _, err := ln.AcceptConn(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept after Close = %v, want net.ErrClosed", err)
	}
}

func TestBacklog(t *testing.T) {
	ln := listen(t, "backlog", &pipe.Config{Backlog: 2})
	ctx := context.Background()

	// Dial completes without Accept while the queue has room.
	var clients []net.Conn
	for range 2 {
		c, err := pipe.Dial(ctx, "backlog", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		clients = append(clients, c)
	}
	// A client can even write its request before it is accepted.
	clients[0].Write([]byte("early"))

	// The queue is full: Dial waits, until its context gives up.
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := pipe.Dial(short, "backlog", nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Dial to a full queue = %v, want context.DeadlineExceeded", err)
	}

	// A waiting Dial completes once Accept makes room.
	dialed := make(chan error, 1)
	go func() {
		c, err := pipe.Dial(ctx, "backlog", nil)
		if err == nil {
			c.Close()
		}
		dialed <- err
	}()
	first, err := ln.AcceptConn()
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	buf := make([]byte, 5)
	if _, err := io.ReadFull(first, buf); err != nil || string(buf) != "early" {
		t.Fatalf("accepted in order? read %q, %v", buf, err)
	}
	if err := <-dialed; err != nil {
		t.Fatalf("Dial after Accept made room: %v", err)
	}

	// Closing the listener closes what is still queued: the dialer reads EOF.
	ln.Close()
	if _, err := clients[1].Read(buf); err != io.EOF {
		t.Fatalf("queued client read %v, want io.EOF", err)
	}
}

func TestListenerCloseEndsWaitingDial(t *testing.T) {
	ln, err := pipe.Listen("full", &pipe.Config{Backlog: 1})
	if err != nil {
		t.Fatal(err)
	}
	c, err := pipe.Dial(context.Background(), "full", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	dialed := make(chan error, 1)
	go func() {
		_, err := pipe.Dial(context.Background(), "full", nil)
		dialed <- err
	}()
	time.Sleep(20 * time.Millisecond)
	ln.Close()
	select {
	case err := <-dialed:
		if !errors.Is(err, pipe.ErrNoListener) {
			t.Fatalf("waiting Dial = %v, want ErrNoListener", err)
		}
	case <-time.After(failAfter):
		t.Fatal("listener Close did not end a waiting Dial")
	}
}

// Each end's BufferSize is its receive buffer: the listener's governs what
// clients send, the dialer's what the server sends back.
func TestBufferSizePerSide(t *testing.T) {
	ln := listen(t, "sizes", &pipe.Config{BufferSize: 16})
	client, err := pipe.Dial(context.Background(), "sizes", &pipe.Config{BufferSize: 8})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	server, err := ln.AcceptConn()
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()

	for _, tc := range []struct {
		name string
		c    net.Conn
		room int
	}{{"client", client, 16}, {"server", server, 8}} {
		tc.c.SetWriteDeadline(time.Now().Add(20 * time.Millisecond))
		n, err := tc.c.Write(make([]byte, 100))
		if n != tc.room || !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("%s wrote %d, %v; want %d and a timeout", tc.name, n, err, tc.room)
		}
	}
}
