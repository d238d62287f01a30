package serve

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports"
)

func TestListenAddress(t *testing.T) {
	for _, tc := range []struct{ listen, addr, want string }{
		{"", "", "tcp://127.0.0.1:8080"},
		{"", ":9000", "tcp://:9000"},
		{"unix:///tmp/x.sock", "", "unix:///tmp/x.sock"},
	} {
		if got, err := ListenAddress(tc.listen, tc.addr); err != nil || got != tc.want {
			t.Errorf("ListenAddress(%q, %q) = %q, %v; want %q", tc.listen, tc.addr, got, err, tc.want)
		}
	}
	if _, err := ListenAddress("tcp://127.0.0.1:1", "127.0.0.1:1"); err == nil || !strings.Contains(err.Error(), "both") {
		t.Errorf("-listen with -addr: %v", err)
	}
	_, err := ListenAddress("", "tcp://127.0.0.1:9001")
	if err == nil || strings.Contains(err.Error(), "tcp://tcp://") ||
		!strings.Contains(err.Error(), "-addr takes HOST:PORT") || !strings.Contains(err.Error(), "write -listen tcp://127.0.0.1:9001") {
		t.Errorf("-addr with a scheme: %v", err)
	}
}

// TestDevCertStableName: with no -devcert, the development certificate
// goes to the same file on every start, so a curl --cacert line keeps
// working; it is removed on exit.
func TestDevCertStableName(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	const address = "tls+tcp://127.0.0.1:0"
	want := filepath.Join(os.TempDir(), "tophat-devcert-tls+tcp-127.0.0.1-0.pem")
	if got := transports.DevCertPath(address); got != want {
		t.Fatalf("DevCertPath = %q, want %q", got, want)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, "test", address, "", core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
			return w.SendStatus(204)
		}))
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(want); err == nil {
			break
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("no certificate at %s: %v", want, <-done)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(want); !os.IsNotExist(err) {
		t.Errorf("certificate left after exit: %v", err)
	}
}
