//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package inherit_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports/inherit"
)

const sockEnv = "TOPHAT_INHERIT_TEST_SOCK"

func init() { children["restartable"] = restartableChild }

// restartableChild serves a TCP and a Unix socket, created on first start
// and inherited afterwards. SIGHUP hands both to a new copy of itself and
// shuts this one down; SIGTERM shuts it down. It reports on stdout:
// "ready PID TCPADDR", "handed over PID", "stopped PID".
func restartableChild() int {
	pid := os.Getpid()
	var web, local *inherit.Listener
	sockets, err := inherit.Sockets()
	if err == nil && len(sockets) > 0 {
		if web, err = inherit.ListenName("web"); err == nil {
			local, err = inherit.ListenName("local")
		}
	} else if err == nil {
		var tl, ul net.Listener
		if tl, err = net.Listen("tcp", "127.0.0.1:0"); err == nil {
			web, _ = inherit.Wrap("web", tl)
			if ul, err = net.Listen("unix", os.Getenv(sockEnv)); err == nil {
				local, _ = inherit.Wrap("local", ul)
			}
		}
	}
	if err != nil {
		fmt.Println("listen:", err)
		return 1
	}
	srv := &core.Server{Handler: core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		time.Sleep(time.Millisecond) // long enough to be caught in flight
		return w.SendString(200, strconv.Itoa(pid))
	})}
	served := make(chan error, 2)
	for _, ln := range []*inherit.Listener{web, local} {
		go func() { served <- srv.Serve(ln) }()
	}
	if err := inherit.Ready(); err != nil {
		fmt.Println("ready:", err)
		return 1
	}
	fmt.Printf("ready %d %s\n", pid, web.Addr())

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGHUP, syscall.SIGTERM)
	for s := range signals {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		if s == syscall.SIGHUP {
			next := exec.Command(os.Args[0], os.Args[1:]...)
			next.Stdout, next.Stderr = os.Stdout, os.Stderr
			if err := inherit.Handover(ctx, next, web, local); err != nil {
				fmt.Println("handover failed:", err)
				cancel()
				continue
			}
		}
		// Stop accepting before Shutdown, and wait until both accept loops
		// have ended: a stream that Accept returns while Shutdown is
		// starting is closed unserved by core.Server, which would reset a
		// client whose connection the kernel had already accepted.
		web.Close()
		local.Close()
		<-served
		<-served
		err := srv.Shutdown(ctx)
		cancel()
		if err != nil {
			fmt.Println("shutdown:", err)
			return 1
		}
		if s == syscall.SIGHUP {
			fmt.Printf("handed over %d\n", pid)
		} else {
			fmt.Printf("stopped %d\n", pid)
		}
		return 0
	}
	return 1
}

// load runs clients over TCP and the Unix socket, each on kept-alive
// connections and on a new connection per request, until stop is closed.
type load struct {
	ok, failed atomic.Int64
	mu         sync.Mutex
	byPID      map[string]int
	errs       []string
	stop       chan struct{}
	wg         sync.WaitGroup
}

func startLoad(tcpAddr, sock string) *load {
	l := &load{byPID: map[string]int{}, stop: make(chan struct{})}
	dialUnix := func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", sock)
	}
	for _, tr := range []*http.Transport{
		{}, {DisableKeepAlives: true},
		{DialContext: dialUnix}, {DialContext: dialUnix, DisableKeepAlives: true},
	} {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			defer tr.CloseIdleConnections()
			c := &http.Client{Transport: tr, Timeout: 20 * time.Second}
			for {
				select {
				case <-l.stop:
					return
				default:
				}
				pid, err := get(c, "http://"+tcpAddr+"/")
				l.mu.Lock()
				if err != nil {
					l.failed.Add(1)
					if len(l.errs) < 5 {
						l.errs = append(l.errs, err.Error())
					}
				} else {
					l.ok.Add(1)
					l.byPID[pid]++
				}
				l.mu.Unlock()
			}
		}()
	}
	return l
}

func get(c *http.Client, url string) (string, error) {
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != 200 {
		err = fmt.Errorf("status %d", resp.StatusCode)
	}
	return string(body), err
}

// waitFor returns once n more requests have succeeded or failed.
func (l *load) waitFor(t *testing.T, n int64) {
	t.Helper()
	target := l.ok.Load() + l.failed.Load() + n
	deadline := time.Now().Add(60 * time.Second)
	for l.ok.Load()+l.failed.Load() < target {
		if time.Now().After(deadline) {
			t.Fatalf("load stalled at %d requests", l.ok.Load()+l.failed.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestRestartDropsNoRequest restarts a server twice under load, by SIGHUP
// and Handover, over TCP and a Unix socket, and counts failed requests.
func TestRestartDropsNoRequest(t *testing.T) {
	becomeSubreaper(t)
	sock := t.TempDir() + "/s.sock"
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=restartable", sockEnv+"="+sock)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var pids []int // every generation, for the cleanup
	pids = append(pids, cmd.Process.Pid)
	lines := make(chan string)
	go func() {
		defer close(lines)
		s := bufio.NewScanner(stdout)
		for s.Scan() {
			lines <- s.Text()
		}
	}()
	t.Cleanup(func() {
		for _, pid := range pids {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		for range lines {
		}
		cmd.Wait()
		if len(pids) > 1 {
			reap(pids[1:])
		}
	})
	expect := func(prefix string) []string {
		t.Helper()
		select {
		case line, ok := <-lines:
			if !ok || !strings.HasPrefix(line, prefix) {
				t.Fatalf("child said %q (open %v), want %q", line, ok, prefix)
			}
			return strings.Fields(line)
		case <-time.After(60 * time.Second):
			t.Fatalf("no %q from the child", prefix)
		}
		return nil
	}
	ready := expect("ready ")
	current, _ := strconv.Atoi(ready[1])
	l := startLoad(ready[2], sock)
	defer func() {
		close(l.stop)
		l.wg.Wait()
	}()

	const restarts, between = 2, 300
	for range restarts {
		l.waitFor(t, between)
		syscall.Kill(current, syscall.SIGHUP)
		// The new process is ready before the old one lets go.
		next := expect("ready ")
		expect(fmt.Sprintf("handed over %d", current))
		current, _ = strconv.Atoi(next[1])
		pids = append(pids, current)
	}
	l.waitFor(t, between)
	close(l.stop)
	l.wg.Wait()
	l.stop = make(chan struct{}) // for the deferred close

	syscall.Kill(current, syscall.SIGTERM)
	expect(fmt.Sprintf("stopped %d", current))
	for line := range lines {
		t.Errorf("child said %q after stopping", line)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("first process: %v", err)
	}
	reap(pids[1:])
	pids = nil

	t.Logf("%d requests over %d restarts, %d failed; answered by %v", l.ok.Load()+l.failed.Load(), restarts, l.failed.Load(), l.byPID)
	if l.failed.Load() != 0 {
		t.Fatalf("%d requests failed: %q", l.failed.Load(), l.errs)
	}
	if len(l.byPID) != restarts+1 {
		t.Fatalf("answers came from %v, want %d processes", l.byPID, restarts+1)
	}
	if _, err := os.Stat(sock); err != nil {
		t.Fatalf("socket file after the restarts: %v", err)
	}
}
