//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package inherit_test

import (
	"fmt"
	"net"
	"os"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports/inherit"
)

// A program that runs under systemd socket activation when started so, and
// listens itself otherwise: the socket named web comes from systemd (or
// from the process this one replaced), else from net.Listen. Either way it
// can later be passed on with Handover.
func Example() {
	ln, err := inherit.ListenName("web")
	if err != nil {
		// Not activated: LISTEN_FDS was not set for this process.
		nl, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fmt.Println(err)
			return
		}
		ln, _ = inherit.Wrap("web", nl)
	}
	srv := &core.Server{Handler: core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return w.SendString(200, fmt.Sprintf("served by %d", os.Getpid()))
	})}
	go srv.Serve(ln)
	defer srv.Close()
	inherit.Ready() // tell a Handover, if there was one, that this process serves
	fmt.Println("serving", ln.Name(), "over", ln.Addr().Network())
	// Output: serving web over tcp
}
