package main

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tophat-go/tophat/transports"
)

// TestProgram runs the command as a user would, on a Unix socket with a
// database file that does not exist yet, signs up, and stops it.
func TestProgram(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the program")
	}
	dir := t.TempDir()
	bin, db, sock := filepath.Join(dir, "api"), filepath.Join(dir, "notes.db"), filepath.Join(dir, "api.sock")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-db", db, "-listen", "unix://"+sock, "-key", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	listening := make(chan bool, 1)
	var logs strings.Builder // written by the goroutine until exited
	go func() {
		lines := bufio.NewScanner(stderr)
		for lines.Scan() {
			logs.WriteString(lines.Text() + "\n")
			if strings.Contains(lines.Text(), "INFO listening") {
				listening <- true
			}
		}
		io.Copy(io.Discard, stderr)
		exited <- cmd.Wait()
	}()
	select {
	case <-listening:
	case err := <-exited:
		t.Fatalf("exited: %v\n%s", err, logs.String())
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-exited
		t.Fatal("did not log its address")
	}

	tr, err := transports.Transport("unix://"+sock, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Post("http://api/signup", "application/json",
		strings.NewReader(`{"name":"ada","password":"correct horse"}`))
	if err == nil {
		resp.Body.Close()
	}
	tr.CloseIdleConnections()
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v", err)
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		<-exited
		t.Error("no exit after SIGTERM")
	}
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("signup: %v %v\n%s", resp, err, logs.String())
	}
	if !strings.Contains(logs.String(), "target=/signup") || !strings.Contains(logs.String(), "request_id=") {
		t.Errorf("no access log line with a request ID:\n%s", logs.String())
	}
	if fi, err := os.Stat(db); err != nil || fi.Size() == 0 {
		t.Errorf("database file: %v", err)
	}
}

func TestIdentityKeyFlag(t *testing.T) {
	for _, bad := range []string{"not base64!", "c2hvcnQ="} {
		if _, err := identityKeys(bad); err == nil || !strings.Contains(err.Error(), "-key: want 32 bytes") {
			t.Errorf("-key %q: %v", bad, err)
		}
	}
	if keys, err := identityKeys("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="); err != nil || len(keys) != 1 || len(keys[0]) != 32 {
		t.Errorf("a good key: %v %v", keys, err)
	}
}
