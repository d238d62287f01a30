//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package inherit_test

import (
	"context"
	"errors"
	"net"
	"os/exec"
	"testing"

	"github.com/tophat-go/tophat/transports/inherit"
)

func TestUnsupported(t *testing.T) {
	if _, err := inherit.Sockets(); !errors.Is(err, inherit.ErrUnsupported) {
		t.Errorf("Sockets: %v", err)
	}
	if _, err := inherit.ListenName("web"); !errors.Is(err, inherit.ErrUnsupported) {
		t.Errorf("ListenName: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l, err := inherit.Wrap("web", ln)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := inherit.Handover(context.Background(), exec.Command("true"), l); !errors.Is(err, inherit.ErrUnsupported) {
		t.Errorf("Handover: %v", err)
	}
}
