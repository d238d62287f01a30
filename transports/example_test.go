package transports_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports"
)

// A server takes its address from a flag; a client reaches it with the
// ordinary net/http client, whatever the transport.
func Example() {
	listen := "pipe://example" // from -listen: tcp://…, unix:///…, tls+kcp://…

	l, err := transports.Listen(listen, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := &core.Server{Handler: core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return w.SendString(200, "hello over "+l.Address().Network)
	})}
	go srv.Serve(l)
	defer srv.Close()

	tr, err := transports.Transport(l.Address().String(), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Get("http://app/")
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(l.Address(), string(body))
	// Output: pipe://example hello over pipe
}

// Errors say what is wrong and what would work.
func ExampleParseAddress() {
	a, err := transports.ParseAddress("unix:///run/app.sock?mode=0o660")
	fmt.Println(a.Scheme(), a.Location, a.Query.Get("mode"), err)

	_, err = transports.ParseAddress("unix://run/app.sock")
	fmt.Println(err)
	_, err = transports.ParseAddress("127.0.0.1:8080")
	fmt.Println(err)
	// Output:
	// unix /run/app.sock 0o660 <nil>
	// transports: invalid address "unix://run/app.sock": socket path "run/app.sock" is not absolute (note the third slash: unix:///run/app.sock); want unix:///absolute/path.sock or unix://@abstract-name
	// transports: unknown scheme "127.0.0.1:8080": no scheme; for TCP write tcp://127.0.0.1:8080
}

// A listener that some other library hands out (here the standard
// library's own) serves tophat through FromNetListener.
func ExampleFromNetListener() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := &core.Server{Handler: core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return w.SendString(200, "adapted")
	})}
	go srv.Serve(transports.FromNetListener(ln))
	defer srv.Close()

	resp, err := http.Get("http://" + ln.Addr().String() + "/")
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.Status, string(body))
	// Output: 200 OK adapted
}

// The development certificate of a tls+ address gets a name that depends on
// the address alone, for a curl --cacert line that works on every start.
func ExampleDevCertPath() {
	file := transports.DevCertPath("tls+tcp://127.0.0.1:8443")
	fmt.Println(filepath.Base(file))
	fmt.Printf("curl --cacert %s https://127.0.0.1:8443/\n", filepath.Base(file))
	// Output:
	// tophat-devcert-tls+tcp-127.0.0.1-8443.pem
	// curl --cacert tophat-devcert-tls+tcp-127.0.0.1-8443.pem https://127.0.0.1:8443/
}
