package kcp_test

import (
	"bufio"
	"fmt"
	"io"
	"net/http"

	"github.com/tophat-go/tophat/transports/kcp"
)

// A server and a net/http client talking HTTP/1.1 over encrypted KCP with
// forward error correction. In a real server the core's Server.Serve takes
// the Listener; here each stream gets a one-line responder.
func Example() {
	cfg := &kcp.Config{Preset: kcp.Lossy, Key: "a long random shared secret"}

	ln, err := kcp.Listen("127.0.0.1:0", cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.AcceptConn()
		if err != nil {
			return
		}
		defer c.Close()
		req, err := http.ReadRequest(bufio.NewReader(c))
		if err != nil {
			return
		}
		body := "hello over KCP, " + req.URL.Path
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	}()

	tr := kcp.Transport(ln.Addr().String(), cfg)
	res, err := (&http.Client{Transport: tr}).Get("http://example/world")
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	fmt.Println(res.Status, string(body))

	tr.CloseIdleConnections()
	<-done
	ln.Close()
	// Output: 200 OK hello over KCP, /world
}
