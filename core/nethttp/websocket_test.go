package nethttp_test

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/nethttp"
	"github.com/tophat-go/tophat/transports/pipe"
)

// echoWS upgrades with gorilla/websocket and echoes messages, upper-cased,
// until the client closes.
func echoWS(w http.ResponseWriter, r *http.Request) {
	up := websocket.Upgrader{}
	conn, err := up.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade has answered
	}
	defer conn.Close()
	for {
		kind, msg, err := conn.ReadMessage()
		if err != nil {
			return
		}
		if err := conn.WriteMessage(kind, []byte(strings.ToUpper(string(msg)))); err != nil {
			return
		}
	}
}

// wsDial opens a WebSocket to path on the pipe Listener named name.
func wsDial(t *testing.T, name, path string) *websocket.Conn {
	t.Helper()
	d := websocket.Dialer{
		NetDialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return pipe.Dial(ctx, name, nil)
		},
		HandshakeTimeout: testTimeout,
	}
	conn, resp, err := d.Dial("ws://ws.test"+path, nil)
	if err != nil {
		if resp != nil {
			t.Fatalf("dial: %v (status %d)", err, resp.StatusCode)
		}
		t.Fatalf("dial: %v", err)
	}
	return conn
}

// roundTrip sends a few messages and checks their echoes, then closes
// cleanly.
func roundTrip(t *testing.T, conn *websocket.Conn) {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(testTimeout))
	for i, msg := range []string{"hello", strings.Repeat("x", 70000), ""} {
		kind := websocket.TextMessage
		if i%2 == 1 {
			kind = websocket.BinaryMessage
		}
		if err := conn.WriteMessage(kind, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		gotKind, got, err := conn.ReadMessage()
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if gotKind != kind || string(got) != strings.ToUpper(msg) {
			t.Fatalf("message %d: got kind %d, %d bytes", i, gotKind, len(got))
		}
	}
	closeCleanly(t, conn)
}

// closeCleanly sends a close frame and waits for the server's.
func closeCleanly(t *testing.T, conn *websocket.Conn) {
	t.Helper()
	msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye")
	if err := conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(testTimeout)); err != nil {
		t.Fatal(err)
	}
	_, _, err := conn.ReadMessage()
	if !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
		t.Fatalf("after close: %v, want the server's normal closure", err)
	}
	conn.Close()
}

func TestWebSocketThroughBridge(t *testing.T) {
	rs := &receipts{}
	s := serve(t, rs.wrap(nethttp.Handler(http.HandlerFunc(echoWS))))
	roundTrip(t, wsDial(t, s.ln.Addr().String(), "/"))
	if r := rs.nth(t, 1); r.IsZero() {
		t.Error("the bridged upgrade returned a zero receipt")
	}
}

func TestWebSocketNative(t *testing.T) {
	// A native router answers the other routes; one route hands its
	// request to gorilla through Serve.
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		if req.Path() == "/ws" {
			return nethttp.Serve(req, w, http.HandlerFunc(echoWS))
		}
		return w.SendString(404, "no route")
	})
	s := serve(t, h)
	roundTrip(t, wsDial(t, s.ln.Addr().String(), "/ws"))
	resp, body := s.get(t, "http://x/ws") // no Upgrade: gorilla answers 400
	if resp.StatusCode != 400 {
		t.Fatalf("plain GET of the WebSocket route: %d %q", resp.StatusCode, body)
	}
}

func TestWebSocketThroughReverseProxy(t *testing.T) {
	proxy := proxyTo(t, nethttp.Handler(http.HandlerFunc(echoWS)))
	s := serve(t, nethttp.Handler(proxy))
	conn := wsDial(t, s.ln.Addr().String(), "/")
	roundTrip(t, conn)
}

func TestWebSocketPingPong(t *testing.T) {
	s := serve(t, nethttp.Handler(http.HandlerFunc(echoWS)))
	conn := wsDial(t, s.ln.Addr().String(), "/")
	pong := make(chan string, 1)
	conn.SetPongHandler(func(data string) error { pong <- data; return nil })
	if err := conn.WriteControl(websocket.PingMessage, []byte("p1"), time.Now().Add(testTimeout)); err != nil {
		t.Fatal(err)
	}
	// Pongs are handled while reading: an echo makes the read return.
	conn.WriteMessage(websocket.TextMessage, []byte("after ping"))
	conn.SetReadDeadline(time.Now().Add(testTimeout))
	if _, msg, err := conn.ReadMessage(); err != nil || string(msg) != "AFTER PING" {
		t.Fatalf("echo: %q, %v", msg, err)
	}
	select {
	case got := <-pong:
		if got != "p1" {
			t.Errorf("pong %q", got)
		}
	default:
		t.Error("no pong before the echo")
	}
	closeCleanly(t, conn)
}
