package jsonio_test

import (
	"strings"
	"testing"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/coretest"
	"github.com/tophat-go/tophat/core/glitch"
	"github.com/tophat-go/tophat/core/jsonio"
)

// FuzzDecode checks that whatever the Content-Type and body, Decode either
// succeeds or fails with one of its documented statuses.
func FuzzDecode(f *testing.F) {
	for _, s := range [][2]string{{"application/json", `{"name":"x"}`}, {"application/json; charset=utf-8", `[]`},
		{"application/x+json", `{"count":1e400}`}, {"text/plain", `{}`}, {"application/json;", ``}, {`application/json; charset="`, `{`}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, contentType, body string) {
		req := coretest.NewRequest("POST", "/", strings.NewReader(body))
		req.Header.Set("Content-Type", strings.Map(func(r rune) rune {
			if r < ' ' || r == 0x7f {
				return -1 // a field value cannot carry controls; the core would refuse the request
			}
			return r
		}, contentType))
		var err error
		handled := false
		req.Serve(core.HandlerFunc(func(r *core.Request, w *core.ResponseWriter) core.ResponseWritten {
			handled = true
			err = jsonio.Decode(r, new(item), &jsonio.DecodeOptions{MaxBytes: 64, DisallowUnknownFields: true})
			return w.SendStatus(204)
		}))
		if !handled {
			return
		}
		switch status := glitch.StatusOf(err); {
		case err == nil, status == 400, status == 413, status == 415:
		default:
			t.Fatalf("status %d for %v", status, err)
		}
	})
}
