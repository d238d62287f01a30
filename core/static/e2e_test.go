package static_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports/pipe"
	"github.com/tophat-go/tophat/transports/tcp"

	"github.com/tophat-go/tophat/internal/testtool"
)

// startServer serves h on l until the test ends.
func startServer(t *testing.T, h core.Handler, l core.Listener) {
	t.Helper()
	srv := &core.Server{Handler: h}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			srv.Close()
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-served; !errors.Is(err, core.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
}

// TestGoClient runs the handler behind a Server over the pipe transport
// and over TCP (where files leave through sendfile), with Go's client.
func TestGoClient(t *testing.T) {
	for _, tr := range []struct {
		name   string
		listen func(t *testing.T) (core.Listener, *http.Client)
	}{
		{"pipe", func(t *testing.T) (core.Listener, *http.Client) {
			l, err := pipe.Listen("", nil)
			if err != nil {
				t.Fatal(err)
			}
			return l, l.Client()
		}},
		{"tcp", func(t *testing.T) (core.Listener, *http.Client) {
			l, err := tcp.Listen("127.0.0.1:0", nil)
			if err != nil {
				t.Fatal(err)
			}
			return l, &http.Client{Transport: tcp.Transport(l.Addr().String(), nil)}
		}},
	} {
		t.Run(tr.name, func(t *testing.T) {
			l, client := tr.listen(t)
			startServer(t, dirHandler(t, nil), l)
			defer client.CloseIdleConnections()
			get := func(path string, header ...string) (*http.Response, []byte) {
				t.Helper()
				req, _ := http.NewRequest("GET", "http://files.test"+path, nil)
				for i := 0; i+1 < len(header); i += 2 {
					req.Header.Set(header[i], header[i+1])
				}
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				body, err := io.ReadAll(resp.Body)
				if err != nil {
					t.Fatal(err)
				}
				return resp, body
			}
			want := pattern(100 << 10)
			resp, body := get("/data.bin")
			if resp.StatusCode != 200 || !bytes.Equal(body, want) {
				t.Fatalf("whole file: %d, %d bytes", resp.StatusCode, len(body))
			}
			resp, body = get("/data.bin", "Range", "bytes=50000-59999")
			if resp.StatusCode != 206 || !bytes.Equal(body, want[50000:60000]) {
				t.Fatalf("range: %d, %d bytes", resp.StatusCode, len(body))
			}
			resp, _ = get("/data.bin", "If-None-Match", resp.Header.Get("ETag"))
			if resp.StatusCode != 304 {
				t.Fatalf("If-None-Match: %d", resp.StatusCode)
			}
			// Go's transport asks for gzip itself and decodes it.
			resp, body = get("/app.js")
			if resp.StatusCode != 200 || string(body) != appJS || !resp.Uncompressed {
				t.Fatalf("gzip variant: %d %q uncompressed=%t", resp.StatusCode, body, resp.Uncompressed)
			}
		})
	}
}

// TestCurl checks ranges, conditional requests and precompressed variants
// with curl, a client that shares no code with Go's, over TCP.
func TestCurl(t *testing.T) {
	curl := testtool.Require(t, "curl", "curl")
	l, err := tcp.Listen("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	startServer(t, dirHandler(t, nil), l)
	base := "http://" + l.Addr().String()
	run := func(path string, args ...string) (int, http.Header, []byte) {
		t.Helper()
		dir := t.TempDir()
		headFile, bodyFile := filepath.Join(dir, "head"), filepath.Join(dir, "body")
		all := append([]string{"--silent", "--show-error", "--noproxy", "*", "--max-time", "10",
			"--dump-header", headFile, "--output", bodyFile, "--write-out", "%{http_code}"}, args...)
		all = append(all, base+path)
		out, err := exec.Command(curl, all...).Output()
		if err != nil {
			t.Fatalf("curl %s: %v", strings.Join(all, " "), err)
		}
		status, _ := strconv.Atoi(strings.TrimSpace(string(out)))
		head, _ := os.ReadFile(headFile)
		body, _ := os.ReadFile(bodyFile)
		header := http.Header{}
		for line := range strings.SplitSeq(string(head), "\r\n") {
			if name, value, ok := strings.Cut(line, ":"); ok && !strings.HasPrefix(line, "HTTP/") {
				header.Add(name, strings.TrimSpace(value))
			}
		}
		return status, header, body
	}
	want := pattern(100 << 10)

	status, header, body := run("/data.bin")
	if status != 200 || !bytes.Equal(body, want) {
		t.Fatalf("whole file: %d, %d bytes", status, len(body))
	}
	etag, lastModified := header.Get("ETag"), header.Get("Last-Modified")
	if status, _, body = run("/data.bin", "--range", "1000-1999"); status != 206 || !bytes.Equal(body, want[1000:2000]) {
		t.Errorf("range: %d, %d bytes", status, len(body))
	}
	status, header, body = run("/hello.txt", "--range", "0-4,7-11")
	if status != 206 || !strings.HasPrefix(header.Get("Content-Type"), "multipart/byteranges; boundary=") ||
		!bytes.Contains(body, []byte("hello")) || !bytes.Contains(body, []byte("world")) {
		t.Errorf("multipart ranges: %d %q\n%s", status, header.Get("Content-Type"), body)
	}
	if status, _, _ = run("/data.bin", "--range", "999999-"); status != 416 {
		t.Errorf("unsatisfiable range: %d", status)
	}
	if status, _, body = run("/data.bin", "-H", "If-None-Match: "+etag); status != 304 || len(body) != 0 {
		t.Errorf("If-None-Match: %d, %d bytes", status, len(body))
	}
	if status, _, _ = run("/data.bin", "-H", "If-Modified-Since: "+lastModified); status != 304 {
		t.Errorf("If-Modified-Since: %d", status)
	}
	// curl's -z sends If-Modified-Since from a date.
	if status, _, _ = run("/data.bin", "-z", modTime.Add(-time.Hour).Format(http.TimeFormat)); status != 200 {
		t.Errorf("-z an hour before: %d", status)
	}
	if status, _, _ = run("/data.bin", "-H", `If-Match: "stale"`); status != 412 {
		t.Errorf("If-Match: %d", status)
	}
	if status, _, body = run("/data.bin", "--range", "0-9", "-H", `If-Range: "stale"`); status != 200 || len(body) != len(want) {
		t.Errorf("If-Range stale: %d, %d bytes", status, len(body))
	}
	status, header, body = run("/app.js", "--compressed", "-H", "Accept-Encoding: gzip")
	if status != 200 || header.Get("Content-Encoding") != "gzip" || string(body) != appJS {
		t.Errorf("gzip variant: %d %q %q", status, header.Get("Content-Encoding"), body)
	}
	if status, header, body = run("/app.js", "-H", "Accept-Encoding: br"); status != 200 ||
		header.Get("Content-Encoding") != "br" || string(body) != "pretend brotli bytes" || header.Get("Vary") != "Accept-Encoding" {
		t.Errorf("br variant: %d %v %q", status, header, body)
	}
	if status, _, body = run("/..%2f..%2foutside/secret.txt", "--path-as-is"); status != 400 || bytes.Contains(body, []byte("SECRET")) {
		t.Errorf("traversal: %d %q", status, body)
	}
	if status, _, body = run("/escape"); status != 404 || bytes.Contains(body, []byte("SECRET")) {
		t.Errorf("symlink out of the root: %d %q", status, body)
	}
	// --head writes the head to the output file too: only the head is checked.
	if status, header, _ = run("/data.bin", "--head"); status != 200 || header.Get("Content-Length") != strconv.Itoa(len(want)) {
		t.Errorf("HEAD: %d %v", status, header)
	}
}
