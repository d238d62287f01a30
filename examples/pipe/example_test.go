package main

import (
	"fmt"
	"io"
	"testing"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports/pipe"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Testing a handler with Go's own client, over a pipe instead of a socket.
func Example() {
	l, _ := pipe.Listen("", nil)
	srv := &core.Server{Handler: core.HandlerFunc(greet)}
	go srv.Serve(l)
	defer srv.Close() // ends the server's goroutines, so goleak finds none

	client := l.Client()
	defer client.CloseIdleConnections()
	resp, err := client.Get("http://app/?name=test")
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, string(body))
	// Output: 200 Hello, test!
}
