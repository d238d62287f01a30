package core_test

import (
	"strings"
	"testing"

	"github.com/tophat-go/tophat/core"
)

func TestSetBodyLimit(t *testing.T) {
	opts := &core.Options{MaxBodyBytes: 4, MaxBodyBytesCeiling: 100, ErrorLog: quietLog}
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		switch req.Path() {
		case "/upload":
			if err := req.SetBodyLimit(50); err != nil {
				return w.SendString(500, err.Error())
			}
		case "/tiny":
			if err := req.SetBodyLimit(2); err != nil {
				return w.SendString(500, err.Error())
			}
		case "/too-high":
			if err := req.SetBodyLimit(101); err == nil {
				return w.SendString(500, "a limit above the ceiling was taken")
			}
		}
		return readAllThenAnswer.Serve(req, w)
	})
	body20 := strings.Repeat("x", 20)
	for _, tt := range []struct {
		name, raw string
		status    int
	}{
		{"default limit", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 20\r\n\r\n" + body20, 413},
		{"raised", "POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 20\r\n\r\n" + body20, 200},
		{"raised chunked", "POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n14\r\n" + body20 + "\r\n0\r\n\r\n", 200},
		{"lowered", "POST /tiny HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc", 413},
		{"lowered chunked", "POST /tiny HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 413},
		{"above the ceiling refused", "POST /too-high HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc", 200},
		{"declared past the ceiling", "POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 101\r\n\r\n", 413},
	} {
		t.Run(tt.name, func(t *testing.T) {
			x := serve(t, opts, h)
			x.send(tt.raw)
			resp := x.response("POST")
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d %q, want %d", resp.StatusCode, resp.body, tt.status)
			}
			if tt.status == 413 && !resp.Close {
				t.Fatal("413 without Connection: close")
			}
		})
	}
}
