package proxyproto_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports/proxyproto"
	"github.com/tophat-go/tophat/transports/tcp"
)

// A server behind a load balancer that sends the PROXY protocol: the handler
// sees the client's address, not the balancer's. Here the test plays the
// balancer, writing a version 2 header before the request.
func Example() {
	inner, err := tcp.Listen("127.0.0.1:0", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	ln, err := proxyproto.Wrap(inner, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := &core.Server{Handler: core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return w.SendString(200, "client "+req.RemoteAddr().String())
	})}
	go srv.Serve(ln)
	defer srv.Shutdown(context.Background())

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer conn.Close()
	h := proxyproto.Header{
		Source:      net.TCPAddrFromAddrPort(netip.MustParseAddrPort("203.0.113.7:51000")),
		Destination: net.TCPAddrFromAddrPort(netip.MustParseAddrPort("198.51.100.1:443")),
	}
	b, _ := h.AppendBinary(nil)
	b = append(b, "GET / HTTP/1.1\r\nHost: app\r\nConnection: close\r\n\r\n"...)
	conn.Write(b)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(string(body))
	// Output: client 203.0.113.7:51000
}

// Require a header only from the load balancers' network; clients inside
// the cluster connect directly and keep their socket address.
func ExampleConfig_trusted() {
	inner, err := tcp.Listen("127.0.0.1:0", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	ln, err := proxyproto.Wrap(inner, &proxyproto.Config{
		Trusted: []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ln.Close()
	fmt.Println("listening on", ln.Addr().Network())
	// Output: listening on tcp
}
