package core_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports/pipe"
)

// ServeConn serves a single stream on the calling goroutine; here the
// stream is an in-memory pipe and the client writes raw HTTP/1.1.
func ExampleServeConn() {
	server, client := pipe.New(nil)
	hello := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		w.Header().Set("Content-Type", "text/plain")
		return w.SendString(200, "Hello, World!")
	})
	done := make(chan error)
	go func() { done <- core.ServeConn(server, hello, nil) }()

	io.WriteString(client, "GET / HTTP/1.1\r\nHost: example\r\nConnection: close\r\n\r\n")
	resp, _ := http.ReadResponse(bufio.NewReader(client), nil)
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.Status, string(body))
	fmt.Println("ServeConn returned", <-done)
	// Output:
	// 200 OK Hello, World!
	// ServeConn returned <nil>
}

// A Server accepts streams from any Listener; Go's own HTTP client reaches
// one on an in-memory listener without a socket.
func ExampleServer() {
	l, _ := pipe.Listen("", nil)
	srv := &core.Server{Handler: core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return w.SendString(200, "path "+req.Path())
	})}
	go srv.Serve(l)
	defer srv.Close()

	c := l.Client()
	resp, _ := c.Get("http://app/greeting")
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	c.CloseIdleConnections()
	fmt.Println(string(body))
	// Output: path /greeting
}

// A handler's ResponseWritten tells a middleware what went on the wire.
func ExampleResponseWritten() {
	measure := func(next core.Handler) core.Handler {
		return core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
			rw := next.Serve(req, w)
			fmt.Println("status", rw.Status(), "body bytes", rw.BodyBytes(), "error", rw.Err())
			return rw
		})
	}
	h := core.Chain(core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return w.SendString(404, "no such page")
	}), measure)

	server, client := pipe.New(nil)
	done := make(chan error)
	go func() { done <- core.ServeConn(server, h, nil) }()
	io.WriteString(client, "GET /missing HTTP/1.1\r\nHost: example\r\nConnection: close\r\n\r\n")
	resp, _ := http.ReadResponse(bufio.NewReader(client), nil)
	resp.Body.Close()
	<-done
	// Output: status 404 body bytes 12 error <nil>
}

// A BodyWriter sends a body piece by piece, chunked on HTTP/1.1, with
// trailers after the last chunk.
func ExampleResponseWriter_Begin() {
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		w.Header().Set("Trailer", "X-Lines")
		s := w.Begin(200)
		for i := 1; i <= 3; i++ {
			fmt.Fprintf(s, "line %d\n", i)
			s.Flush()
		}
		s.Trailer().Set("X-Lines", "3")
		return s.Finish()
	})
	server, client := pipe.New(nil)
	go core.ServeConn(server, h, nil)
	io.WriteString(client, "GET / HTTP/1.1\r\nHost: example\r\n\r\n")
	resp, _ := http.ReadResponse(bufio.NewReader(client), nil)
	body, _ := io.ReadAll(resp.Body)
	client.Close()
	fmt.Print(string(body))
	fmt.Println(resp.TransferEncoding, "X-Lines:", resp.Trailer.Get("X-Lines"))
	// Output:
	// line 1
	// line 2
	// line 3
	// [chunked] X-Lines: 3
}

// AccessLog logs one line per request from its ResponseWritten.
func ExampleAccessLog() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			switch a.Key {
			case slog.TimeKey, "ttfb", "ttlb", "head_bytes":
				return slog.Attr{} // vary from run to run
			}
			return a
		},
	}))
	h := core.Chain(core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return w.SendString(200, strings.ToUpper(req.Query().Get("word")))
	}), core.AccessLog(logger))

	server, client := pipe.New(nil)
	done := make(chan error)
	go func() { done <- core.ServeConn(server, h, nil) }()
	io.WriteString(client, "GET /shout?word=hi HTTP/1.1\r\nHost: example\r\nConnection: close\r\n\r\n")
	resp, _ := http.ReadResponse(bufio.NewReader(client), nil)
	resp.Body.Close()
	<-done // the line is logged after the response is sent
	// Output: level=INFO msg=request method=GET target="/shout?word=hi" proto=HTTP/1.1 status=200 body_bytes=2 remote=pipe
}

// A long-lived response (server-sent events here) ends when the server
// shuts down, so Shutdown need not wait for it, and stops early when the
// client goes away.
func ExampleRequest_ShuttingDown() {
	events := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		w.Header().Set("Content-Type", "text/event-stream")
		b := w.Begin(200)
		b.WriteString("data: welcome\n\n")
		b.Flush()
		select {
		case <-req.ShuttingDown():
			b.WriteString("event: bye\ndata: restarting\n\n")
		case <-req.Context().Done(): // the client left
		}
		return b.Finish()
	})
	l, _ := pipe.Listen("", nil)
	srv := &core.Server{Handler: events}
	go srv.Serve(l)

	resp, _ := l.Client().Get("http://app/events")
	first := make([]byte, len("data: welcome\n\n"))
	io.ReadFull(resp.Body, first)
	srv.Shutdown(context.Background()) // returns once the handler has finished
	rest, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Printf("%s%s", first, rest)
	// Output:
	// data: welcome
	//
	// event: bye
	// data: restarting
}

// Options are checked before a stream is served: nonsense is an error
// that names the field, not a silent default.
func ExampleOptions_Validate() {
	opts := &core.Options{MaxHeaderBytes: -1}
	fmt.Println(opts.Validate())
	// Output: tophat: Options.MaxHeaderBytes is -1; want 0 for the default or a positive size
}
