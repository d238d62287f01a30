// Command pipe serves a handler to a client in the same process, over an
// in-memory pipe: no socket, no port, nothing to clean up. Tests do the
// same; see example_test.go.
//
//	go run ./examples/pipe
//	go test ./examples/pipe
package main

import (
	"fmt"
	"io"
	"log"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports/pipe"
)

// greet is the handler under test.
func greet(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
	return w.SendString(200, "Hello, "+req.Query().Get("name")+"!")
}

func main() {
	l, err := pipe.Listen("", nil) // a fresh name, so tests can run in parallel
	if err != nil {
		log.Fatal(err)
	}
	srv := &core.Server{Handler: core.HandlerFunc(greet)}
	go srv.Serve(l)
	defer srv.Close()
	resp, err := l.Client().Get("http://app/?name=pipe") // any host reaches l
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.Status, string(body))
}
