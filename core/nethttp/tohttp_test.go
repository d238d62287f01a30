package nethttp_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/textproto"
	"strings"
	"testing"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/nethttp"
)

// serveHTTP serves h inside a net/http server and returns its URL.
func serveHTTP(t *testing.T, h core.Handler, opts *core.Options) *httptest.Server {
	ts := httptest.NewServer(nethttp.HTTPHandler(h, opts))
	t.Cleanup(ts.Close)
	ts.Client().Timeout = testTimeout
	return ts
}

func TestHTTPHandler(t *testing.T) {
	release := make(chan struct{})
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		switch req.Path() {
		case "/stream":
			bw := w.Begin(200)
			bw.WriteString("one\n")
			bw.Flush()
			select {
			case <-release:
			case <-req.Context().Done():
			}
			bw.WriteString("two\n")
			bw.Trailer().Set("X-Done", "yes")
			return bw.Finish()
		case "/hints":
			w.Header().Set("Link", "</a.css>; rel=preload")
			w.SendInformational(103)
			return w.SendString(200, "hinted")
		}
		body, err := io.ReadAll(req.Body())
		if err != nil {
			return w.SendString(400, err.Error())
		}
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("X-Seen", req.Header().Get("X-Thing"))
		return w.SendString(201, fmt.Sprintf("%s %s host=%s body=%q chunked=%v trailer=%q remote=%v",
			req.Method(), req.Target(), req.Host(), body, req.Chunked(), req.Trailer().Get("X-Sum"), req.RemoteAddr() != nil))
	})
	ts := serveHTTP(t, h, &core.Options{MaxBodyBytes: 100})
	c := ts.Client()

	req, _ := http.NewRequest("POST", ts.URL+"/a/b?c=d", strings.NewReader("payload"))
	req.Header.Set("X-Thing", "thing")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	host := strings.TrimPrefix(ts.URL, "http://")
	want(t, resp, string(b), 201, fmt.Sprintf(`POST /a/b?c=d host=%s body="payload" chunked=false trailer="" remote=true`, host))
	if resp.Header.Get("X-Seen") != "thing" || resp.ContentLength != int64(len(b)) {
		t.Errorf("header %v, ContentLength %d", resp.Header, resp.ContentLength)
	}

	// A body of unknown length reaches the engine chunked, trailers and all.
	pr, pw := io.Pipe()
	go func() { io.WriteString(pw, "streamed"); pw.Close() }()
	req, _ = http.NewRequest("PUT", ts.URL+"/up", pr)
	req.Trailer = http.Header{"X-Sum": {"7"}}
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	want(t, resp, string(b), 201, fmt.Sprintf(`PUT /up host=%s body="streamed" chunked=true trailer="7" remote=true`, host))

	// The engine's limits hold.
	resp, err = c.Post(ts.URL+"/big", "text/plain", strings.NewReader(strings.Repeat("x", 1000)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 413 {
		t.Errorf("oversized body: %d, want 413", resp.StatusCode)
	}

	// Flushes pass through: the first line arrives before the rest exists.
	resp, err = c.Get(ts.URL + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(resp.Body)
	if line, err := br.ReadString('\n'); err != nil || line != "one\n" {
		t.Fatalf("first line %q, %v", line, err)
	}
	close(release)
	rest, err := io.ReadAll(br)
	resp.Body.Close()
	if err != nil || string(rest) != "two\n" || resp.Trailer.Get("X-Done") != "yes" {
		t.Fatalf("rest %q, %v, trailer %v", rest, err, resp.Trailer)
	}

	var hints []int
	trace := &httptrace.ClientTrace{Got1xxResponse: func(code int, _ textproto.MIMEHeader) error {
		hints = append(hints, code)
		return nil
	}}
	req, _ = http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), "GET", ts.URL+"/hints", nil)
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	want(t, resp, string(b), 200, "hinted")
	if len(hints) != 1 || hints[0] != 103 {
		t.Errorf("interim responses %v, want [103]", hints)
	}

	// Upgrades need the client's connection: refused.
	req, _ = http.NewRequest("GET", ts.URL+"/ws", nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 501 {
		t.Errorf("upgrade: %d, want 501", resp.StatusCode)
	}
}
