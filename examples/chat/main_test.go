package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports/pipe"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type testServer struct {
	l      *pipe.Listener
	client *http.Client
}

func start(t *testing.T) *testServer {
	t.Helper()
	h, closeRoom, err := newHandler()
	if err != nil {
		t.Fatal(err)
	}
	l, err := pipe.Listen("", nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := &core.Server{Handler: h}
	go srv.Serve(l)
	client := l.Client()
	t.Cleanup(func() {
		closeRoom() // ends the event streams
		client.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
			srv.Close()
		}
	})
	return &testServer{l: l, client: client}
}

// events opens the event stream, after lastID if not empty, and returns
// a function that reads the next message from it.
func (s *testServer) events(t *testing.T, lastID string) func() Message {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://chat/events", nil)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	lines := bufio.NewScanner(resp.Body)
	return func() Message {
		t.Helper()
		var id, data string
		for lines.Scan() {
			line := lines.Text()
			switch {
			case strings.HasPrefix(line, "id: "):
				id = line[4:]
			case strings.HasPrefix(line, "data: "):
				data = line[6:]
			case line == "" && data != "":
				var m Message
				if err := json.Unmarshal([]byte(data), &m); err != nil {
					t.Fatalf("event data %q: %v", data, err)
				}
				if id != strings.TrimSpace(jsonNumber(m.ID)) {
					t.Fatalf("event id %q for message %d", id, m.ID)
				}
				return m
			}
		}
		t.Fatalf("event stream ended: %v", lines.Err())
		return Message{}
	}
}

func jsonNumber(n int64) string { b, _ := json.Marshal(n); return string(b) }

func (s *testServer) websocket(t *testing.T) *websocket.Conn {
	t.Helper()
	name := s.l.Addr().String()
	dialer := websocket.Dialer{NetDialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return pipe.Dial(ctx, name, nil)
	}}
	conn, resp, err := dialer.Dial("ws://chat/ws", nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	resp.Body.Close()
	t.Cleanup(func() { conn.Close() })
	return conn
}

func (s *testServer) post(t *testing.T, body string) (int, string) {
	t.Helper()
	resp, err := s.client.Post("http://chat/messages", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestPage(t *testing.T) {
	s := start(t)
	resp, err := s.client.Get("http://chat/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(string(body), `new EventSource("/events")`) {
		t.Fatalf("page: %d %s\n%.200s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if resp, err := s.client.Get("http://chat/index.html"); err != nil || resp.StatusCode != 404 {
		t.Errorf("only / serves the page: %v %v", resp.StatusCode, err)
	} else {
		resp.Body.Close()
	}
}

// TestWebSocketToEvents: a message sent over the WebSocket reaches every
// event stream, a newcomer gets the history, and a client that reconnects
// gets only what it missed.
func TestWebSocketToEvents(t *testing.T) {
	s := start(t)
	if code, body := s.post(t, `{"name":"ada","text":"first, by POST"}`); code != 201 {
		t.Fatalf("post: %d %s", code, body)
	}
	next := s.events(t, "")
	if m := next(); m.ID != 1 || m.Name != "ada" || m.Text != "first, by POST" {
		t.Fatalf("history: %+v", m)
	}

	ws := s.websocket(t)
	if err := ws.WriteJSON(incoming{Name: " bob ", Text: "second, over the WebSocket"}); err != nil {
		t.Fatal(err)
	}
	if m := next(); m.ID != 2 || m.Name != "bob" || m.Text != "second, over the WebSocket" || m.Time.IsZero() {
		t.Fatalf("live: %+v", m)
	}

	// Errors come back on the WebSocket, which stays open.
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	for _, bad := range []string{`{"name":"","text":"x"}`, `not json`, `{"name":"bob","text":"` + strings.Repeat("x", maxTextRunes+1) + `"}`} {
		if err := ws.WriteMessage(websocket.TextMessage, []byte(bad)); err != nil {
			t.Fatal(err)
		}
		var reply map[string]string
		if err := ws.ReadJSON(&reply); err != nil || reply["error"] == "" {
			t.Fatalf("reply to %.30q: %v %v", bad, reply, err)
		}
	}
	if err := ws.WriteJSON(incoming{Name: "bob", Text: "third"}); err != nil {
		t.Fatal(err)
	}
	if m := next(); m.ID != 3 || m.Text != "third" {
		t.Fatalf("after errors: %+v", m)
	}

	again := s.events(t, "2")
	if m := again(); m.ID != 3 {
		t.Fatalf("resumed after 2 with %+v", m)
	}

	// A frame over the limit ends the connection.
	ws.WriteMessage(websocket.TextMessage, make([]byte, maxFrameBytes+1))
	if _, _, err := ws.ReadMessage(); err == nil {
		t.Error("an oversized frame did not end the connection")
	}
}

func TestPostRefused(t *testing.T) {
	s := start(t)
	for body, want := range map[string]int{
		`{"name":"ada"}`:                 422,
		`{"name":"   ","text":"spaces"}`: 422,
		`{"name":"ada","text":`:          400,
		`{"name":"` + strings.Repeat("n", maxNameRunes+1) + `","text":"x"}`: 422,
	} {
		if code, resp := s.post(t, body); code != want {
			t.Errorf("%.40s: %d %s, want %d", body, code, resp, want)
		}
	}
}

// TestHistoryBounded: the room keeps the last historySize messages.
func TestHistoryBounded(t *testing.T) {
	r, err := newRoom()
	if err != nil {
		t.Fatal(err)
	}
	defer r.close()
	for range historySize + 5 {
		if _, err := r.post("ada", "x"); err != nil {
			t.Fatal(err)
		}
	}
	if len(r.history) != historySize || r.history[0].ID != 6 || r.history[historySize-1].ID != historySize+5 {
		t.Fatalf("history of %d from %d", len(r.history), r.history[0].ID)
	}
}

// TestShutdownEndsWebSocket: a server shutting down closes its WebSockets
// with "going away", so Shutdown does not wait for browsers to leave.
func TestShutdownEndsWebSocket(t *testing.T) {
	h, closeRoom, err := newHandler()
	if err != nil {
		t.Fatal(err)
	}
	defer closeRoom()
	l, err := pipe.Listen("", nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := &core.Server{Handler: h}
	go srv.Serve(l)
	s := &testServer{l: l, client: l.Client()}
	ws := s.websocket(t)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		srv.Close()
		t.Fatalf("shutdown: %v", err)
	}
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, _, err = ws.ReadMessage()
	if !websocket.IsCloseError(err, websocket.CloseGoingAway) {
		t.Fatalf("read after shutdown: %v", err)
	}
}
