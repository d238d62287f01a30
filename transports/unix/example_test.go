//go:build linux

package unix_test

import (
	"bufio"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"path/filepath"

	"github.com/tophat-go/tophat/transports/unix"
)

// A server listens on a socket its group may use, answers one request with
// the caller's identity, and removes the socket file when it closes.
func Example() {
	dir, err := os.MkdirTemp("", "tophat-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "http.sock")

	ln, err := unix.Listen(path, &unix.Config{Mode: 0o660})
	if err != nil {
		log.Fatal(err)
	}
	fi, _ := os.Lstat(path)
	fmt.Println("socket mode:", fi.Mode())

	// A stand-in for the tophat server: one request, one fixed response.
	served := make(chan struct{})
	go func() {
		defer close(served)
		stream, err := ln.Accept()
		if err != nil {
			return
		}
		defer stream.Close()
		req, err := http.ReadRequest(bufio.NewReader(stream))
		if err != nil {
			return
		}
		who := "unknown"
		if cred, err := unix.CredentialsOf(stream); err == nil && cred.UID == uint32(os.Getuid()) {
			who = "same user"
		}
		body := fmt.Sprintf("%s from %s", req.URL.Path, who)
		fmt.Fprintf(stream, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
	}()

	tr := unix.Transport(path, nil)
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Get("http://app/hello")
	if err != nil {
		log.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	<-served
	fmt.Println(resp.Status, string(body))

	ln.Close()
	_, err = os.Lstat(path)
	fmt.Println("socket file removed:", os.IsNotExist(err))
	// Output:
	// socket mode: Srw-rw----
	// 200 OK /hello from same user
	// socket file removed: true
}
