package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports"
	"github.com/tophat-go/tophat/transports/pipe"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// No goroutine is ignored: the program does not link kcp-go, whose
	// package starts some that never end.
	goleak.VerifyTestMain(m)
}

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

// program is the hello command, built and started as a user would.
type program struct {
	t      *testing.T
	cmd    *exec.Cmd
	logs   *bufio.Scanner
	stderr io.ReadCloser
	attrs  map[string]string // of the "listening" line
}

// attrRe matches key=value pairs of slog's text format, where values
// holding spaces, quotes or "=" are quoted.
var attrRe = regexp.MustCompile(`(\w+)=("(?:[^"\\]|\\.)*"|\S+)`)

// start builds the command, runs it with args and waits for its
// "listening" line. The process is killed when the test ends, if the test
// has not stopped it.
func start(t *testing.T, args ...string) *program {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the program")
	}
	bin := filepath.Join(t.TempDir(), "hello")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &program{t: t, cmd: cmd, logs: bufio.NewScanner(stderr), stderr: stderr}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			io.Copy(io.Discard, stderr)
			cmd.Wait()
		}
	})
	// A program that neither logs nor exits must not hang the test.
	watchdog := time.AfterFunc(30*time.Second, func() { cmd.Process.Kill() })
	defer watchdog.Stop()
	for p.logs.Scan() {
		line := p.logs.Text()
		if strings.Contains(line, "INFO listening ") {
			p.attrs = map[string]string{}
			for _, m := range attrRe.FindAllStringSubmatch(line, -1) {
				if v, err := strconv.Unquote(m[2]); err == nil {
					m[2] = v
				}
				p.attrs[m[1]] = m[2]
			}
			return p
		}
	}
	t.Fatal("the program did not log its address")
	return nil
}

// waitForLog reads log lines until one contains every part.
func (p *program) waitForLog(parts ...string) bool {
	watchdog := time.AfterFunc(15*time.Second, func() { p.cmd.Process.Kill() })
	defer watchdog.Stop()
	for p.logs.Scan() {
		found := true
		for _, s := range parts {
			found = found && strings.Contains(p.logs.Text(), s)
		}
		if found {
			return true
		}
	}
	return false
}

// stop sends SIGTERM and checks that the program exits cleanly.
func (p *program) stop() {
	p.t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() {
		io.Copy(io.Discard, p.stderr) // Wait must not close the pipe while it is read
		done <- p.cmd.Wait()
	}()
	select {
	case err := <-done:
		if err != nil {
			p.t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(15 * time.Second):
		p.t.Fatal("the program did not stop on SIGTERM")
	}
}

func getBody(t *testing.T, c *http.Client, url string) string {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	c.CloseIdleConnections()
	return string(body)
}

// TestHelloProgram builds and runs the command as a user would, with
// access logging on, and stops it with SIGTERM.
func TestHelloProgram(t *testing.T) {
	p := start(t, "-addr", "127.0.0.1:0")
	url := regexp.MustCompile(`^http://\S+$`).FindString(p.attrs["addr"])
	if url == "" {
		t.Fatalf("the program did not log an http:// address: %v", p.attrs)
	}
	if body := getBody(t, &http.Client{Timeout: 5 * time.Second}, url+"greet"); body != "Hello, World!" {
		t.Fatalf("body %q", body)
	}
	if !p.waitForLog("INFO request", "target=/greet", "status=200") {
		t.Error("no access log line for the request")
	}
	p.stop()
}

// TestHelloOverUnixSocket runs the command on a socket file, reaches it
// through the address it logs, and checks that the file is gone after exit.
func TestHelloOverUnixSocket(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "hello.sock")
	p := start(t, "-listen", "unix://"+sock+"?mode=0600")
	if p.attrs["addr"] != "unix://"+sock+"?mode=0600" {
		t.Fatalf("logged addr=%s", p.attrs["addr"])
	}
	tr, err := transports.Transport(p.attrs["addr"], nil)
	if err != nil {
		t.Fatal(err)
	}
	if body := getBody(t, &http.Client{Transport: tr, Timeout: 5 * time.Second}, "http://hello/"); body != "Hello, World!" {
		t.Fatalf("body %q", body)
	}
	if !p.waitForLog("INFO request", "status=200") {
		t.Error("no access log line for the request")
	}
	p.stop()
	if _, err := os.Stat(sock); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket file after exit: %v", err)
	}
}

// TestHelloOverTLS runs the command with a TLS address and no certificate,
// and trusts the development certificate the way curl --cacert would: from
// the file the program logs.
func TestHelloOverTLS(t *testing.T) {
	devCert := filepath.Join(t.TempDir(), "dev.pem")
	p := start(t, "-listen", "tls+tcp://127.0.0.1:0", "-devcert", devCert)
	url := p.attrs["addr"]
	if !strings.HasPrefix(url, "https://127.0.0.1:") || p.attrs["cacert"] != devCert {
		t.Fatalf("logged %v", p.attrs)
	}
	pem, err := os.ReadFile(devCert)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		t.Fatalf("%s holds no certificate", devCert)
	}
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	if body := getBody(t, c, url+"secure"); body != "Hello, World!" {
		t.Fatalf("body %q", body)
	}
	if !p.waitForLog("INFO request", "target=/secure", "status=200") {
		t.Error("no access log line for the request")
	}
	p.stop()
	if _, err := os.Stat(devCert); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("development certificate after exit: %v", err)
	}
}

// TestHelloRejectsBadAddress checks that a bad -listen ends the program
// with the address error, which lists what is accepted.
func TestHelloRejectsBadAddress(t *testing.T) {
	err := run(context.Background(), "unix://relative.sock", "", true)
	if !errors.Is(err, transports.ErrInvalidAddress) || !strings.Contains(err.Error(), "unix:///absolute/path.sock") {
		t.Fatalf("run: %v", err)
	}
}
