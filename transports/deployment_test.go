package transports_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports"
	"github.com/tophat-go/tophat/transports/inherit"
	"github.com/tophat-go/tophat/transports/proxyproto"
)

func TestDeploymentAddresses(t *testing.T) {
	for _, good := range []string{
		"fd://3", "systemd://web", "tls+systemd://web", "tls+fd://4",
		"proxy+tcp://127.0.0.1:8080?proxytrusted=10.0.0.0/8,fd00::/8&proxytimeout=2s&reuseport=1",
		"proxy+unix:///run/app.sock?mode=0660", "tls+proxy+unix:///run/app.sock",
	} {
		if _, err := transports.ParseAddress(good); err != nil {
			t.Errorf("%s: %v", good, err)
		}
	}
	for address, says := range map[string]string{
		"fd://2":     "not a number from 3 up",
		"fd://x":     "not a number from 3 up",
		"systemd://": "want systemd://web",
		"proxy+tcp://127.0.0.1:1?proxytrusted=10.0.0.1": `"10.0.0.1" is not a network`,
		"proxy+tcp://127.0.0.1:1?proxytimeout=-1s":      "positive duration",
		"proxy+unix://relative.sock":                    "not absolute",
	} {
		_, err := transports.ParseAddress(address)
		if !errors.Is(err, transports.ErrInvalidAddress) || !strings.Contains(err.Error(), says) {
			t.Errorf("%s: %v, want ErrInvalidAddress saying %q", address, err, says)
		}
	}
	// This test process inherited nothing, and an inherited socket is
	// never dialed.
	if runtime.GOOS != "windows" {
		if _, err := transports.Listen("systemd://web", nil); !errors.Is(err, inherit.ErrNotInherited) {
			t.Errorf("Listen systemd://web: %v, want inherit.ErrNotInherited", err)
		}
	}
	if _, err := transports.Dial(context.Background(), "fd://3", nil); !errors.Is(err, transports.ErrInvalidAddress) {
		t.Errorf("Dial fd://3: %v, want ErrInvalidAddress", err)
	}
}

// Behind proxy+tcp the handler sees the address the PROXY header names:
// with transports' own client, the client's socket; a client that sends
// no header is closed unanswered, unless it comes from outside
// proxytrusted.
func TestProxyTCP(t *testing.T) {
	start := func(address string) *transports.Listener {
		l, err := transports.Listen(address, &transports.Options{
			Logger:  testLogger(t),
			Configs: []any{&proxyproto.Config{HeaderTimeout: 5 * time.Second}},
		})
		if err != nil {
			t.Fatal(err)
		}
		srv := &core.Server{Handler: core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
			return w.SendString(200, req.RemoteAddr().String())
		})}
		go srv.Serve(l)
		t.Cleanup(func() { srv.Close() })
		return l
	}
	rawGet := func(addr string) (string, error) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return "", err
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		fmt.Fprint(c, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			return "", err
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		return string(b) + " from " + c.LocalAddr().String(), err
	}

	l := start("proxy+tcp://127.0.0.1:0")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := transports.Dial(ctx, l.Address().String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprint(conn, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if string(body) != conn.LocalAddr().String() {
		t.Errorf("handler saw %q, the client is %v", body, conn.LocalAddr())
	}
	if got, err := rawGet(l.Addr().String()); err == nil {
		t.Errorf("a client without a header was answered: %q", got)
	}

	untrusted := start("proxy+tcp://127.0.0.1:0?proxytrusted=10.0.0.0/8")
	got, err := rawGet(untrusted.Addr().String())
	if parts := strings.Split(got, " from "); err != nil || len(parts) != 2 || parts[0] != parts[1] {
		t.Errorf("a client outside proxytrusted: %q, %v; want its own address", got, err)
	}
}

// tlsChildEnv makes the test binary serve tls+systemd://web, as a program
// started by systemd with a socket named web would.
const tlsChildEnv = "TOPHAT_TRANSPORTS_TEST_ACTIVATED"

func init() {
	if os.Getenv(tlsChildEnv) == "" {
		return
	}
	l, err := transports.Listen("tls+systemd://web", &transports.Options{DevCertFile: os.Getenv(tlsChildEnv)})
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	srv := &core.Server{Handler: core.HandlerFunc(show)}
	go srv.Serve(l)
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin)
	srv.Shutdown(context.Background())
	os.Exit(0)
}

// TLS composes with an inherited socket: a child started the way systemd
// starts one (a shell sets LISTEN_PID to its own PID, then execs) serves
// tls+systemd://web with a development certificate the parent trusts.
func TestTLSOverInheritedSocket(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no socket inheritance on Windows")
	}
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	f, err := ln.File()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	devCert := t.TempDir() + "/dev.pem"
	cmd := exec.Command("/bin/sh", "-c", `LISTEN_PID=$$ exec "$0" -test.run=^$`, os.Args[0])
	cmd.Env = append(os.Environ(), tlsChildEnv+"="+devCert, "LISTEN_FDS=1", "LISTEN_FDNAMES=web")
	cmd.ExtraFiles = []*os.File{f}
	cmd.Stderr = os.Stderr
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("child: %v", err)
		}
	}()
	if line, _ := bufio.NewReader(stdout).ReadString('\n'); line != "ready\n" {
		t.Fatalf("child said %q", line)
	}
	ln.Close() // only the child serves from here on
	got := get(t, "tls+tcp://"+ln.Addr().String(), &transports.Options{DevCertFile: devCert}, "https://localhost/inherited")
	if got != "/inherited tls=true" {
		t.Fatalf("body %q", got)
	}
}
