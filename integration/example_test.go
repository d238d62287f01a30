package integration

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports/tcp"
	"github.com/tophat-go/tophat/transports/unix"
)

// One core.Server serves the Listeners of several transports at once, and
// Go's own client reaches each through that transport's Transport.
func Example() {
	srv := &core.Server{Handler: core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return w.SendString(200, "hello from "+req.Path())
	})}

	tcpLn, err := tcp.Listen("127.0.0.1:0", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	// An abstract Unix name: no file to clean up. The pid keeps
	// concurrent test runs apart.
	name := fmt.Sprintf("@tophat-example-%d", os.Getpid())
	unixLn, err := unix.Listen(name, nil)
	if err != nil {
		tcpLn.Close()
		fmt.Println(err)
		return
	}
	served := make(chan error, 2)
	go func() { served <- srv.Serve(tcpLn) }()
	go func() { served <- srv.Serve(unixLn) }()

	for _, tr := range []*http.Transport{
		tcp.Transport(tcpLn.Addr().String(), nil),
		unix.Transport(name, nil),
	} {
		resp, err := (&http.Client{Transport: tr}).Get("http://app/status")
		if err != nil {
			fmt.Println(err)
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		tr.CloseIdleConnections()
		fmt.Println(resp.Status, string(body))
	}

	fmt.Println(srv.Shutdown(context.Background()))
	fmt.Println(<-served)
	fmt.Println(<-served)
	// Output:
	// 200 OK hello from /status
	// 200 OK hello from /status
	// <nil>
	// tophat: server closed
	// tophat: server closed
}
