package compress_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net/textproto"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/compress"
	"github.com/tophat-go/tophat/transports/tcp"

	"github.com/tophat-go/tophat/internal/testtool"
)

// TestCurl has curl, whose decoders are zlib, libbrotli and libzstd rather
// than Go code, decode each coding over TCP.
func TestCurl(t *testing.T) {
	curl := testtool.Require(t, "curl", "curl")
	body := text(100 << 10)
	l, err := tcp.Listen("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := &core.Server{Handler: core.Chain(bodies(body), mustNew(t, compress.Config{}))}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			srv.Close()
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-served; !errors.Is(err, core.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	}()
	dir := t.TempDir()
	for _, tt := range []struct {
		name, accept, want string
	}{
		{"zstd", "zstd", "zstd"},
		{"br", "br", "br"},
		{"gzip", "gzip", "gzip"},
		{"curl's own list", "", "zstd"}, // curl offers deflate, gzip, br, zstd alike
		{"identity", "identity", ""},
	} {
		for _, path := range []string{"/string", "/stream"} {
			t.Run(tt.name+path, func(t *testing.T) {
				headers, out := filepath.Join(dir, "headers"), filepath.Join(dir, "body")
				args := []string{"-sS", "--compressed", "--max-time", "30", "-D", headers, "-o", out}
				if tt.accept != "" {
					args = append(args, "-H", "Accept-Encoding: "+tt.accept)
				}
				args = append(args, "http://"+l.Addr().String()+path)
				if msg, err := exec.Command(curl, args...).CombinedOutput(); err != nil {
					t.Fatalf("curl: %v: %s", err, msg)
				}
				raw, err := os.ReadFile(headers)
				if err != nil {
					t.Fatal(err)
				}
				tp := textproto.NewReader(bufio.NewReader(bytes.NewReader(raw)))
				if _, err := tp.ReadLine(); err != nil {
					t.Fatal(err)
				}
				header, err := tp.ReadMIMEHeader()
				if err != nil {
					t.Fatalf("headers %q: %v", raw, err)
				}
				if got := header.Get("Content-Encoding"); got != tt.want {
					t.Fatalf("Content-Encoding %q, want %q", got, tt.want)
				}
				got, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				if string(got) != body {
					t.Fatalf("curl decoded %d bytes, want the %d sent", len(got), len(body))
				}
			})
		}
	}
}
