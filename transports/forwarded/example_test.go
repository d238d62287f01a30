package forwarded_test

import (
	"fmt"
	"io"
	"net/http"
	"net/netip"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports/forwarded"
	"github.com/tophat-go/tophat/transports/pipe"
)

// A handler behind nginx on the same host, which connects over a Unix
// socket (here an in-memory pipe, which like a Unix socket has no IP
// address) and appends to X-Forwarded-For.
func Example() {
	resolve, err := forwarded.New(forwarded.Config{
		TrustNonIPPeers: true,
		Trusted:         []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")},
		Header:          forwarded.XForwardedFor,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ln, _ := pipe.Listen("", nil)
	srv := &core.Server{Handler: core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		client, ok := resolve.ClientAddr(req)
		if !ok {
			return w.SendString(200, "client unknown")
		}
		return w.SendString(200, "client "+client.Addr().String())
	})}
	go srv.Serve(ln)
	defer srv.Close()

	c := ln.Client()
	defer c.CloseIdleConnections()
	req, _ := http.NewRequest("GET", "http://app/", nil)
	// A forged first entry, the client as the edge proxy saw it, and the
	// edge proxy as nginx saw it.
	req.Header.Set("X-Forwarded-For", "198.51.100.66, 203.0.113.7, 10.0.0.2")
	resp, err := c.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(string(body))
	// Output: client 203.0.113.7
}
