package core_test

import (
	"testing"

	"github.com/tophat-go/tophat/core"
)

// TestPathOnAStreamOfChangingPaths checks Request.Path across requests of
// one stream whose paths repeat, change, and need decoding: the string
// reused for a repeated path is never another path's.
func TestPathOnAStreamOfChangingPaths(t *testing.T) {
	var kept []string
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		p := req.Path()
		kept = append(kept, p)
		return w.SendString(200, p)
	})
	x := serve(t, nil, h)
	paths := []struct{ raw, want string }{
		{"/a", "/a"}, {"/a", "/a"}, {"/b", "/b"}, {"/a%20b", "/a b"}, {"/a%20b", "/a b"},
		{"/b", "/b"}, {"/a", "/a"},
	}
	for _, p := range paths {
		x.send("GET " + p.raw + " HTTP/1.1\r\nHost: x\r\n\r\n")
		if r := x.response("GET"); r.body != p.want {
			t.Errorf("GET %s: Path %q, want %q", p.raw, r.body, p.want)
		}
	}
	for i, p := range paths {
		if kept[i] != p.want {
			t.Errorf("request %d: the Path string kept by the handler is now %q, want %q", i, kept[i], p.want)
		}
	}
}
