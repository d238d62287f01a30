//go:build linux

package unix_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/tophat-go/tophat/transports/unix"
)

func TestHTTPClientThroughTransport(t *testing.T) {
	for _, address := range []string{sockPath(t), abstractName(t)} {
		ln := listen(t, address, nil)
		startResponder(t, ln)
		tr := unix.Transport(address, nil)
		defer tr.CloseIdleConnections()
		client := &http.Client{Transport: tr}
		want := "peer=" + ourCredentials().String()

		resp, err := client.Get("http://anything.example/hello")
		if err != nil {
			t.Fatalf("%s: GET: %v", address, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: GET: %d, %v", address, resp.StatusCode, err)
		}
		if got := string(body); got != "GET /hello host=anything.example body=0 "+want {
			t.Fatalf("%s: GET body = %q", address, got)
		}

		// A second request, with a body; the pool may reuse the stream.
		resp, err = client.Post("http://other.host:8080/upload", "text/plain", strings.NewReader("12345"))
		if err != nil {
			t.Fatalf("%s: POST: %v", address, err)
		}
		body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got := string(body); got != "POST /upload host=other.host:8080 body=5 "+want {
			t.Fatalf("%s: POST body = %q", address, got)
		}
	}
}
