package tcp_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports/tcp"
)

// reusePortChildEnv makes the test binary serve with ReusePort on the
// address it names, instead of running tests.
const reusePortChildEnv = "TOPHAT_TCP_REUSEPORT_CHILD"

// init runs before TestMain, so the child never reaches the tests.
func init() {
	if addr := os.Getenv(reusePortChildEnv); addr != "" {
		os.Exit(reusePortChild(addr))
	}
}

// reusePortChild answers every request with its PID until stdin closes.
func reusePortChild(addr string) int {
	ln, err := tcp.Listen(addr, &tcp.Config{ReusePort: true})
	if err != nil {
		fmt.Println(err)
		return 1
	}
	srv := &core.Server{Handler: core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return w.SendString(200, strconv.Itoa(os.Getpid()))
	})}
	go srv.Serve(ln)
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin)
	srv.Shutdown(context.Background())
	return 0
}

// Two processes listen on one port with SO_REUSEPORT, and the kernel
// spreads new connections over both.
func TestReusePortAcrossProcesses(t *testing.T) {
	// Reserve a free port with a listener that admits the others, start
	// the two servers on it, and let go of it before any client connects.
	reserve, err := tcp.Listen("127.0.0.1:0", &tcp.Config{ReusePort: true})
	if err != nil {
		t.Fatal(err)
	}
	addr := reserve.Addr().String()
	pids := map[string]int{}
	for range 2 {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), reusePortChildEnv+"="+addr)
		cmd.Stderr = os.Stderr
		stdin, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			stdin.Close()
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("server %d: %v", cmd.Process.Pid, err)
				}
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				<-done
				t.Errorf("server %d did not stop", cmd.Process.Pid)
			}
		})
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		if line != "ready\n" {
			t.Fatalf("server said %q", line)
		}
		pids[strconv.Itoa(cmd.Process.Pid)] = 0
	}
	reserve.Close()

	// Each request on a new connection, so that each is placed anew.
	const requests = 200
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for range requests {
		resp, err := c.Get("http://" + addr + "/")
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if _, ok := pids[string(body)]; err != nil || !ok {
			t.Fatalf("answer %q, %v from neither server %v", body, err, pids)
		}
		pids[string(body)]++
	}
	t.Logf("%d connections to %s: %v by server PID", requests, addr, pids)
	for pid, n := range pids {
		// The kernel hashes each connection to one of the sockets; the
		// chance that 200 all miss one of two is 2^-199.
		if n == 0 {
			t.Errorf("server %s received none of %d connections (%v)", pid, requests, pids)
		}
	}
}
