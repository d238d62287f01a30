package jsonio_test

import (
	"errors"
	"math"
	"net/http"
	"strings"
	"testing"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/coretest"
	"github.com/tophat-go/tophat/core/glitch"
	"github.com/tophat-go/tophat/core/jsonio"
)

type item struct {
	Name  string   `json:"name"`
	Count int      `json:"count"`
	Tags  []string `json:"tags,omitempty"`
}

func TestDecode(t *testing.T) {
	const ct = "application/json"
	tests := []struct {
		name    string
		ct      string
		body    string
		chunked bool
		opts    *jsonio.DecodeOptions
		want    item
		status  int
		is      error
	}{
		{"object", ct, `{"name":"a","count":2}`, false, nil, item{Name: "a", Count: 2}, 0, nil},
		{"charset utf-8", ct + "; charset=UTF-8", `{"name":"b"}`, false, nil, item{Name: "b"}, 0, nil},
		{"+json suffix", "application/merge-patch+json", `{"count":7}`, false, nil, item{Count: 7}, 0, nil},
		{"surrounding space", ct, " \n{\"name\":\"c\"}\n ", false, nil, item{Name: "c"}, 0, nil},
		{"unknown field ignored", ct, `{"name":"d","extra":1}`, false, nil, item{Name: "d"}, 0, nil},
		{"unknown field refused", ct, `{"name":"d","extra":1}`, false, &jsonio.DecodeOptions{DisallowUnknownFields: true}, item{}, 400, jsonio.ErrUnknownField},
		{"strict and valid", ct, `{"name":"e"}`, false, &jsonio.DecodeOptions{DisallowUnknownFields: true}, item{Name: "e"}, 0, nil},
		{"no Content-Type", "", `{}`, false, nil, item{}, 415, jsonio.ErrContentType},
		{"no Content-Type allowed", "", `{"name":"f"}`, false, &jsonio.DecodeOptions{AllowMissingContentType: true}, item{Name: "f"}, 0, nil},
		{"form type", "application/x-www-form-urlencoded", `{}`, false, nil, item{}, 415, jsonio.ErrContentType},
		{"text/json", "text/plain", `{}`, false, &jsonio.DecodeOptions{AllowMissingContentType: true}, item{}, 415, jsonio.ErrContentType},
		{"latin-1", ct + "; charset=iso-8859-1", `{}`, false, nil, item{}, 415, jsonio.ErrContentType},
		{"declared too large", ct, `{"name":"0123456789"}`, false, &jsonio.DecodeOptions{MaxBytes: 10}, item{}, 413, jsonio.ErrTooLarge},
		{"chunked too large", ct, `{"name":"0123456789"}`, true, &jsonio.DecodeOptions{MaxBytes: 10}, item{}, 413, jsonio.ErrTooLarge},
		{"at the limit", ct, `{"count":1}`, true, &jsonio.DecodeOptions{MaxBytes: 11}, item{Count: 1}, 0, nil},
		{"syntax", ct, `{"name":}`, false, nil, item{}, 400, jsonio.ErrMalformed},
		{"truncated", ct, `{"name":"a"`, false, nil, item{}, 400, jsonio.ErrMalformed},
		{"wrong type", ct, `{"count":"two"}`, false, nil, item{}, 400, jsonio.ErrMalformed},
		{"two values", ct, `{} {}`, false, nil, item{}, 400, jsonio.ErrMalformed},
		{"two values strict", ct, `{} {}`, false, &jsonio.DecodeOptions{DisallowUnknownFields: true}, item{}, 400, jsonio.ErrMalformed},
		{"empty", ct, ``, false, nil, item{}, 400, jsonio.ErrMalformed},
		{"negative limit", ct, `{}`, false, &jsonio.DecodeOptions{MaxBytes: -1}, item{}, 500, jsonio.ErrInvalidOptions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := coretest.NewRequest("POST", "/", strings.NewReader(tt.body))
			if tt.ct != "" {
				req.Header.Set("Content-Type", tt.ct)
			}
			req.Chunked = tt.chunked
			var got item
			var err error
			req.Serve(core.HandlerFunc(func(r *core.Request, w *core.ResponseWriter) core.ResponseWritten {
				err = jsonio.Decode(r, &got, tt.opts)
				return w.SendStatus(204)
			}))
			if tt.is != nil {
				if !errors.Is(err, tt.is) || glitch.StatusOf(err) != tt.status {
					t.Fatalf("err %v (status %d), want %v (%d)", err, glitch.StatusOf(err), tt.is, tt.status)
				}
				return
			}
			if err != nil || got.Name != tt.want.Name || got.Count != tt.want.Count {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestDecodeCoreLimit(t *testing.T) {
	req := coretest.NewRequest("POST", "/", strings.NewReader(`{"name":"`+strings.Repeat("x", 100)+`"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Chunked = true
	req.Options = &core.Options{MaxBodyBytes: 50}
	var err error
	req.Serve(core.HandlerFunc(func(r *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		err = jsonio.Decode(r, new(item), nil)
		return w.SendStatus(glitch.StatusOf(err))
	}))
	if !errors.Is(err, core.ErrBodyTooLarge) || glitch.StatusOf(err) != 413 {
		t.Fatalf("err %v", err)
	}
}

func TestSend(t *testing.T) {
	tests := []struct {
		name   string
		ct     string
		v      any
		status int
		body   string
		wantCT string
	}{
		{"struct", "", item{Name: "<a>", Count: 3}, 200, "{\"name\":\"\\u003ca\\u003e\",\"count\":3}\n", "application/json"},
		{"problem type kept", "application/problem+json", map[string]int{"status": 404}, 404, "{\"status\":404}\n", "application/problem+json"},
		{"other type replaced", "text/plain", []int{1, 2}, 201, "[1,2]\n", "application/json"},
		{"large", "", strings.Repeat("y", 100<<10), 200, `"` + strings.Repeat("y", 100<<10) + "\"\n", "application/json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := coretest.Serve(core.HandlerFunc(func(r *core.Request, w *core.ResponseWriter) core.ResponseWritten {
				if tt.ct != "" {
					w.Header().Set("Content-Type", tt.ct)
				}
				rw, err := jsonio.Send(w, tt.status, tt.v)
				if err != nil {
					t.Error(err)
				}
				return rw
			}), "GET", "/", nil)
			if res.Status != tt.status || res.BodyString() != tt.body || res.Header.Get("Content-Type") != tt.wantCT {
				t.Fatalf("got %d %q %q", res.Status, truncate(res.BodyString()), res.Header.Get("Content-Type"))
			}
			if res.ContentLength() != int64(len(tt.body)) {
				t.Errorf("Content-Length %d", res.ContentLength())
			}
		})
	}
	t.Run("unencodable", func(t *testing.T) {
		res := coretest.Serve(glitch.HandlerFunc(func(r *core.Request, w *core.ResponseWriter) (core.ResponseWritten, error) {
			rw, err := jsonio.Send(w, 200, math.Inf(1))
			if w.Sent() {
				t.Error("sent despite the error")
			}
			return rw, err
		}), "GET", "/", nil)
		if res.Status != 500 || res.Header.Get("Content-Type") == "application/json" {
			t.Fatalf("got %d %v", res.Status, res.Header)
		}
	})
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

// A handler built on Decode and Send with glitch answers errors as the
// statuses say, over Go's client, with the problem document glitch sends.
func TestWithGlitch(t *testing.T) {
	h := glitch.HandlerFunc(func(r *core.Request, w *core.ResponseWriter) (core.ResponseWritten, error) {
		var in item
		if err := jsonio.Decode(r, &in, &jsonio.DecodeOptions{DisallowUnknownFields: true}); err != nil {
			return core.ResponseWritten{}, err
		}
		in.Count++
		return jsonio.Send(w, 200, in)
	})
	for _, tt := range []struct {
		ct, body string
		status   int
		contains string
	}{
		{"application/json", `{"name":"n","count":1}`, 200, `"count":2`},
		{"application/json", `{"nmae":"n"}`, 400, `unknown field \"nmae\"`},
		{"application/json", `{"count":"x"}`, 400, "field count"},
		{"text/plain", `{}`, 415, "must be JSON"},
	} {
		req := coretest.NewRequest("POST", "/", strings.NewReader(tt.body))
		req.Header = http.Header{"Content-Type": {tt.ct}, "Accept": {"application/json"}}
		res := req.Serve(h)
		if res.Status != tt.status || !strings.Contains(res.BodyString(), tt.contains) {
			t.Errorf("%s %s: got %d %s", tt.ct, tt.body, res.Status, res.Body)
		}
	}
}
