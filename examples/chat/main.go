// Command chat is a chat room for browsers: open it in two windows and
// talk.
//
//	go run ./examples/chat                                  # http://127.0.0.1:8080/
//	go run ./examples/chat -listen tls+tcp://127.0.0.1:8443 # https, development certificate
//
// The page (page/index.html, embedded in the binary) sends messages over a
// WebSocket (gorilla/websocket through core/nethttp) and receives the
// room's history and every new message as server-sent events (core/sse).
// A browser that reconnects its event stream sends the id of the last
// message it saw and receives only what it missed.
//
//	GET  /          the page
//	GET  /ws        WebSocket: send {"name":"…","text":"…"}; errors come back as {"error":"…"}
//	GET  /events    text/event-stream: one event per message, its id the message's number
//	POST /messages  the same JSON as the WebSocket takes, for scripts and curl
//
//	curl -N localhost:8080/events &
//	curl -d '{"name":"curl","text":"hello"}' -H 'Content-Type: application/json' localhost:8080/messages
package main

import (
	"context"
	"embed"
	"io/fs"

	"github.com/tophat-go/tophat/examples/internal/serve"
)

//go:embed page
var page embed.FS

func main() {
	serve.Command("chat", func(ctx context.Context, address, devCert string, quiet bool) error {
		h, closeRoom, err := newHandler()
		if err != nil {
			return err
		}
		defer closeRoom()
		return serve.Run(ctx, "chat", address, devCert, serve.Logged(h, quiet))
	})
}

// pageFS is the embedded page, rooted at the page folder.
func pageFS() fs.FS {
	sub, err := fs.Sub(page, "page")
	if err != nil {
		panic(err) // the folder is embedded above: a broken build, not input
	}
	return sub
}
