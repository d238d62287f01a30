//go:build !linux

package tcp_test

import (
	"errors"
	"testing"

	"github.com/tophat-go/tophat/transports/tcp"
)

func TestReusePortUnsupported(t *testing.T) {
	ln, err := tcp.Listen("127.0.0.1:0", &tcp.Config{ReusePort: true})
	if !errors.Is(err, tcp.ErrReusePortUnsupported) {
		if err == nil {
			ln.Close()
		}
		t.Fatalf("Listen = %v, want ErrReusePortUnsupported", err)
	}
}
