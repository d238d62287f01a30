package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/gorilla/websocket"
	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/glitch"
	"github.com/tophat-go/tophat/core/jsonio"
	"github.com/tophat-go/tophat/core/nethttp"
	"github.com/tophat-go/tophat/core/router"
	"github.com/tophat-go/tophat/core/static"
)

const (
	// maxFrameBytes bounds one WebSocket message: the longest text in
	// UTF-8 with its JSON, and no more.
	maxFrameBytes = 8 << 10
	// writeWait bounds a write to a browser that stopped reading.
	writeWait = 10 * time.Second
)

// An incoming message, from the WebSocket or a POST.
type incoming struct {
	Name string `json:"name"`
	Text string `json:"text"`
}

type chat struct {
	room     *room
	upgrader websocket.Upgrader
}

// newHandler returns the chat's routes and a function that closes its
// room, which ends the event streams.
func newHandler() (core.Handler, func(), error) {
	rm, err := newRoom()
	if err != nil {
		return nil, nil, err
	}
	files, err := static.New(pageFS(), &static.Options{CacheControl: "no-cache"})
	if err != nil {
		return nil, nil, err
	}
	c := &chat{room: rm}
	// The Upgrader's default origin check refuses pages of other origins,
	// which browsers let open WebSockets anywhere with the user's cookies.
	c.upgrader = websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 1024}

	r := router.New()
	r.Handle("GET /{$}", files)
	r.Handle("GET /events", rm.events)
	r.HandleFunc("GET /ws", c.websocket)
	r.Handle("POST /messages", glitch.HandlerFunc(c.postMessage))
	return r, rm.close, nil
}

func (c *chat) postMessage(req *core.Request, w *core.ResponseWriter) (core.ResponseWritten, error) {
	var in incoming
	if err := jsonio.Decode(req, &in, &jsonio.DecodeOptions{MaxBytes: maxFrameBytes}); err != nil {
		return core.ResponseWritten{}, err
	}
	m, err := c.room.post(in.Name, in.Text)
	if errors.Is(err, errInvalidMessage) {
		return core.ResponseWritten{}, glitch.Unprocessable(err.Error())
	}
	if err != nil {
		return core.ResponseWritten{}, glitch.Internal(err)
	}
	return jsonio.Send(w, 201, m)
}

// websocket hands the request to gorilla/websocket's Upgrader through the
// net/http bridge; the connection then runs on the core's upgraded
// stream, over whatever transport the server listens on.
func (c *chat) websocket(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
	return nethttp.Serve(req, w, http.HandlerFunc(func(hw http.ResponseWriter, r *http.Request) {
		conn, err := c.upgrader.Upgrade(hw, r, nil)
		if err != nil {
			return // the Upgrader has answered
		}
		defer conn.Close()
		conn.SetReadLimit(maxFrameBytes)

		// The read loop below blocks; a server shutting down closes the
		// connection with "going away" so the handler ends and the page
		// knows to reconnect.
		// req is read here, on the handler's goroutine: its handles die
		// when the handler returns, before the goroutine below may run.
		shuttingDown, done := req.ShuttingDown(), make(chan struct{})
		defer close(done)
		go func() {
			select {
			case <-shuttingDown:
				conn.WriteControl(websocket.CloseMessage,
					websocket.FormatCloseMessage(websocket.CloseGoingAway, "server shutting down"), time.Now().Add(writeWait))
				conn.Close()
			case <-done:
			}
		}()

		for {
			_, frame, err := conn.ReadMessage()
			if err != nil {
				return // closed, gone, or over the read limit
			}
			var in incoming
			if json.Unmarshal(frame, &in) != nil {
				err = errors.New(`send {"name":"…","text":"…"}`)
			} else {
				_, err = c.room.post(in.Name, in.Text)
			}
			if err != nil {
				conn.SetWriteDeadline(time.Now().Add(writeWait))
				if conn.WriteJSON(map[string]string{"error": err.Error()}) != nil {
					return
				}
			}
		}
	}))
}
