// Command deploy is a server set up the way operators run one: under
// systemd socket activation or on sockets of its own, behind a load
// balancer that speaks the PROXY protocol, restarted without dropping a
// request, and stopped gracefully.
//
//	go run ./examples/deploy -tcp 127.0.0.1:8080                 # curl http://127.0.0.1:8080/
//	go run ./examples/deploy -tcp '' -unix /tmp/deploy.sock      # curl --unix-socket /tmp/deploy.sock http://x/
//	go run ./examples/deploy -proxy                              # behind HAProxy's send-proxy-v2
//	kill -HUP $(pgrep -f examples/deploy)                        # restart: a new process takes the sockets over
//	kill -TERM $(pgrep -f examples/deploy)                       # stop: requests in flight finish
//
// Every answer says which process served it and whom: "pid=1234
// client=192.0.2.7:51000". GET /slow?ms=N answers the first line at once
// and the rest after N milliseconds, to watch a request finish across a
// restart or a stop.
//
// The sockets are named web (TCP) and local (Unix) and come, in this
// order, from systemd (LISTEN_FDNAMES=web:local, see the README's
// Deploying section), from the process this one replaced, or from the
// -tcp and -unix flags. On SIGHUP the process starts a copy of itself with
// the sockets (inherit.Handover), waits until the copy is serving, then
// shuts down; connections that arrive meanwhile wait in the sockets'
// queues, so none is refused. SIGTERM and SIGINT shut it down.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports/inherit"
	"github.com/tophat-go/tophat/transports/proxyproto"
)

// shutdownGrace is how long requests in flight may take to finish.
const shutdownGrace = 30 * time.Second

// maxSlow bounds /slow, so a typo cannot hold a connection for hours.
const maxSlow = 60 * time.Second

func main() {
	tcpAddr := flag.String("tcp", "127.0.0.1:8080", "TCP address to listen on when not given a socket named web; empty for none")
	unixPath := flag.String("unix", "", "Unix socket to listen on when not given a socket named local")
	proxy := flag.Bool("proxy", false, "require a PROXY protocol header (v1 or v2) on every connection")
	flag.Parse()
	if err := run(*tcpAddr, *unixPath, *proxy); err != nil {
		fmt.Fprintln(os.Stderr, "deploy:", err)
		os.Exit(1)
	}
}

func run(tcpAddr, unixPath string, proxy bool) error {
	listeners, err := listen(tcpAddr, unixPath)
	if err != nil {
		return err
	}
	srv := &core.Server{Handler: core.HandlerFunc(handle)}
	served := make(chan error, len(listeners))
	for _, l := range listeners {
		var cl core.Listener = l
		if proxy {
			if cl, err = proxyproto.Wrap(l, nil); err != nil {
				return err
			}
		}
		go func() { served <- srv.Serve(cl) }()
		slog.Info("listening", "name", l.Name(), "addr", l.Addr().String(), "pid", os.Getpid())
	}
	if err := inherit.Ready(); err != nil {
		return err
	}

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGHUP, syscall.SIGTERM, os.Interrupt)
	for sig := range signals {
		if sig == syscall.SIGHUP {
			if err := handover(listeners); err != nil {
				slog.Error("restart failed; still serving", "err", err)
				continue
			}
		}
		break
	}
	signal.Stop(signals)

	// Stop accepting first and wait until every accept loop has returned:
	// core.Server.Shutdown closes, unserved, a stream that Accept returns
	// while the shutdown starts, and behind a shared socket that is a
	// connection the kernel already accepted for us.
	for _, l := range listeners {
		l.Close()
	}
	for range listeners {
		<-served
	}
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		srv.Close()
		return err
	}
	slog.Info("stopped", "pid", os.Getpid())
	return nil
}

// listen takes the sockets named web and local if this process inherited
// them, and otherwise creates them from the flags.
func listen(tcpAddr, unixPath string) ([]*inherit.Listener, error) {
	sockets, err := inherit.Sockets()
	if err != nil && !errors.Is(err, inherit.ErrUnsupported) {
		return nil, err
	}
	if len(sockets) > 0 {
		var ls []*inherit.Listener
		for _, s := range sockets {
			l, err := inherit.ListenFD(s.FD)
			if err != nil {
				return nil, err
			}
			ls = append(ls, l)
		}
		return ls, nil
	}
	var ls []*inherit.Listener
	for _, sock := range []struct{ name, network, addr string }{{"web", "tcp", tcpAddr}, {"local", "unix", unixPath}} {
		if sock.addr == "" {
			continue
		}
		if sock.network == "unix" {
			removeStale(sock.addr)
		}
		nl, err := net.Listen(sock.network, sock.addr)
		if err != nil {
			return nil, err
		}
		l, err := inherit.Wrap(sock.name, nl)
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
	}
	if len(ls) == 0 {
		return nil, errors.New("nothing to listen on: give -tcp or -unix, or start under socket activation")
	}
	return ls, nil
}

// removeStale removes a Unix socket file that no process serves any more.
// After a handover the socket belongs to processes that did not create its
// file, and none of them knows it is the last, so the last one to stop
// leaves the file behind; a live socket is left alone, and Listen then
// reports it in use.
func removeStale(path string) {
	if c, err := net.Dial("unix", path); err == nil {
		c.Close()
		return
	}
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSocket != 0 {
		os.Remove(path)
	}
}

// handover starts this program again with the same arguments and passes
// it the sockets; it returns once the new process serves them.
func handover(listeners []*inherit.Listener) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(exe, os.Args[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := inherit.Handover(ctx, cmd, listeners...); err != nil {
		return err
	}
	slog.Info("handed over", "to", cmd.Process.Pid)
	return nil
}

func handle(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
	who := fmt.Sprintf("pid=%d client=%v\n", os.Getpid(), req.RemoteAddr())
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if req.Path() != "/slow" {
		return w.SendString(200, who)
	}
	ms, err := strconv.Atoi(req.Query().Get("ms"))
	if err != nil || ms < 0 || time.Duration(ms)*time.Millisecond > maxSlow {
		return w.SendString(400, "ms must be 0 to 60000\n")
	}
	b := w.Begin(200)
	b.WriteString(who)
	b.Flush()
	time.Sleep(time.Duration(ms) * time.Millisecond)
	b.WriteString("done\n")
	return b.Finish()
}
