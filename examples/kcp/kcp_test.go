// Package kcp_test runs the server and client commands of examples/kcp
// together, built as a user would build them.
package kcp_test

import (
	"bufio"
	"io"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func build(t *testing.T, dir, pkg string) string {
	t.Helper()
	bin := filepath.Join(dir, filepath.Base(pkg))
	if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	return bin
}

// TestServerAndClient starts the server on a random port with the lossy
// preset and a key, points the client at the address it logs, and stops the
// server with SIGTERM.
func TestServerAndClient(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the programs")
	}
	dir := t.TempDir()
	serverBin, clientBin := build(t, dir, "./server"), build(t, dir, "./client")

	// A short linger: the client closes right after reading, before its last
	// ACK leaves, and shutdown would otherwise wait five seconds for it.
	server := exec.Command(serverBin, "-listen", "kcp://127.0.0.1:0?preset=lossy&linger=200ms", "-key", "test passphrase")
	stderr, err := server.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	defer func() {
		if !stopped {
			server.Process.Kill()
			io.Copy(io.Discard, stderr)
			server.Wait()
		}
	}()
	watchdog := time.AfterFunc(30*time.Second, func() { server.Process.Kill() })
	defer watchdog.Stop()
	logs := bufio.NewScanner(stderr)
	var address string
	for logs.Scan() {
		if m := regexp.MustCompile(`INFO listening addr="?(kcp://[^" ]+)"? encrypted=true`).FindStringSubmatch(logs.Text()); m != nil {
			address = m[1]
			break
		}
	}
	if address == "" {
		t.Fatal("the server did not log its address")
	}
	base, query, _ := strings.Cut(address, "?")

	client := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(clientBin, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("client %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	if out := client("-url", base+"/hello?"+query, "-key", "test passphrase"); out != "200 Hello, World!\n" {
		t.Errorf("one request: %q", out)
	}
	if out := client("-url", base+"/echo?"+query, "-key", "test passphrase", "-d", "over KCP"); out != "200 over KCP\n" {
		t.Errorf("echo: %q", out)
	}
	out := client("-url", base+"/hello?"+query, "-key", "test passphrase", "-n", "100", "-q")
	if !regexp.MustCompile(`^requests=100 ok=100 errors=0 min=\S+ p50=\S+ p99=\S+ max=\S+\n$`).MatchString(out) {
		t.Errorf("summary: %q", out)
	}
	t.Log(strings.TrimSpace(out))

	wrong := exec.Command(clientBin, "-url", base+"/hello?"+query, "-key", "wrong", "-timeout", "200ms")
	if out, err := wrong.CombinedOutput(); err == nil || !strings.Contains(string(out), "same key") {
		t.Errorf("wrong key: %v\n%s", err, out)
	}

	server.Process.Signal(syscall.SIGTERM)
	var shutdown bool
	for logs.Scan() {
		shutdown = shutdown || strings.Contains(logs.Text(), "shutting down")
	}
	stopped = true
	if err := server.Wait(); err != nil || !shutdown {
		t.Errorf("server exit after SIGTERM: %v (shutdown logged: %v)", err, shutdown)
	}
}
