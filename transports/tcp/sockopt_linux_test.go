//go:build linux

package tcp_test

import (
	"context"
	"errors"
	"net"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tophat-go/tophat/transports/tcp"
)

func sockopt(t *testing.T, c syscall.Conn, level, option int) int {
	t.Helper()
	raw, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var value int
	var optErr error
	if err := raw.Control(func(fd uintptr) {
		value, optErr = unix.GetsockoptInt(int(fd), level, option)
	}); err != nil {
		t.Fatal(err)
	}
	if optErr != nil {
		t.Fatal(optErr)
	}
	return value
}

func TestSocketOptionsApplied(t *testing.T) {
	for _, tc := range []struct {
		name      string
		cfg       *tcp.Config
		keepAlive int // seconds; 0 means probes off
		noDelay   int
	}{
		{"defaults", nil, 15, 1},
		{"custom period", &tcp.Config{KeepAlive: 7 * time.Second}, 7, 1},
		{"sub-second period rounds up", &tcp.Config{KeepAlive: 300 * time.Millisecond}, 1, 1},
		{"keep-alive off", &tcp.Config{KeepAlive: -1}, 0, 1},
		{"nagle", &tcp.Config{DisableNoDelay: true}, 15, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ln := listen(t, tc.cfg)
			client, server := connect(t, ln, tc.cfg)
			for side, c := range map[string]syscall.Conn{"accepted": server, "dialed": client.(*net.TCPConn)} {
				if got := sockopt(t, c, unix.IPPROTO_TCP, unix.TCP_NODELAY); (got != 0) != (tc.noDelay != 0) {
					t.Errorf("%s: TCP_NODELAY = %d, want %d", side, got, tc.noDelay)
				}
				enabled := sockopt(t, c, unix.SOL_SOCKET, unix.SO_KEEPALIVE)
				if (enabled != 0) != (tc.keepAlive != 0) {
					t.Errorf("%s: SO_KEEPALIVE = %d, want probes %v", side, enabled, tc.keepAlive != 0)
				}
				if tc.keepAlive == 0 {
					continue
				}
				if got := sockopt(t, c, unix.IPPROTO_TCP, unix.TCP_KEEPIDLE); got != tc.keepAlive {
					t.Errorf("%s: TCP_KEEPIDLE = %d, want %d", side, got, tc.keepAlive)
				}
				if got := sockopt(t, c, unix.IPPROTO_TCP, unix.TCP_KEEPINTVL); got != tc.keepAlive {
					t.Errorf("%s: TCP_KEEPINTVL = %d, want %d", side, got, tc.keepAlive)
				}
			}
		})
	}
}

func TestReusePort(t *testing.T) {
	first := listen(t, &tcp.Config{ReusePort: true})
	address := first.Addr().String()

	// Without SO_REUSEPORT the port is taken.
	if ln, err := tcp.Listen(address, nil); !errors.Is(err, unix.EADDRINUSE) {
		if err == nil {
			ln.Close()
		}
		t.Fatalf("plain Listen on a taken port = %v, want EADDRINUSE", err)
	}
	second, err := tcp.Listen(address, &tcp.Config{ReusePort: true})
	if err != nil {
		t.Fatalf("second ReusePort listener: %v", err)
	}
	t.Cleanup(func() { second.Close() })
	if second.Addr().String() != address {
		t.Fatalf("second listener on %s, want %s", second.Addr(), address)
	}

	// Connections to the shared port are accepted by one listener or the
	// other; which one is the kernel's choice.
	const dials = 8
	accepted := make(chan net.Conn, dials)
	var wg sync.WaitGroup
	for _, ln := range []*tcp.Listener{first, second} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				c, err := ln.AcceptConn()
				if err != nil {
					return
				}
				accepted <- c
			}
		}()
	}
	for range dials {
		c, err := tcp.Dial(context.Background(), address, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	for range dials {
		select {
		case c := <-accepted:
			c.Close()
		case <-time.After(failAfter):
			t.Fatal("a connection to the shared port was not accepted")
		}
	}
	first.Close()
	second.Close()
	wg.Wait()
}
