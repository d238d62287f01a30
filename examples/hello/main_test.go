package main

import (
	"bufio"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports/pipe"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestHelloOverPipe(t *testing.T) {
	l, err := pipe.Listen("", nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := &core.Server{Handler: handler(true)}
	go srv.Serve(l)
	defer srv.Close()
	c := l.Client()
	defer c.CloseIdleConnections()
	for _, path := range []string{"/", "/any/path?x=1"} {
		resp, err := c.Get("http://hello" + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != "Hello, World!" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
			t.Fatalf("%s: %d %q %q", path, resp.StatusCode, body, resp.Header.Get("Content-Type"))
		}
	}
	resp, err := c.Post("http://hello/", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET, HEAD" {
		t.Fatalf("POST: %d Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
}

// TestHelloProgram builds and runs the command as a user would, with
// access logging on, and stops it with SIGTERM.
func TestHelloProgram(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the program")
	}
	bin := filepath.Join(t.TempDir(), "hello")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	logs := bufio.NewScanner(stderr)
	addrRe := regexp.MustCompile(`addr=(http://\S+)`)
	var url string
	for logs.Scan() {
		if m := addrRe.FindStringSubmatch(logs.Text()); m != nil {
			url = m[1]
			break
		}
	}
	if url == "" {
		t.Fatal("the program did not log its address")
	}
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url + "greet")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	c.CloseIdleConnections()
	if string(body) != "Hello, World!" {
		t.Fatalf("body %q", body)
	}
	var logged bool
	for logs.Scan() {
		if line := logs.Text(); strings.Contains(line, "INFO request") && strings.Contains(line, "target=/greet") && strings.Contains(line, "status=200") {
			logged = true
			break
		}
	}
	if !logged {
		t.Error("no access log line for the request")
	}
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() {
		io.Copy(io.Discard, stderr) // Wait must not close the pipe while it is read
		done <- cmd.Wait()
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the program did not stop on SIGTERM")
	}
}
