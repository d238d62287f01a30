package nethttp_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"

	"github.com/gorilla/websocket"
	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/nethttp"
	"github.com/tophat-go/tophat/transports/pipe"
)

// A ServeMux, patterns and all, served by tophat (here over an in-memory
// pipe; any transport's Listener does).
func ExampleHandler() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello/{name}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello, %s\n", r.PathValue("name"))
	})

	ln, err := pipe.Listen("", nil)
	if err != nil {
		panic(err)
	}
	srv := &core.Server{Handler: nethttp.Handler(mux)}
	go srv.Serve(ln)
	defer srv.Shutdown(context.Background())

	client := ln.Client()
	defer client.CloseIdleConnections()
	resp, err := client.Get("http://app/hello/gopher")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Print(resp.Status, " ", resp.ContentLength, " ", string(body))
	// Output: 200 OK 14 hello, gopher
}

// WebSocket from a native handler: the route hands its request to
// gorilla/websocket's Upgrader through Serve, which gives the Upgrader the
// hijackable ResponseWriter it needs; the connection it returns runs over
// the core's Upgraded stream, a net.Conn with the stream's deadlines.
func ExampleServe_websocket() {
	upgrader := websocket.Upgrader{}
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return // Upgrade has answered the client
		}
		defer conn.Close()
		for {
			kind, msg, err := conn.ReadMessage()
			if err != nil {
				return
			}
			conn.WriteMessage(kind, msg)
		}
	})
	app := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		if req.Path() == "/ws" {
			return nethttp.Serve(req, w, echo)
		}
		return w.SendString(404, "not found\n")
	})

	ln, err := pipe.Listen("", nil)
	if err != nil {
		panic(err)
	}
	srv := &core.Server{Handler: app}
	go srv.Serve(ln)
	defer srv.Shutdown(context.Background())

	name := ln.Addr().String()
	dialer := websocket.Dialer{NetDialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return pipe.Dial(ctx, name, nil)
	}}
	conn, _, err := dialer.Dial("ws://app/ws", nil)
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	conn.WriteMessage(websocket.TextMessage, []byte("ping over tophat"))
	_, msg, err := conn.ReadMessage()
	if err != nil {
		panic(err)
	}
	fmt.Println(string(msg))
	conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
	_, _, err = conn.ReadMessage()
	fmt.Println(websocket.IsCloseError(err, websocket.CloseNormalClosure))
	// Output:
	// ping over tophat
	// true
}

// A tophat handler mounted in an existing net/http server during a
// migration.
func ExampleHTTPHandler() {
	api := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		w.Header().Set("Content-Type", "text/plain")
		return w.SendString(200, "served by tophat at "+req.Path()+"\n")
	})
	mux := http.NewServeMux()
	mux.Handle("/api/", nethttp.HTTPHandler(api, nil))

	ts := httptest.NewServer(mux)
	defer ts.Close()
	resp, err := ts.Client().Get(ts.URL + "/api/notes")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Print(resp.Status, " ", string(body))
	// Output: 200 OK served by tophat at /api/notes
}
