package integration

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/nethttp"
)

// wsMessages is how many messages each WebSocket test sends and reads back.
const wsMessages = 1000

// TestWebSocket runs gorilla/websocket over every row of the transport
// table, once through the net/http bridge (the whole server is a net/http
// handler) and once natively (a core handler hands its route to the
// Upgrader with nethttp.Serve).
func TestWebSocket(t *testing.T) {
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			for _, path := range []string{"/bridge", "/native"} {
				t.Run(path[1:], func(t *testing.T) { testWebSocket(t, r, path) })
			}
		})
	}
}

// wsEcho echoes every message back as it came, until the client closes.
// gorilla answers pings and the client's close frame while it reads.
func wsEcho(w http.ResponseWriter, r *http.Request) {
	up := websocket.Upgrader{ReadBufferSize: 4096, WriteBufferSize: 4096}
	conn, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer conn.Close()
	conn.SetReadLimit(1 << 20)
	for {
		kind, msg, err := conn.ReadMessage()
		if err != nil {
			return
		}
		if err := conn.WriteMessage(kind, msg); err != nil {
			return
		}
	}
}

// wsHandler serves /bridge through nethttp.Handler and /native from a core
// handler; it counts the handlers still running, so the test sees the
// server end every stream it took over.
func wsHandler(running *sync.WaitGroup) core.Handler {
	bridged := nethttp.Handler(http.HandlerFunc(wsEcho))
	return core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		running.Add(1)
		defer running.Done()
		switch req.Path() {
		case "/bridge":
			return bridged.Serve(req, w)
		case "/native":
			return nethttp.Serve(req, w, http.HandlerFunc(wsEcho))
		}
		return w.SendString(404, "no route")
	})
}

// wsMessage returns message i: mostly small, text and binary in turn,
// with the frame length encodings' edges and a few large ones.
func wsMessage(i int) (kind int, msg []byte) {
	sizes := []int{0, 1, 17, 125, 126, 127, 1000, 65535, 65536}
	n := sizes[i%len(sizes)]
	if i%100 == 99 {
		n = 200 << 10
	}
	if n >= 65535 && i%3 != 0 {
		n = 300 // keep the total modest on the slow rows
	}
	kind = websocket.BinaryMessage
	if i%2 == 0 {
		kind = websocket.TextMessage
	}
	msg = make([]byte, n)
	for j := range msg {
		msg[j] = 'a' + byte((i+j)%26)
	}
	return kind, msg
}

func testWebSocket(t *testing.T, r row, path string) {
	ep := r.listen(t)
	var running sync.WaitGroup
	srv := &core.Server{Handler: wsHandler(&running)}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ep.ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), shutdownWait)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			srv.Close()
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-served; !errors.Is(err, core.ErrServerClosed) {
			t.Errorf("Serve returned %v", err)
		}
		if ep.sessions != nil {
			if n := ep.sessions(); n != 0 {
				t.Errorf("%d KCP sessions still open", n)
			}
		}
	})

	d := websocket.Dialer{
		// ep.dial is already TLS on the TLS rows, so the URL stays ws://.
		NetDialContext:   func(ctx context.Context, _, _ string) (net.Conn, error) { return ep.dial(ctx) },
		HandshakeTimeout: smallTimeout,
	}
	conn, resp, err := d.Dial("ws://tophat.test"+path, nil)
	if err != nil {
		t.Fatalf("dial: %v (response %v)", err, resp)
	}
	defer conn.Close()
	conn.SetReadLimit(1 << 20)
	if err := conn.SetReadDeadline(time.Now().Add(bigTimeout)); err != nil {
		t.Fatal(err)
	}

	// Write on one goroutine while this one reads, as a real client does;
	// in lockstep, KCP's timers would dominate.
	werr := make(chan error, 1)
	go func() {
		for i := range wsMessages {
			kind, msg := wsMessage(i)
			if err := conn.WriteMessage(kind, msg); err != nil {
				werr <- fmt.Errorf("message %d: %w", i, err)
				return
			}
		}
		werr <- nil
	}()
	for i := range wsMessages {
		kind, msg := wsMessage(i)
		gotKind, got, err := conn.ReadMessage()
		if err != nil {
			t.Fatalf("echo %d: %v", i, err)
		}
		if gotKind != kind || !bytes.Equal(got, msg) {
			t.Fatalf("echo %d: kind %d, %d bytes; want kind %d, %d bytes", i, gotKind, len(got), kind, len(msg))
		}
	}
	if err := <-werr; err != nil {
		t.Fatal(err)
	}

	// Ping: the pong is handled while the next echo is read.
	pong := make(chan string, 1)
	conn.SetPongHandler(func(data string) error { pong <- data; return nil })
	if err := conn.WriteControl(websocket.PingMessage, []byte("are you there"), time.Now().Add(smallTimeout)); err != nil {
		t.Fatal(err)
	}
	if err := conn.WriteMessage(websocket.TextMessage, []byte("after ping")); err != nil {
		t.Fatal(err)
	}
	if _, got, err := conn.ReadMessage(); err != nil || string(got) != "after ping" {
		t.Fatalf("echo after ping: %q, %v", got, err)
	}
	select {
	case got := <-pong:
		if got != "are you there" {
			t.Errorf("pong %q", got)
		}
	default:
		t.Error("no pong arrived before the echo that followed the ping")
	}

	// A clean close: the server answers the close frame and ends.
	closing := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "done")
	if err := conn.WriteControl(websocket.CloseMessage, closing, time.Now().Add(smallTimeout)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := conn.ReadMessage(); !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
		t.Fatalf("after the close frame: %v, want the server's normal closure", err)
	}
	conn.Close()
	ended := make(chan struct{})
	go func() { running.Wait(); close(ended) }()
	select {
	case <-ended:
	case <-time.After(smallTimeout):
		t.Fatal("the server's WebSocket handler did not end after the close")
	}
}
