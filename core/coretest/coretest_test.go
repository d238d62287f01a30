package coretest_test

import (
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/coretest"
)

// echo answers with what it saw of the request, so a test can check that
// the Request's fields reached the engine as written.
var echo = core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
	body, err := io.ReadAll(req.Body())
	if err != nil {
		var pe *core.ProtocolError
		if errors.As(err, &pe) {
			return w.SendString(pe.Status, pe.Reason)
		}
		return w.SendString(500, err.Error())
	}
	w.Header().Set("X-Method", req.Method())
	w.Header().Set("X-Target", req.Target())
	w.Header().Set("X-Proto", req.Proto())
	w.Header().Set("X-Host", req.Host())
	w.Header().Set("X-Token", req.Header().Get("X-Token"))
	w.Header().Set("X-Trailer", req.Trailer().Get("X-Sum"))
	w.Header().Set("X-Remote", addrString(req))
	w.Header().Set("X-TLS", boolString(req.TLS() != nil))
	return w.Send(200, body)
})

func addrString(req *core.Request) string {
	if a := req.RemoteAddr(); a != nil {
		return a.String()
	}
	return ""
}

func boolString(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func TestServeRequestFields(t *testing.T) {
	tests := []struct {
		name   string
		req    *coretest.Request
		status int
		body   string
		header map[string]string
	}{
		{"defaults", &coretest.Request{}, 200, "", map[string]string{
			"X-Method": "GET", "X-Target": "/", "X-Proto": "HTTP/1.1", "X-Host": coretest.DefaultHost,
			"X-Remote": coretest.DefaultRemoteAddr, "X-TLS": "no",
		}},
		{"post body", func() *coretest.Request {
			r := coretest.NewRequest("POST", "/items?x=1", strings.NewReader("payload"))
			r.Header.Set("X-Token", "abc")
			return r
		}(), 200, "payload", map[string]string{"X-Method": "POST", "X-Target": "/items?x=1", "X-Token": "abc", "Content-Length": "7"}},
		{"chunked with trailer", &coretest.Request{Method: "PUT", Body: []byte("chunky"), Chunked: true,
			Trailer: http.Header{"X-Sum": {"42"}}}, 200, "chunky", map[string]string{"X-Trailer": "42"}},
		{"host and remote", &coretest.Request{Header: http.Header{"Host": {"api.test:8080"}}, RemoteAddr: "[2001:db8::1]:443"},
			200, "", map[string]string{"X-Host": "api.test:8080", "X-Remote": "[2001:db8::1]:443"}},
		{"unix peer", &coretest.Request{RemoteAddr: "@peer"}, 200, "", map[string]string{"X-Remote": "@peer"}},
		{"tls", &coretest.Request{TLS: &tls.ConnectionState{Version: tls.VersionTLS13}}, 200, "", map[string]string{"X-TLS": "yes"}},
		{"http/1.0", &coretest.Request{Proto: "HTTP/1.0"}, 200, "", map[string]string{"X-Proto": "HTTP/1.0"}},
		{"expect continue", &coretest.Request{Method: "POST", Body: []byte("late"), Header: http.Header{"Expect": {"100-continue"}}},
			200, "late", nil},
		{"body over the handler's limit", &coretest.Request{Method: "POST", Body: []byte("0123456789"), Chunked: true,
			Options: &core.Options{MaxBodyBytes: 4}}, 413, "request body larger than the limit", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.req.Serve(echo)
			if res.ParseErr != nil {
				t.Fatalf("ParseErr %v; raw:\n%s", res.ParseErr, res.Raw)
			}
			if res.Status != tt.status || res.BodyString() != tt.body {
				t.Fatalf("got %d %q, want %d %q", res.Status, res.Body, tt.status, tt.body)
			}
			for name, want := range tt.header {
				if got := res.Header.Get(name); got != want {
					t.Errorf("%s: %q, want %q", name, got, want)
				}
			}
			if !res.Handled || res.Written.Status() != tt.status {
				t.Errorf("Handled %t, receipt status %d", res.Handled, res.Written.Status())
			}
			if res.Written.BodyBytes() != int64(len(tt.body)) {
				t.Errorf("receipt BodyBytes %d, want %d", res.Written.BodyBytes(), len(tt.body))
			}
		})
	}
}

