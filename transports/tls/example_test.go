package tls_test

import (
	"bufio"
	"context"
	stdtls "crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"

	"github.com/tophat-go/tophat/transports/tls"
)

func Example() {
	// A development certificate for localhost; in production set
	// Config.CertFile and KeyFile, or Config.Autocert.
	dev, err := tls.SelfSigned()
	if err != nil {
		fmt.Println(err)
		return
	}
	ln, err := tls.Listen("127.0.0.1:0", dev.ServerConfig())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ln.Close()

	// A stand-in for tophat's server, answering one request. Accept returns
	// at once; the handshake runs in this goroutine's first Read.
	served := make(chan struct{})
	go func() {
		defer close(served)
		stream, err := ln.Accept()
		if err != nil {
			return
		}
		defer stream.Close()
		if _, err := http.ReadRequest(bufio.NewReader(stream)); err != nil {
			return
		}
		state := stream.(interface{ ConnectionState() stdtls.ConnectionState }).ConnectionState()
		body := "hello over " + state.NegotiatedProtocol
		fmt.Fprintf(stream, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
	}()

	// The client trusts the development certificate and reaches the
	// listener through a dial function, which could use any transport.
	addr := ln.Addr().String()
	dial := func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", addr)
	}
	transport := tls.Transport(dial, dev.ClientConfig())
	defer transport.CloseIdleConnections()
	resp, err := (&http.Client{Transport: transport}).Get("https://localhost/")
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	<-served

	fmt.Println(resp.Status, resp.TLS.NegotiatedProtocol)
	fmt.Println(string(body))
	// Output:
	// 200 OK http/1.1
	// hello over http/1.1
}

func ExampleSelfSigned() {
	dev, err := tls.SelfSigned("dev.local", "192.0.2.10")
	if err != nil {
		fmt.Println(err)
		return
	}
	// CertPEM can be written to a file for curl --cacert, KeyPEM beside it
	// for Config.KeyFile.
	leaf := dev.Certificate.Leaf
	fmt.Println(leaf.DNSNames, leaf.IPAddresses)
	// Output: [dev.local] [192.0.2.10]
}
