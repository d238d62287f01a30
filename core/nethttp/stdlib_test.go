package nethttp_test

import (
	"bufio"
	"encoding/json"
	"expvar"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	_ "net/http/pprof" // registers on http.DefaultServeMux, as programs use it
	"net/url"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/nethttp"
)

func TestServeMux(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "item %s (%s)", r.PathValue("id"), r.Pattern)
	})
	mux.HandleFunc("POST /items/", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.WriteHeader(201)
		fmt.Fprintf(w, "created %s", b)
	})
	mux.HandleFunc("/files/{path...}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "file %s", r.PathValue("path"))
	})
	mux.HandleFunc("special.test/", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "host pattern")
	})
	mux.HandleFunc("/dir/", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "dir") })
	s := serve(t, nethttp.Handler(mux))

	resp, body := s.get(t, "http://x/items/42")
	want(t, resp, body, 200, "item 42 (GET /items/{id})")
	resp, body = s.do(t, "POST", "http://x/items/", strings.NewReader("thing"))
	want(t, resp, body, 201, "created thing")
	resp, body = s.get(t, "http://x/files/a/b%20c.txt")
	want(t, resp, body, 200, "file a/b c.txt")
	resp, body = s.get(t, "http://special.test/anything")
	want(t, resp, body, 200, "host pattern")
	resp, _ = s.do(t, "DELETE", "http://x/items/42", nil)
	if resp.StatusCode != 405 || !strings.Contains(resp.Header.Get("Allow"), "GET") {
		t.Errorf("DELETE: %d, Allow %q; want 405 with GET allowed", resp.StatusCode, resp.Header.Get("Allow"))
	}
	resp, body = s.get(t, "http://x/dir") // the client follows the 301
	want(t, resp, body, 200, "dir")
	if resp.Request.URL.Path != "/dir/" {
		t.Errorf("redirected to %q", resp.Request.URL.Path)
	}
	resp, _ = s.get(t, "http://x/nowhere")
	if resp.StatusCode != 404 {
		t.Errorf("unknown path: %d", resp.StatusCode)
	}
}

func TestFileServer(t *testing.T) {
	modTime := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	big := strings.Repeat("0123456789", 10000)
	fsys := fstest.MapFS{
		"hello.txt":  {Data: []byte("hello, file server"), ModTime: modTime},
		"big.bin":    {Data: []byte(big), ModTime: modTime},
		"index.html": {Data: []byte("<h1>index</h1>"), ModTime: modTime},
	}
	s := serve(t, nethttp.Handler(http.FileServerFS(fsys)))

	resp, body := s.get(t, "http://x/hello.txt")
	want(t, resp, body, 200, "hello, file server")
	if resp.ContentLength != 18 || resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" || resp.Header.Get("Last-Modified") != modTime.Format(http.TimeFormat) {
		t.Errorf("GET: ContentLength %d, header %v", resp.ContentLength, resp.Header)
	}

	resp, body = s.get(t, "http://x/hello.txt", "Range", "bytes=7-10")
	want(t, resp, body, 206, "file")
	if got := resp.Header.Get("Content-Range"); got != "bytes 7-10/18" {
		t.Errorf("Content-Range %q", got)
	}
	resp, body = s.get(t, "http://x/big.bin", "Range", "bytes=99990-")
	want(t, resp, body, 206, "0123456789")

	resp, body = s.get(t, "http://x/hello.txt", "If-Modified-Since", modTime.Format(http.TimeFormat))
	want(t, resp, body, 304, "")
	resp, body = s.get(t, "http://x/hello.txt", "If-Modified-Since", modTime.Add(-time.Hour).Format(http.TimeFormat))
	want(t, resp, body, 200, "hello, file server")

	resp, body = s.do(t, "HEAD", "http://x/big.bin", nil)
	want(t, resp, body, 200, "")
	if resp.ContentLength != int64(len(big)) {
		t.Errorf("HEAD: ContentLength %d, want %d", resp.ContentLength, len(big))
	}

	// Larger than the bridge holds: the body streams, with the length the
	// FileServer declared.
	resp, body = s.get(t, "http://x/big.bin")
	want(t, resp, body, 200, big)
	if resp.ContentLength != int64(len(big)) {
		t.Errorf("big GET: ContentLength %d, want %d", resp.ContentLength, len(big))
	}

	resp, body = s.get(t, "http://x/")
	want(t, resp, body, 200, "<h1>index</h1>")
}

