package router

import (
	"bufio"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports/pipe"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// answer is what a client saw of one response.
type answer struct {
	status   int
	header   http.Header
	body     string
	location string
	allow    string
}

// do sends one raw request (the target exactly as given, which Go's client
// would clean) to h, served by core.ServeConn over an in-memory pipe.
func do(t testing.TB, h core.Handler, method, target string) answer {
	t.Helper()
	server, client := pipe.New(nil)
	done := make(chan error, 1)
	go func() { done <- core.ServeConn(server, h, nil) }()
	defer func() {
		client.Close()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("ServeConn did not return after the client closed")
		}
	}()
	client.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(client, method+" "+target+" HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"); err != nil {
		t.Fatalf("send: %v", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(client), &http.Request{Method: method})
	if err != nil {
		t.Fatalf("%s %s: reading response: %v", method, target, err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, target, err)
	}
	return answer{
		status:   resp.StatusCode,
		header:   resp.Header,
		body:     string(body),
		location: resp.Header.Get("Location"),
		allow:    resp.Header.Get("Allow"),
	}
}

// echo answers with the pattern that matched and the values of its named
// wildcards, in headers so that HEAD answers carry them too.
func echo(names []string) core.Handler {
	return core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		w.Header().Set("X-Pattern", req.Pattern())
		w.Header().Set("X-Values", values(names, req.PathValue))
		return w.SendString(200, "routed")
	})
}

func values(names []string, get func(string) string) string {
	var b strings.Builder
	for _, n := range names {
		if n != "" {
			b.WriteString(n + "=" + get(n) + ";")
		}
	}
	return b.String()
}

// newRouter registers each pattern with an echo handler.
func newRouter(t testing.TB, patterns ...string) *Router {
	t.Helper()
	r := New()
	for _, s := range patterns {
		p, err := parsePattern(s)
		if err != nil {
			t.Fatalf("parsePattern(%q): %v", s, err)
		}
		if err := r.Register(s, echo(p.names)); err != nil {
			t.Fatalf("Register(%q): %v", s, err)
		}
	}
	return r
}

// newMux registers the same patterns on net/http's ServeMux, the oracle.
func newMux(t testing.TB, patterns ...string) *http.ServeMux {
	t.Helper()
	mux := http.NewServeMux()
	for _, s := range patterns {
		p, err := parsePattern(s)
		if err != nil {
			t.Fatalf("parsePattern(%q): %v", s, err)
		}
		mux.HandleFunc(s, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Pattern", r.Pattern)
			w.Header().Set("X-Values", values(p.names, r.PathValue))
			io.WriteString(w, "routed")
		})
	}
	return mux
}
