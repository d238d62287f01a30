package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
)

// Each implementation serves the same replayed connection; here two GETs,
// of which the first response is shown.
func Example() {
	for _, s := range servers {
		c := newMemConn(getRequest, 2, 1)
		if err := s.serve(c, false); err != nil {
			fmt.Println(s.name, err)
			continue
		}
		resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(c.captured)), nil)
		if err != nil {
			fmt.Println(s.name, err)
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		fmt.Println(s.name, resp.Status, resp.Header.Get("Content-Type"), string(body), verify(c, 2, helloBody) == nil)
	}
	// Output:
	// tophat 200 OK text/plain Hello, World! true
	// tophat-router 200 OK text/plain Hello, World! true
	// tophat-nethttp 200 OK text/plain Hello, World! true
	// nethttp 200 OK text/plain Hello, World! true
	// fasthttp 200 OK text/plain Hello, World! true
}