func TestServeWhatTheEngineDoes(t *testing.T) {
	quiet := &core.Options{ErrorLog: slog.New(slog.DiscardHandler)}
	t.Run("HEAD has the GET's length and no body", func(t *testing.T) {
		res := coretest.Serve(core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
			return w.SendString(200, "twelve bytes")
		}), "HEAD", "/", nil)
		if res.Status != 200 || len(res.Body) != 0 || res.ContentLength() != 12 {
			t.Fatalf("got %d, body %q, Content-Length %d", res.Status, res.Body, res.ContentLength())
		}
		if res.Written.BodyBytes() != 0 {
			t.Errorf("receipt counts %d body bytes for HEAD", res.Written.BodyBytes())
		}
	})
	t.Run("no response is a 500 and a zero receipt", func(t *testing.T) {
		req := coretest.NewRequest("GET", "/", nil)
		req.Options = quiet
		res := req.Serve(core.HandlerFunc(func(*core.Request, *core.ResponseWriter) core.ResponseWritten {
			return core.ResponseWritten{}
		}))
		if res.Status != 500 || !res.Handled || !res.Written.IsZero() {
			t.Fatalf("got %d, handled %t, receipt zero %t", res.Status, res.Handled, res.Written.IsZero())
		}
	})
	t.Run("rejected request never reaches the handler", func(t *testing.T) {
		req := coretest.NewRequest("GET", "/", nil)
		req.Header.Set("Content-Length", "1")
		req.Header.Set("Transfer-Encoding", "chunked")
		res := req.Serve(echo)
		var pe *core.ProtocolError
		if res.Status != 400 || res.Handled || !errors.As(res.Err, &pe) || pe.Status != 400 {
			t.Fatalf("got %d, handled %t, err %v", res.Status, res.Handled, res.Err)
		}
		if !res.Close || !strings.Contains(string(res.Raw), "\r\nConnection: close\r\n") {
			t.Errorf("no Connection: close in\n%s", res.Raw)
		}
	})
	t.Run("streamed body and trailers", func(t *testing.T) {
		res := coretest.Serve(core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
			w.Header().Set("Trailer", "X-Digest")
			b := w.Begin(200)
			b.WriteString("part one, ")
			b.Flush()
			b.WriteString("part two")
			b.Trailer().Set("X-Digest", "d1")
			return b.Finish()
		}), "GET", "/", nil)
		if res.BodyString() != "part one, part two" || res.Trailer.Get("X-Digest") != "d1" {
			t.Fatalf("body %q trailer %v", res.Body, res.Trailer)
		}
		if res.Header.Get("Transfer-Encoding") != "" || res.ContentLength() != -1 {
			// net/http removes Transfer-Encoding from Header; chunked shows as no length.
			t.Errorf("header %v", res.Header)
		}
	})
	t.Run("304 carries no body", func(t *testing.T) {
		res := coretest.Serve(core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
			return w.SendString(304, "not allowed")
		}), "GET", "/", nil)
		if res.Status != 304 || len(res.Body) != 0 || !errors.Is(res.Written.Err(), core.ErrBodyNotAllowed) {
			t.Fatalf("got %d %q, receipt err %v", res.Status, res.Body, res.Written.Err())
		}
	})
	t.Run("hijack writes nothing", func(t *testing.T) {
		res := coretest.Serve(core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
			u, rw := w.Hijack()
			u.Close()
			return rw
		}), "GET", "/", nil)
		if res.Status != 0 || res.ParseErr == nil || len(res.Raw) != 0 {
			t.Fatalf("got %d, parse err %v, raw %q", res.Status, res.ParseErr, res.Raw)
		}
	})
}

func TestNewRequestPanicsOnUnreadableBody(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	coretest.NewRequest("POST", "/", io.MultiReader(strings.NewReader("x"), errReader{}))
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("broken") }
