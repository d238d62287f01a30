package router

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports/pipe"
)

// TestClient routes requests from Go's own HTTP client over the pipe
// transport, on kept-alive connections, following the Router's redirects.
func TestClient(t *testing.T) {
	r := New()
	r.HandleFunc("GET /users/{id}", func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return w.SendString(200, "user "+req.PathValue("id"))
	})
	r.HandleFunc("POST /users", func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		body, err := io.ReadAll(req.Body())
		if err != nil {
			return w.SendString(400, err.Error())
		}
		return w.SendString(201, "created "+string(body))
	})
	r.HandleFunc("GET /docs/", func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return w.SendString(200, "docs at "+req.Path())
	})
	l, err := pipe.Listen("", nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := &core.Server{Handler: r}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	c := l.Client()
	c.Timeout = 10 * time.Second
	t.Cleanup(func() {
		c.CloseIdleConnections()
		srv.Close()
		<-served
	})

	cases := []struct {
		method, url, body string
		status            int
		want              string
	}{
		{"GET", "http://app/users/7", "", 200, "user 7"},
		{"GET", "http://app/users/caf%C3%A9", "", 200, "user café"},
		{"POST", "http://app/users", "ada", 201, "created ada"},
		{"GET", "http://app/docs", "", 200, "docs at /docs/"}, // followed the redirect
		{"PUT", "http://app/users/7", "", 405, "Method Not Allowed\n"},
		{"GET", "http://app/none", "", 404, "404 page not found\n"},
	}
	for _, tc := range cases {
		req, _ := http.NewRequest(tc.method, tc.url, strings.NewReader(tc.body))
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", tc.method, tc.url, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || string(body) != tc.want {
			t.Errorf("%s %s = %d %q, want %d %q", tc.method, tc.url, resp.StatusCode, body, tc.status, tc.want)
		}
	}
}
