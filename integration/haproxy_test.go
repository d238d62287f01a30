package integration

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tophat-go/tophat/internal/testtool"
)

// TestHAProxy puts HAProxy in front of two tophat processes (the deploy
// example, built here) with send-proxy-v2, over TCP and over Unix sockets.
// It checks that the load is spread over both, that each handler sees the
// real client address and port, and that stopping one backend with
// SIGTERM finishes the requests it had accepted while HAProxy moves new
// ones to the other.
func TestHAProxy(t *testing.T) {
	haproxy := testtool.Require(t, "haproxy", "haproxy")
	if testing.Short() {
		t.Skip("builds a program and starts HAProxy")
	}
	bin := filepath.Join(t.TempDir(), "deploy")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/tophat-go/tophat/examples/deploy").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, network := range []string{"tcp", "unix"} {
		t.Run(network, func(t *testing.T) { testHAProxy(t, haproxy, bin, network) })
	}
}

// backend is one running deploy process.
type backend struct {
	cmd    *exec.Cmd
	pid    string
	addr   string // as HAProxy's server line wants it
	exited chan error
}

var listeningRe = regexp.MustCompile(`INFO listening name=\S+ addr=(\S+) pid=(\d+)`)

func startBackend(t *testing.T, bin string, args ...string) *backend {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"-proxy"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	b := &backend{cmd: cmd, exited: make(chan error, 1)}
	lines := bufio.NewScanner(stderr)
	watchdog := time.AfterFunc(30*time.Second, func() { cmd.Process.Kill() })
	for lines.Scan() {
		if m := listeningRe.FindStringSubmatch(lines.Text()); m != nil {
			b.addr, b.pid = m[1], m[2]
			break
		}
	}
	watchdog.Stop()
	go func() {
		io.Copy(io.Discard, stderr)
		b.exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-b.exited
		b.exited <- nil // for a second reader
	})
	if b.pid == "" {
		t.Fatal("the backend did not log its address")
	}
	if strings.HasPrefix(b.addr, "/") {
		b.addr = "unix@" + b.addr
	}
	return b
}

