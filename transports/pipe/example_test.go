package pipe_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/tophat-go/tophat/transports/pipe"
)

// A pipe pair behaves like a connected socket with buffers: a write
// completes before anyone reads, and CloseWrite lets the peer read io.EOF
// while the reply still flows back.
func Example() {
	client, server := pipe.New(nil)
	defer client.Close()
	defer server.Close()

	client.Write([]byte("ping"))
	client.CloseWrite()

	request, _ := io.ReadAll(server)
	fmt.Fprintf(server, "%s? pong", request)
	server.Close()

	reply, _ := io.ReadAll(client)
	fmt.Println(string(reply))
	// Output: ping? pong
}

// A named Listener serves the ordinary net/http client without a socket.
// Here a few lines stand in for the server that would Accept the streams.
func ExampleListener_Client() {
	ln, err := pipe.Listen("app", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ln.Close()

	served := make(chan struct{})
	go func() {
		defer close(served)
		conn, err := ln.AcceptConn()
		if err != nil {
			return
		}
		defer conn.Close()
		req, err := http.ReadRequest(bufio.NewReader(conn))
		if err != nil {
			return
		}
		body := "hello from " + req.URL.Path
		fmt.Fprintf(conn, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
	}()

	client := ln.Client()
	defer client.CloseIdleConnections()
	resp, err := client.Get("http://app/greeting")
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	<-served
	fmt.Println(resp.Status, string(body))
	// Output: 200 OK hello from /greeting
}

// Dial reaches a Listener by name; the stream is queued until Accept.
func ExampleDial() {
	ln, _ := pipe.Listen("echo", nil)
	defer ln.Close()

	conn, err := pipe.Dial(context.Background(), "echo", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer conn.Close()
	conn.Write([]byte("queued before Accept"))

	server, _ := ln.AcceptConn()
	defer server.Close()
	buf := make([]byte, 64)
	n, _ := server.Read(buf)
	fmt.Println(string(buf[:n]), "from", conn.RemoteAddr().Network(), conn.RemoteAddr())
	// Output: queued before Accept from pipe echo
}