// published is an expvar the test looks for; expvar panics on a name
// published twice, so it is made once for every run of the test.
var published = expvar.NewString("nethttp_test")

func TestPprofAndExpvar(t *testing.T) {
	published.Set("visible")
	s := serve(t, nethttp.Handler(http.DefaultServeMux))

	resp, body := s.get(t, "http://x/debug/pprof/")
	if resp.StatusCode != 200 {
		t.Fatalf("pprof index: %d", resp.StatusCode)
	}
	contains(t, body, "goroutine")

	resp, body = s.get(t, "http://x/debug/pprof/goroutine?debug=1")
	if resp.StatusCode != 200 {
		t.Fatalf("goroutine profile: %d", resp.StatusCode)
	}
	contains(t, body, "goroutine profile: total")

	resp, body = s.get(t, "http://x/debug/pprof/heap")
	if resp.StatusCode != 200 || len(body) < 2 || body[0] != 0x1f || body[1] != 0x8b {
		t.Fatalf("heap profile: %d, %d bytes; want gzip data", resp.StatusCode, len(body))
	}

	resp, body = s.get(t, "http://x/debug/pprof/symbol")
	if resp.StatusCode != 200 {
		t.Fatalf("symbol: %d", resp.StatusCode)
	}
	contains(t, body, "num_symbols")

	resp, body = s.get(t, "http://x/debug/vars")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Fatalf("expvar: %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var vars map[string]any
	if err := json.Unmarshal([]byte(body), &vars); err != nil {
		t.Fatalf("expvar JSON: %v", err)
	}
	if vars["nethttp_test"] != "visible" || vars["memstats"] == nil {
		t.Errorf("expvar: nethttp_test=%v, memstats present %v", vars["nethttp_test"], vars["memstats"] != nil)
	}
}

// backend serves h on its own pipe and returns a ReverseProxy to it.
func proxyTo(t *testing.T, h core.Handler) *httputil.ReverseProxy {
	backend := serve(t, h)
	u, _ := url.Parse("http://backend.test")
	proxy := httputil.NewSingleHostReverseProxy(u)
	proxy.Transport = backend.client.Transport
	return proxy
}

func TestReverseProxy(t *testing.T) {
	release := make(chan struct{})
	backend := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		switch req.Path() {
		case "/stream":
			w.Header().Set("Content-Type", "text/plain")
			w.Header().Set("Trailer", "X-Done")
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
		default:
			body, _ := io.ReadAll(req.Body())
			w.Header().Set("X-Backend-Host", req.Host())
			return w.SendString(200, fmt.Sprintf("%s %s %s host=%s", req.Method(), req.Target(), body, req.Host()))
		}
	})
	s := serve(t, nethttp.Handler(proxyTo(t, backend)))

	resp, body := s.do(t, "POST", "http://front.test/echo?q=1", strings.NewReader("payload"))
	want(t, resp, body, 200, "POST /echo?q=1 payload host=front.test")

	resp, err := s.client.Get("http://front.test/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	// The first line arrives while the backend still holds the rest: the
	// proxy's flushes pass through the bridge.
	line, err := br.ReadString('\n')
	if err != nil || line != "one\n" {
		t.Fatalf("first line %q, %v", line, err)
	}
	close(release)
	rest, err := io.ReadAll(br)
	if err != nil || string(rest) != "two\n" {
		t.Fatalf("rest %q, %v", rest, err)
	}
	if got := resp.Trailer.Get("X-Done"); got != "yes" {
		t.Errorf("trailer X-Done %q, want the backend's trailer proxied", got)
	}
}
