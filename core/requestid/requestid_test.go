package requestid_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/coretest"
	"github.com/tophat-go/tophat/core/requestid"
)

// echoID answers with the ID the handler sees.
var echoID = core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
	return w.SendString(200, requestid.Get(req))
})

func TestMiddleware(t *testing.T) {
	trustAll := func(*core.Request) bool { return true }
	fromProxy := func(req *core.Request) bool { return req.RemoteAddr().String() == "10.0.0.1:5000" }
	tests := []struct {
		name     string
		cfg      requestid.Config
		header   string
		incoming string
		remote   string
		want     string // "" means a new ID
	}{
		{"made", requestid.Config{}, "X-Request-Id", "", "", ""},
		{"untrusted incoming replaced", requestid.Config{}, "X-Request-Id", "client-chosen", "", ""},
		{"trusted incoming kept", requestid.Config{TrustIncoming: trustAll}, "X-Request-Id", "abc-123_x.y:z+/=@", "", "abc-123_x.y:z+/=@"},
		{"trusted by peer", requestid.Config{TrustIncoming: fromProxy}, "X-Request-Id", "from-proxy", "10.0.0.1:5000", "from-proxy"},
		{"other peer", requestid.Config{TrustIncoming: fromProxy}, "X-Request-Id", "from-client", "10.0.0.2:5000", ""},
		{"space refused", requestid.Config{TrustIncoming: trustAll}, "X-Request-Id", "a b", "", ""},
		{"quote refused", requestid.Config{TrustIncoming: trustAll}, "X-Request-Id", `a"b`, "", ""},
		{"non-ASCII refused", requestid.Config{TrustIncoming: trustAll}, "X-Request-Id", "idé", "", ""},
		{"too long", requestid.Config{TrustIncoming: trustAll, MaxLength: 8}, "X-Request-Id", "123456789", "", ""},
		{"at the length", requestid.Config{TrustIncoming: trustAll, MaxLength: 8}, "X-Request-Id", "12345678", "", "12345678"},
		{"own header", requestid.Config{TrustIncoming: trustAll, Header: "X-Correlation-ID"}, "X-Correlation-ID", "corr-1", "", "corr-1"},
		{"own generator", requestid.Config{Generate: func() string { return "fixed" }}, "X-Request-Id", "", "", "fixed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mw, err := requestid.New(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			req := coretest.NewRequest("GET", "/", nil)
			req.RemoteAddr = tt.remote
			if tt.incoming != "" {
				req.Header.Set(tt.header, tt.incoming)
			}
			res := req.Serve(mw(echoID))
			got := res.Header.Get(tt.header)
			if got != res.BodyString() {
				t.Fatalf("header %q, handler saw %q", got, res.Body)
			}
			switch {
			case tt.want != "" && got != tt.want:
				t.Fatalf("ID %q, want %q", got, tt.want)
			case tt.want == "" && (got == tt.incoming || len(got) != 26):
				t.Fatalf("ID %q, want a new one", got)
			}
		})
	}
}

func TestNewIDsDiffer(t *testing.T) {
	mw, _ := requestid.New(requestid.Config{})
	seen := map[string]bool{}
	for range 100 {
		id := coretest.Serve(mw(echoID), "GET", "/", nil).BodyString()
		if seen[id] {
			t.Fatalf("%q twice", id)
		}
		seen[id] = true
	}
}

func TestConfigRefused(t *testing.T) {
	for _, cfg := range []requestid.Config{{Header: "X Bad"}, {Header: "X:Id"}, {MaxLength: -1}} {
		if _, err := requestid.New(cfg); !errors.Is(err, requestid.ErrInvalidConfig) {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
}

func TestLogs(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(requestid.LogHandler(slog.NewTextHandler(&buf, nil)))
	mw, _ := requestid.New(requestid.Config{Generate: func() string { return "rid-7" }})
	app := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		logger.InfoContext(req.Context(), "working")
		logger.Info("no context")
		return w.SendStatus(204)
	})
	coretest.Serve(core.Chain(app, mw, requestid.AccessLog(logger)), "GET", "/x", nil)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines:\n%s", len(lines), buf.String())
	}
	if !strings.Contains(lines[0], "msg=working") || !strings.Contains(lines[0], "request_id=rid-7") {
		t.Errorf("application line %q", lines[0])
	}
	if strings.Contains(lines[1], "request_id") {
		t.Errorf("line without context %q", lines[1])
	}
	if !strings.Contains(lines[2], "msg=request") || !strings.Contains(lines[2], "request_id=rid-7") || !strings.Contains(lines[2], "status=204") {
		t.Errorf("access line %q", lines[2])
	}
	if a := requestid.Attr(context.Background()); a.Key != requestid.LogKey || a.Value.String() != "" {
		t.Errorf("Attr without an ID: %v", a)
	}
}
