package glitch

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports/pipe"
)

func TestRespond(t *testing.T) {
	failWith := func(err error) HandlerFunc {
		return func(req *core.Request, w *core.ResponseWriter) (core.ResponseWritten, error) {
			w.Header().Set("Content-Type", "text/csv") // meant for a body never sent
			w.Header().Set("ETag", `"v1"`)
			w.Header().Set("Retry-After", "5") // meant for the error
			return core.ResponseWritten{}, err
		}
	}
	cases := []struct {
		name     string
		err      error
		verbose  bool
		accept   string
		status   int
		ctype    string
		body     string
		logLevel string
	}{
		{"text", NotFound("no such thing"), false, "", 404, "text/plain; charset=utf-8", "no such thing\n", "level=INFO"},
		{"cause hidden", Internal(errDB), false, "", 500, "text/plain; charset=utf-8", "Internal Server Error\n", "level=ERROR"},
		{"plain error hidden", errDB, false, "*/*", 500, "text/plain; charset=utf-8", "Internal Server Error\n", "level=ERROR"},
		{"verbose text", Internal(errDB), true, "", 500, "text/plain; charset=utf-8",
			"Internal Server Error\ncause: glitch: 500 Internal Server Error: db: connection refused\n", "level=ERROR"},
		{"problem", NotFound("no such thing"), false, "application/json", 404, "application/problem+json",
			`{"type":"about:blank","title":"Not Found","status":404,"detail":"no such thing","instance":"/things/7"}` + "\n", "level=INFO"},
		{"problem without detail", Conflict(""), false, "application/problem+json", 409, "application/problem+json",
			`{"type":"about:blank","title":"Conflict","status":409,"instance":"/things/7"}` + "\n", "level=INFO"},
		{"verbose problem", Wrap(errDB, 502, "upstream failed"), true, "application/json", 502, "application/problem+json",
			`{"type":"about:blank","title":"Bad Gateway","status":502,"detail":"upstream failed","instance":"/things/7","cause":"glitch: 502 upstream failed: db: connection refused"}` + "\n", "level=ERROR"},
		{"protocol error", core.ErrBodyTooLarge, false, "", 413, "text/plain; charset=utf-8", "request body larger than the limit\n", "level=INFO"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var l logs
			r := &Responder{Logger: l.logger(), Verbose: tc.verbose}
			got := do(t, r.Handle(failWith(tc.err)), nil, get(tc.accept))
			if got.status != tc.status || got.header.Get("Content-Type") != tc.ctype || got.body != tc.body {
				t.Errorf("got %d %q %q, want %d %q %q", got.status, got.header.Get("Content-Type"), got.body, tc.status, tc.ctype, tc.body)
			}
			if got.header.Get("ETag") != "" || got.header.Get("Retry-After") != "5" || got.header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("header fields %v: want no ETag, Retry-After kept, nosniff", got.header)
			}
			if strings.HasPrefix(tc.ctype, "application/problem+json") {
				var p map[string]any
				if err := json.Unmarshal([]byte(got.body), &p); err != nil {
					t.Errorf("problem document does not parse: %v", err)
				}
			}
			log := l.String()
			if lines(log) != 1 || !strings.Contains(log, tc.logLevel) || !strings.Contains(log, "status="+itoa(tc.status)) ||
				!strings.Contains(log, "target=/things/7") {
				t.Errorf("log %q: want one %s record with the status and target", log, tc.logLevel)
			}
			if c := (&Error{}); tc.err != nil && errorsAs(tc.err, &c) && c.Cause != nil && !strings.Contains(log, c.Cause.Error()) {
				t.Errorf("log %q lacks the private cause", log)
			}
		})
	}
}

func TestRespondAfterSent(t *testing.T) {
	var l logs
	r := &Responder{Logger: l.logger()}
	h := r.Handle(func(req *core.Request, w *core.ResponseWriter) (core.ResponseWritten, error) {
		return w.SendString(200, "done"), Internal(errDB)
	})
	got := do(t, h, nil, get(""))
	if got.status != 200 || got.body != "done" {
		t.Errorf("got %d %q, want the handler's 200 done", got.status, got.body)
	}
	if log := l.String(); !strings.Contains(log, "after its response was sent") || !strings.Contains(log, errDB.Error()) {
		t.Errorf("log %q: want the error, noted as after the response", log)
	}
}

func TestRespondSuccess(t *testing.T) {
	var l logs
	r := &Responder{Logger: l.logger()}
	h := r.Handle(func(req *core.Request, w *core.ResponseWriter) (core.ResponseWritten, error) {
		return w.SendString(201, "made"), nil
	})
	if got := do(t, h, nil, get("")); got.status != 201 || got.body != "made" || l.String() != "" {
		t.Errorf("got %d %q and log %q, want 201 made and no log", got.status, got.body, l.String())
	}
}

// TestBodyTooLarge reads a body past the core's limit and returns the read
// error: the client gets the core's status for it, 413.
func TestBodyTooLarge(t *testing.T) {
	var l logs
	r := &Responder{Logger: l.logger()}
	h := r.Handle(func(req *core.Request, w *core.ResponseWriter) (core.ResponseWritten, error) {
		if _, err := io.ReadAll(req.Body()); err != nil {
			return core.ResponseWritten{}, err
		}
		return w.SendString(200, "read it all"), nil
	})
	body := strings.Repeat("x", 100)
	chunked := "POST /up HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n64\r\n" + body + "\r\n0\r\n\r\n"
	malformed := "POST /up HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"
	cases := []struct {
		name, raw string
		status    int
	}{
		{"chunked past the limit", chunked, 413},
		{"malformed chunk", malformed, 400},
	}
	for _, tc := range cases {
		got := do(t, h, &core.Options{MaxBodyBytes: 10}, tc.raw)
		if got.status != tc.status {
			t.Errorf("%s: status %d, want %d (body %q)", tc.name, got.status, tc.status, got.body)
		}
	}
}

// TestClient answers Go's HTTP client over the pipe transport.
func TestClient(t *testing.T) {
	l, err := pipe.Listen("", nil)
	if err != nil {
		t.Fatal(err)
	}
	var logged logs
	r := &Responder{Logger: logged.logger()}
	srv := &core.Server{Handler: r.Handle(func(req *core.Request, w *core.ResponseWriter) (core.ResponseWritten, error) {
		if req.Path() != "/ok" {
			return core.ResponseWritten{}, NotFound("nothing at " + req.Path())
		}
		return w.SendString(200, "ok"), nil
	})}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	c := l.Client()
	defer func() {
		c.CloseIdleConnections()
		srv.Close()
		<-served
	}()
	for _, tc := range []struct {
		path, accept string
		status       int
		ctype, body  string
	}{
		{"/ok", "", 200, "", "ok"},
		{"/nope", "", 404, "text/plain; charset=utf-8", "nothing at /nope\n"},
		{"/nope", "application/json", 404, "application/problem+json",
			`{"type":"about:blank","title":"Not Found","status":404,"detail":"nothing at /nope","instance":"/nope"}` + "\n"},
	} {
		req, _ := http.NewRequest("GET", "http://app"+tc.path, nil)
		if tc.accept != "" {
			req.Header.Set("Accept", tc.accept)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || string(body) != tc.body || (tc.ctype != "" && resp.Header.Get("Content-Type") != tc.ctype) {
			t.Errorf("GET %s = %d %q %q", tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	}
}
