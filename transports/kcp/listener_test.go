package kcp_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	kcpgo "github.com/xtaci/kcp-go/v5"

	"github.com/tophat-go/tophat/transports/kcp"
)

// silence is how long a test waits to be sure nothing answers.
const silence = 300 * time.Millisecond

func currEstab() uint64 { return kcpgo.DefaultSnmp.Copy().CurrEstab }

// exchange sends msg from one end, reads it at the other, and answers it
// with reply: both sessions must still carry data both ways.
func exchange(t *testing.T, client, server net.Conn, msg, reply string) {
	t.Helper()
	for _, c := range []net.Conn{client, server} {
		if err := c.SetDeadline(time.Now().Add(testDeadline)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := io.WriteString(client, msg); err != nil {
		t.Fatalf("client write: %v", err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(server, got); err != nil || string(got) != msg {
		t.Fatalf("server read %q, %v; want %q", got, err, msg)
	}
	if _, err := io.WriteString(server, reply); err != nil {
		t.Fatalf("server write: %v", err)
	}
	got = make([]byte, len(reply))
	if _, err := io.ReadFull(client, got); err != nil || string(got) != reply {
		t.Fatalf("client read %q, %v; want %q", got, err, reply)
	}
}

// acceptFrom accepts the next session and checks that it is client's.
func acceptFrom(t *testing.T, ln *kcp.Listener, client net.Conn) *kcp.Conn {
	t.Helper()
	c, err := ln.AcceptConn()
	if err != nil {
		t.Fatal(err)
	}
	if c.RemoteAddr().String() != client.LocalAddr().String() {
		t.Fatalf("accepted a session from %v, want %v", c.RemoteAddr(), client.LocalAddr())
	}
	return c
}

// dialQuiet dials a session that will never be answered usefully: closing
// it must not linger.
func dialQuiet(t *testing.T, address string) net.Conn {
	t.Helper()
	return dial(t, address, &kcp.Config{Linger: -1})
}

func TestCloseKeepsAcceptedSessions(t *testing.T) {
	checkGoroutines := noNewGoroutines(t)
	baseline := currEstab()
	ln, err := kcp.Listen("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr()

	// Two sessions accepted, three that reached kcp-go but were not.
	var clients []net.Conn
	var accepted []*kcp.Conn
	for i := range 2 {
		c := dialQuiet(t, addr.String())
		if _, err := fmt.Fprintf(c, "hello %d", i); err != nil {
			t.Fatal(err)
		}
		s := acceptFrom(t, ln, c)
		buf := make([]byte, len("hello 0"))
		if _, err := io.ReadFull(s, buf); err != nil {
			t.Fatal(err)
		}
		clients, accepted = append(clients, c), append(accepted, s)
	}
	for i := range 3 {
		c := dialQuiet(t, addr.String())
		if _, err := fmt.Fprintf(c, "queued %d", i); err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
	}
	// Every client plus a server session for each.
	eventually(t, 5*time.Second, "queued sessions to exist", func() bool { return currEstab() == baseline+10 })

	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := ln.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after Close = %v, want net.ErrClosed", err)
	}
	if err := ln.Close(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("second Close = %v, want net.ErrClosed", err)
	}
	// The three unaccepted server sessions are gone.
	eventually(t, 5*time.Second, "unaccepted sessions to close", func() bool { return currEstab() == baseline+7 })
	if n := ln.Sessions(); n != 2 {
		t.Errorf("Sessions after Close = %d, want 2", n)
	}

	// Accepted sessions still carry data both ways.
	exchange(t, clients[0], accepted[0], "after close 0", "reply 0")
	exchange(t, clients[1], accepted[1], "after close 1", "reply 1")

	// A new peer is not served: nothing is created for it, nothing answers.
	late := dialQuiet(t, addr.String())
	if _, err := late.Write([]byte("anyone?")); err != nil {
		t.Fatal(err)
	}
	if err := late.SetReadDeadline(time.Now().Add(silence)); err != nil {
		t.Fatal(err)
	}
	if n, err := late.Read(make([]byte, 64)); n != 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Read on a session dialled after Close = %d, %v; want silence", n, err)
	}
	if got := currEstab(); got != baseline+8 { // the late client's own session only
		t.Errorf("kcp-go reports %d sessions, want %d: a session was opened for a dial after Close", got, baseline+8)
	}

	// The socket outlives the first session to end, not the last.
	if err := accepted[0].Close(); err != nil {
		t.Fatal(err)
	}
	if n := ln.Sessions(); n != 1 {
		t.Errorf("Sessions = %d, want 1", n)
	}
	if portFree(addr) {
		t.Fatal("socket closed while an accepted session is open")
	}
	exchange(t, clients[1], accepted[1], "still there", "yes")

	if err := accepted[1].Close(); err != nil {
		t.Fatal(err)
	}
	if n := ln.Sessions(); n != 0 {
		t.Errorf("Sessions = %d, want 0", n)
	}
	if !portFree(addr) {
		t.Error("socket still open after the last accepted session closed")
	}
	if err := ln.Abort(); err != nil {
		t.Errorf("Abort after everything closed = %v", err)
	}

	for _, c := range append(clients, late) {
		_ = c.Close()
	}
	if got := currEstab(); got != baseline {
		t.Errorf("kcp-go reports %d established sessions, want %d: sessions leaked", got, baseline)
	}
	checkGoroutines()
}

func TestAbortClosesSessions(t *testing.T) {
	checkGoroutines := noNewGoroutines(t)
	baseline := currEstab()
	ln, err := kcp.Listen("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr()

	var clients []net.Conn
	for i := range 5 {
		c := dialQuiet(t, addr.String())
		if _, err := fmt.Fprintf(c, "client %d", i); err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
	}
	// Accept only two; three stay queued inside kcp-go.
	var accepted []net.Conn
	for range 2 {
		c, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		accepted = append(accepted, c.(net.Conn))
	}
	if n := ln.Sessions(); n != 2 {
		t.Fatalf("Sessions = %d, want 2", n)
	}

	// A Read blocked on an accepted session must end when the listener is
	// aborted.
	readErr := make(chan error, 1)
	go func() {
		buf := make([]byte, 64)
		for {
			if _, err := accepted[0].Read(buf); err != nil {
				readErr <- err
				return
			}
		}
	}()
	if err := ln.Abort(); err != nil {
		t.Fatal(err)
	}
	if err := <-readErr; !errors.Is(err, net.ErrClosed) {
		t.Errorf("blocked Read after Abort = %v, want net.ErrClosed", err)
	}
	if _, err := accepted[1].Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Write on a session of an aborted listener = %v, want net.ErrClosed", err)
	}
	if _, err := ln.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after Abort = %v, want net.ErrClosed", err)
	}
	if err := ln.Close(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Close after Abort = %v, want net.ErrClosed", err)
	}
	if n := ln.Sessions(); n != 0 {
		t.Errorf("Sessions after Abort = %d", n)
	}
	if !portFree(addr) {
		t.Error("socket still open after Abort returned")
	}
	for _, c := range append(accepted, clients...) {
		_ = c.Close()
	}
	// Abort has returned, so the queued sessions are closed by now.
	if got := currEstab(); got != baseline {
		t.Errorf("kcp-go reports %d established sessions, want %d: queued sessions leaked", got, baseline)
	}
	checkGoroutines()
}

// Abort cuts short what a Close left running.
func TestAbortAfterClose(t *testing.T) {
	ln, err := kcp.Listen("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	client := dialQuiet(t, ln.Addr().String())
	if _, err := client.Write([]byte("hi")); err != nil {
		t.Fatal(err)
	}
	server := acceptFrom(t, ln, client)
	if _, err := io.ReadFull(server, make([]byte, 2)); err != nil {
		t.Fatal(err)
	}
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	exchange(t, client, server, "x", "y")
	if err := ln.Abort(); err != nil {
		t.Fatal(err)
	}
	if _, err := server.Write([]byte("z")); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Write after Abort = %v, want net.ErrClosed", err)
	}
	if !portFree(ln.Addr()) {
		t.Error("socket still open after Abort returned")
	}
	if err := ln.Abort(); err != nil {
		t.Errorf("second Abort = %v", err)
	}
	if err := server.Close(); err != nil {
		t.Errorf("first Close of an aborted session = %v, want nil", err)
	}
}

// A session Close left running whose peer vanishes still ends, at the idle
// timeout, and takes the socket with it.
func TestCloseThenIdleTimeoutClosesSocket(t *testing.T) {
	checkGoroutines := noNewGoroutines(t)
	ln, err := kcp.Listen("127.0.0.1:0", &kcp.Config{IdleTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	client := dialQuiet(t, ln.Addr().String())
	if _, err := client.Write([]byte("hi")); err != nil {
		t.Fatal(err)
	}
	server := acceptFrom(t, ln, client)
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	if err := client.Close(); err != nil { // vanishes without a word
		t.Fatal(err)
	}
	if err := server.SetReadDeadline(time.Now().Add(testDeadline)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 8)
	if _, err := io.ReadFull(server, buf[:2]); err != nil {
		t.Fatal(err)
	}
	if _, err := server.Read(buf); !errors.Is(err, kcp.ErrIdleTimeout) {
		t.Fatalf("Read = %v, want ErrIdleTimeout", err)
	}
	eventually(t, 5*time.Second, "Sessions() == 0", func() bool { return ln.Sessions() == 0 })
	if !portFree(ln.Addr()) {
		t.Error("socket still open after the last session timed out")
	}
	_ = server.Close()
	checkGoroutines()
}

// The shape of a graceful HTTP shutdown: a request in its handler when the
// listener closes still gets its response.
func TestCloseFinishesRequestInFlight(t *testing.T) {
	checkGoroutines := noNewGoroutines(t)
	ln, err := kcp.Listen("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	inHandler, release := make(chan struct{}), make(chan struct{})
	served := make(chan error, 1)
	go func() {
		c, err := ln.AcceptConn()
		if err != nil {
			served <- err
			return
		}
		req, err := http.ReadRequest(bufio.NewReader(c))
		if err != nil {
			_ = c.Close()
			served <- err
			return
		}
		close(inHandler)
		<-release
		body := "finished " + req.URL.Path
		_, err = fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
		// Close lingers until the response is acknowledged, which needs the
		// client still there: it stays until served reports.
		if cerr := c.Close(); err == nil {
			err = cerr
		}
		served <- err
	}()

	tr := kcp.Transport(ln.Addr().String(), nil)
	defer tr.CloseIdleConnections()
	type result struct {
		body string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		res, err := (&http.Client{Transport: tr, Timeout: testDeadline}).Get("http://kcp/slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		b, err := io.ReadAll(res.Body)
		_ = res.Body.Close()
		got <- result{string(b), err}
	}()

	<-inHandler
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	close(release)
	r := <-got
	if r.err != nil || r.body != "finished /slow" {
		t.Fatalf("response %q, %v; want %q", r.body, r.err, "finished /slow")
	}
	if err := <-served; err != nil {
		t.Fatalf("server: %v", err)
	}
	// The handler's Close has returned: the last session is gone, and with
	// it the socket.
	if n := ln.Sessions(); n != 0 {
		t.Errorf("Sessions = %d after the handler closed its stream", n)
	}
	if !portFree(ln.Addr()) {
		t.Error("socket still open after the handler closed its stream")
	}
	tr.CloseIdleConnections()
	checkGoroutines()
}

func TestCloseWithoutSessionsClosesSocket(t *testing.T) {
	checkGoroutines := noNewGoroutines(t)
	ln, err := kcp.Listen("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	if !portFree(ln.Addr()) {
		t.Error("socket still open after Close returned")
	}
	checkGoroutines()

	// Dialling the closed port fails at once: nothing listens there.
	c, err := kcp.Dial(context.Background(), ln.Addr().String(), &kcp.Config{Linger: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := c.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Read = %v, want the ICMP error of a closed port", err)
	}
}
