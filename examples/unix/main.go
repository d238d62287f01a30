// Command unix serves HTTP on a Unix socket: no port to guard, and only
// processes the socket file's mode (0600, its owner) lets in can connect.
//
//	go run ./examples/unix -socket /tmp/tophat.sock &
//	curl --unix-socket /tmp/tophat.sock http://localhost/
//
// The socket file is removed when the server stops (SIGINT or SIGTERM).
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports/unix"
)

func main() {
	path := flag.String("socket", "/tmp/tophat.sock", "socket file to serve on")
	flag.Parse()
	l, err := unix.Listen(*path, nil) // a stale file from a crashed server is replaced
	if err != nil {
		log.Fatal(err)
	}
	srv := &core.Server{Handler: core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return w.SendString(200, "Hello over a Unix socket!\n")
	})}
	go srv.Serve(l)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	srv.Shutdown(context.Background()) // closes the listener, which removes the file
}