// startHAProxy runs HAProxy in the foreground with a TCP frontend on a free
// loopback port, balancing over backends round-robin.
func startHAProxy(t *testing.T, haproxy string, backends ...*backend) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	front := l.Addr().String()
	l.Close()
	var servers strings.Builder
	for i, b := range backends {
		fmt.Fprintf(&servers, "    server b%d %s send-proxy-v2\n", i+1, b.addr)
	}
	// mode tcp: one backend connection per client connection, so the PROXY
	// header describes exactly the client whose bytes follow it. A refused
	// connection is retried on the other server at once (redispatch 1).
	config := fmt.Sprintf(`global
    maxconn 512
defaults
    mode tcp
    timeout connect 5s
    timeout client 30s
    timeout server 30s
    retries 3
    option redispatch 1
frontend fe
    bind %s
    default_backend be
backend be
    balance roundrobin
%s`, front, servers.String())
	file := filepath.Join(t.TempDir(), "haproxy.cfg")
	if err := os.WriteFile(file, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(haproxy, "-db", "-f", file)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		if t.Failed() {
			t.Logf("haproxy output:\n%s", out.String())
		}
	})
	for deadline := time.Now().Add(15 * time.Second); ; {
		c, err := net.Dial("tcp", front)
		if err == nil {
			c.Close()
			return front
		}
		if time.Now().After(deadline) {
			t.Fatalf("haproxy does not listen on %s: %v\n%s", front, err, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// proxied sends one request on a new connection to front and returns the
// response body and the client address the connection had, which the
// handler should have seen.
func proxied(front, target string) (body, client string, err error) {
	c, err := net.DialTimeout("tcp", front, 10*time.Second)
	if err != nil {
		return "", "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: app\r\nConnection: close\r\n\r\n", target); err != nil {
		return "", "", err
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != 200 {
		err = fmt.Errorf("status %d", resp.StatusCode)
	}
	return string(b), c.LocalAddr().String(), err
}

// parseWho reads the deploy example's "pid=P client=C" line.
func parseWho(line string) (pid, client string) {
	fmt.Sscanf(strings.TrimSpace(line), "pid=%s client=%s", &pid, &client)
	return pid, client
}

func testHAProxy(t *testing.T, haproxy, bin, network string) {
	var b1, b2 *backend
	if network == "tcp" {
		b1 = startBackend(t, bin, "-tcp", "127.0.0.1:0")
		b2 = startBackend(t, bin, "-tcp", "127.0.0.1:0")
	} else {
		dir := t.TempDir()
		b1 = startBackend(t, bin, "-tcp", "", "-unix", filepath.Join(dir, "b1.sock"))
		b2 = startBackend(t, bin, "-tcp", "", "-unix", filepath.Join(dir, "b2.sock"))
	}
	front := startHAProxy(t, haproxy, b1, b2)

	// Spread and addresses: a bounded number of requests from a few
	// clients, each on its own connection.
	const requests, clients = 200, 4
	var mu sync.Mutex
	byPID := map[string]int{}
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for range requests / clients {
				body, client, err := proxied(front, "/")
				pid, seen := parseWho(body)
				mu.Lock()
				byPID[pid]++
				mu.Unlock()
				if err != nil || seen != client {
					t.Errorf("got %q, %v; the handler should have seen client=%s", body, err, client)
					return
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	t.Logf("%s: %d requests through HAProxy: %d to backend 1, %d to backend 2", network, requests, byPID[b1.pid], byPID[b2.pid])
	for _, b := range []*backend{b1, b2} {
		if byPID[b.pid] < requests/4 {
			t.Errorf("backend %s served %d of %d requests (%v)", b.pid, byPID[b.pid], requests, byPID)
		}
	}

	// Stop backend 1 while it serves slow requests and a load runs: each
	// slow request it accepted finishes, and the load sees no failure.
	type slow struct {
		pid  string
		rest chan string
	}
	var slows []slow
	for range 6 {
		c, err := net.Dial("tcp", front)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(60 * time.Second))
		fmt.Fprintf(c, "GET /slow?ms=1500 HTTP/1.1\r\nHost: app\r\nConnection: close\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(resp.Body)
		first, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		pid, _ := parseWho(first)
		s := slow{pid: pid, rest: make(chan string, 1)}
		go func() {
			rest, err := io.ReadAll(br)
			if err != nil {
				rest = append(rest, " (error: "+err.Error()+")"...)
			}
			s.rest <- string(rest)
		}()
		slows = append(slows, s)
	}
	var ok, failed atomic.Int64
	stop := make(chan struct{})
	var errs []string
	for range clients {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				// A pause between requests keeps the load bounded: about a
				// thousand requests across the stop, not as many as the
				// machine can do.
				time.Sleep(5 * time.Millisecond)
				if _, _, err := proxied(front, "/"); err != nil {
					failed.Add(1)
					mu.Lock()
					errs = append(errs, err.Error())
					mu.Unlock()
				} else {
					ok.Add(1)
				}
			}
		})
	}
	b1.cmd.Process.Signal(syscall.SIGTERM)
	err := <-b1.exited
	b1.exited <- err
	// Some load after the stop, all of it on backend 2.
	for after := ok.Load() + 100; ok.Load()+failed.Load() < after; {
		time.Sleep(5 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if err != nil {
		t.Errorf("backend 1 after SIGTERM: %v", err)
	}
	inFlight := 0
	for _, s := range slows {
		rest := <-s.rest
		if s.pid == b1.pid {
			inFlight++
		}
		if rest != "done\n" {
			t.Errorf("slow request on backend %s ended with %q", s.pid, rest)
		}
	}
	t.Logf("%s: stopped backend 1 with %d slow requests in flight, all finished; load across the stop: %d requests, %d failed",
		network, inFlight, ok.Load()+failed.Load(), failed.Load())
	if inFlight == 0 {
		t.Errorf("no slow request reached backend 1 (%v)", slows)
	}
	if failed.Load() > 0 {
		t.Errorf("%d requests failed across the stop, first: %q", failed.Load(), errs[0])
	}
}
