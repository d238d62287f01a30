//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package inherit_test

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
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports/inherit"
)

func init() {
	children["activated"] = activatedChild
	children["misfits"] = misfitsChild
}

// activatedChild is a server started as systemd starts one: it serves the
// sockets named web and admin, answering with the socket's name, its PID
// and what is left of LISTEN_FDS in its environment, until its stdin
// closes.
func activatedChild() int {
	sockets, err := inherit.Sockets()
	if err != nil || len(sockets) != 2 {
		fmt.Println("sockets:", sockets, err)
		return 1
	}
	var lns []*inherit.Listener
	for _, name := range []string{"web", "admin"} {
		ln, err := inherit.ListenName(name)
		if err != nil {
			fmt.Println(err)
			return 1
		}
		lns = append(lns, ln)
	}
	// Each socket is taken once; unknown ones are errors that say what is
	// there.
	for _, err := range []error{
		wantErr(inherit.ListenName("web")), wantErr(inherit.ListenFD(3)),
		wantErr(inherit.ListenName("nope")), wantErr(inherit.ListenFD(7)),
	} {
		fmt.Println("error:", err)
	}
	srvs := make([]*core.Server, len(lns))
	done := make(chan error, len(lns))
	for i, ln := range lns {
		name := ln.Name()
		srvs[i] = &core.Server{Handler: core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
			return w.SendString(200, fmt.Sprintf("%s %d %q", name, os.Getpid(), os.Getenv("LISTEN_FDS")))
		})}
		go func() { done <- srvs[i].Serve(ln) }()
	}
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin)
	for _, srv := range srvs {
		srv.Shutdown(context.Background())
	}
	for range lns {
		<-done
	}
	return 0
}

func wantErr(_ *inherit.Listener, err error) error { return err }

// misfitsChild reports what ListenFD says of descriptors that are not
// listening stream sockets.
func misfitsChild() int {
	for fd := 3; fd <= 5; fd++ {
		_, err := inherit.ListenFD(fd)
		for _, sentinel := range []error{inherit.ErrNotSocket, inherit.ErrNotListening, inherit.ErrUnsupportedSocket} {
			if errors.Is(err, sentinel) {
				fmt.Printf("%d %v\n", fd, sentinel)
			}
		}
		if err == nil {
			fmt.Printf("%d accepted\n", fd)
		}
	}
	return 0
}

// startActivated starts the test binary as child with files as descriptors
// 3 onwards, the way systemd does: through a shell that puts its own PID
// in LISTEN_PID and then becomes the program, so the PID is the child's.
func startActivated(t *testing.T, child string, names string, files ...*os.File) (*exec.Cmd, *bufio.Scanner, io.WriteCloser) {
	t.Helper()
	cmd := exec.Command("/bin/sh", "-c", `LISTEN_PID=$$ exec "$0" -test.run=^$`, os.Args[0])
	cmd.Env = append(os.Environ(), childEnv+"="+child, fmt.Sprintf("LISTEN_FDS=%d", len(files)), "LISTEN_FDNAMES="+names)
	cmd.ExtraFiles = files
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
				t.Errorf("child: %v", err)
			}
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
			t.Error("child did not exit after its stdin closed")
		}
	})
	return cmd, bufio.NewScanner(stdout), stdin
}

func fileOf(t *testing.T, ln interface{ File() (*os.File, error) }) *os.File {
	t.Helper()
	f, err := ln.File()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestSocketActivation(t *testing.T) {
	tcpLn, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer tcpLn.Close()
	sock := filepath.Join(t.TempDir(), "admin.sock")
	unixLn, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer unixLn.Close()

	cmd, out, _ := startActivated(t, "activated", "web:admin", fileOf(t, tcpLn), fileOf(t, unixLn))
	var errs []string
	for out.Scan() && out.Text() != "ready" {
		errs = append(errs, out.Text())
	}
	wantErrs := []string{
		`inherit: inherited socket already in use: descriptor 3 (web)`,
		`inherit: inherited socket already in use: descriptor 3 (web)`,
		`inherit: no such inherited socket: name "nope" (inherited: 3=web 4=admin)`,
		`inherit: no such inherited socket: descriptor 7 (inherited: 3=web 4=admin)`,
	}
	for i, want := range wantErrs {
		if i >= len(errs) || errs[i] != "error: "+want {
			t.Fatalf("child said %q, want errors %q", errs, wantErrs)
		}
	}

	// The parent stops accepting (as systemd does not, but it shows that
	// the child serves on its own), and the child answers on both sockets.
	tcpLn.Close()
	unixLn.SetUnlinkOnClose(false)
	unixLn.Close()
	clients := map[string]*http.Client{
		"web": {Transport: &http.Transport{}},
		"admin": {Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", sock)
		}}},
	}
	for name, c := range clients {
		resp, err := c.Get("http://" + tcpLn.Addr().String() + "/")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		c.CloseIdleConnections()
		// The environment is cleared once read, so the child's own
		// children would not take the sockets for theirs.
		if want := fmt.Sprintf(`%s %d ""`, name, cmd.Process.Pid); string(body) != want {
			t.Errorf("%s: got %q, want %q", name, body, want)
		}
	}
}

func TestListenFDRefusesMisfits(t *testing.T) {
	file, err := os.Create(filepath.Join(t.TempDir(), "plain"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	conn, err := net.DialTCP("tcp", nil, ln.Addr().(*net.TCPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	udp, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()

	_, out, _ := startActivated(t, "misfits", "file:conn:udp", file, fileOf(t, conn), fileOf(t, udp))
	var got []string
	for out.Scan() {
		got = append(got, out.Text())
	}
	want := []string{
		"3 " + inherit.ErrNotSocket.Error(),
		"4 " + inherit.ErrNotListening.Error(),
		"5 " + inherit.ErrNotListening.Error(), // a UDP socket never listens
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("child said\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
