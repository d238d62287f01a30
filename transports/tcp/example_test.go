package tcp_test

import (
	"context"
	"fmt"
	"io"

	"github.com/tophat-go/tophat/transports/tcp"
)

// Listen on a free loopback port, dial it, and echo one message back. A
// tophat server would instead hand ln to core.Server.Serve.
func Example() {
	ln, err := tcp.Listen("127.0.0.1:0", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ln.Close()

	echoed := make(chan struct{})
	go func() {
		defer close(echoed)
		stream, err := ln.Accept()
		if err != nil {
			return
		}
		defer stream.Close()
		io.Copy(stream, stream) // until the client's CloseWrite
	}()

	conn, err := tcp.Dial(context.Background(), ln.Addr().String(), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer conn.Close()
	fmt.Fprint(conn, "hello over TCP")
	conn.(interface{ CloseWrite() error }).CloseWrite()
	reply, _ := io.ReadAll(conn)
	<-echoed
	fmt.Println(string(reply))
	// Output: hello over TCP
}
