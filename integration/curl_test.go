package integration

import (
	"bufio"
	"bytes"
	"context"
	"net/textproto"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tophat-go/tophat/internal/testtool"
)

// curlResult is what one curl run reported.
type curlResult struct {
	status  int
	version string // curl's %{http_version}: "1.1", "2", ...
	header  textproto.MIMEHeader
	body    []byte
}

// TestCurl drives the server with curl, a client that shares no code with
// Go's, over every row curl can reach: TCP, Unix sockets (--unix-socket,
// --abstract-unix-socket) and TLS with the development certificate as the
// only trusted root (--cacert).
func TestCurl(t *testing.T) {
	curl := testtool.Require(t, "curl", "curl")
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			e := start(t, r)
			if e.ep.curl == nil {
				t.Skip("curl cannot reach this transport")
			}
			t.Run("get", func(t *testing.T) {
				res := runCurl(t, curl, e, "/hello?n=curl")
				if res.status != 200 || string(res.body) != "hello curl" {
					t.Fatalf("got %d %q", res.status, res.body)
				}
				if res.version != "1.1" {
					t.Errorf("curl spoke HTTP/%s, want 1.1 (the server offers nothing else)", res.version)
				}
			})
			t.Run("http1.1", func(t *testing.T) {
				res := runCurl(t, curl, e, "/hello?n=h1", "--http1.1")
				if res.status != 200 || string(res.body) != "hello h1" || res.version != "1.1" {
					t.Fatalf("got HTTP/%s %d %q", res.version, res.status, res.body)
				}
			})
			body := uploadBody()[:256<<10]
			file := filepath.Join(t.TempDir(), "body")
			if err := os.WriteFile(file, body, 0o600); err != nil {
				t.Fatal(err)
			}
			for _, chunked := range []bool{false, true} {
				t.Run("post/chunked="+strconv.FormatBool(chunked), func(t *testing.T) {
					args := []string{"--data-binary", "@" + file, "-H", "Content-Type: application/octet-stream"}
					if chunked {
						args = append(args, "-H", "Transfer-Encoding: chunked")
					}
					res := runCurl(t, curl, e, "/sha256", args...)
					if want := patternSum(7, int64(len(body))); res.status != 200 || string(res.body) != want {
						t.Fatalf("got %d %q, want 200 %q", res.status, res.body, want)
					}
					if got := res.header.Get("X-Chunked"); got != strconv.FormatBool(chunked) {
						t.Errorf("server saw chunked=%s, want %t", got, chunked)
					}
					if got := res.header.Get("X-Body-Bytes"); got != strconv.Itoa(len(body)) {
						t.Errorf("server read %s bytes, want %d", got, len(body))
					}
				})
			}
		})
	}
}

func runCurl(t *testing.T, curl string, e *env, path string, extra ...string) curlResult {
	t.Helper()
	dir := t.TempDir()
	headFile, bodyFile := filepath.Join(dir, "head"), filepath.Join(dir, "body")
	transportArgs, url := e.ep.curl(t, path)
	args := []string{"--silent", "--show-error", "--noproxy", "*",
		"--max-time", strconv.Itoa(int(smallTimeout.Seconds())),
		"--dump-header", headFile, "--output", bodyFile,
		"--write-out", "%{http_code} %{http_version}"}
	args = append(args, transportArgs...)
	args = append(args, extra...)
	args = append(args, url)

	ctx, cancel := context.WithTimeout(context.Background(), smallTimeout+5*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, curl, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("curl %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}

	var res curlResult
	code, version, _ := strings.Cut(strings.TrimSpace(stdout.String()), " ")
	res.status, _ = strconv.Atoi(code)
	res.version = version
	var err error
	if res.body, err = os.ReadFile(bodyFile); err != nil {
		t.Fatal(err)
	}
	head, err := os.ReadFile(headFile)
	if err != nil {
		t.Fatal(err)
	}
	tr := textproto.NewReader(bufio.NewReader(bytes.NewReader(head)))
	if _, err := tr.ReadLine(); err != nil { // the status line
		t.Fatalf("curl's header dump: %v", err)
	}
	if res.header, err = tr.ReadMIMEHeader(); err != nil {
		t.Fatalf("curl's header dump: %v", err)
	}
	return res
}
