package requestid_test

import (
	"strings"
	"testing"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/coretest"
	"github.com/tophat-go/tophat/core/requestid"
)

// FuzzIncoming checks that an incoming ID is kept only when it is safe to
// log, and replaced otherwise.
func FuzzIncoming(f *testing.F) {
	for _, s := range []string{"abc", "a b", `"`, "x\x7f", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", strings.Repeat("z", 200)} {
		f.Add(s)
	}
	mw, _ := requestid.New(requestid.Config{TrustIncoming: func(*core.Request) bool { return true }})
	h := mw(core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return w.SendString(200, requestid.Get(req))
	}))
	f.Fuzz(func(t *testing.T, incoming string) {
		if strings.ContainsAny(incoming, "\r\n") {
			return // not a field value: the request itself would be malformed
		}
		req := coretest.NewRequest("GET", "/", nil)
		req.Header.Set("X-Request-Id", incoming)
		res := req.Serve(h)
		if !res.Handled {
			return // the core refused the field (a NUL, ...)
		}
		id := res.Header.Get("X-Request-Id")
		if id == "" || len(id) > requestid.DefaultMaxLength || strings.ContainsAny(id, " \t\"\\'<>") || id != res.BodyString() {
			t.Fatalf("incoming %q gave %q", incoming, id)
		}
		for _, c := range []byte(id) {
			if c < 0x21 || c > 0x7e {
				t.Fatalf("incoming %q gave %q", incoming, id)
			}
		}
	})
}
