package kcp

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"

	xunix "golang.org/x/sys/unix"
)

// TestDialedSocketBuffer: a dialed session's socket gets the same large
// buffers as the listener's. With Linux's default (208 KB) a window's
// burst overflowed the client's receive buffer and a 10 MiB download over
// loopback crawled at 24 MiB/s, every drop costing a retransmission timer.
func TestDialedSocketBuffer(t *testing.T) {
	raw, err := os.ReadFile("/proc/sys/net/core/rmem_max")
	if err != nil {
		t.Skip("no /proc/sys/net/core/rmem_max:", err)
	}
	rmemMax, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	want := min(socketBuffer, rmemMax)
	c, err := Dial(context.Background(), "127.0.0.1:9", &Config{Linger: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rc, err := c.(*Conn).udp.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var got int
	var sockErr error
	if err := rc.Control(func(fd uintptr) {
		got, sockErr = xunix.GetsockoptInt(int(fd), xunix.SOL_SOCKET, xunix.SO_RCVBUF)
	}); err != nil || sockErr != nil {
		t.Fatal(err, sockErr)
	}
	// Linux reports twice the size asked for, to cover its bookkeeping.
	if got < want {
		t.Errorf("SO_RCVBUF = %d, want at least %d (rmem_max %d)", got, want, rmemMax)
	}
}
