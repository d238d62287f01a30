//go:build linux

package unix_test

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/tophat-go/tophat/transports/unix"
)

// sockPath returns a fresh socket path in a per-test directory; t.TempDir
// paths stay well inside sun_path's 107 bytes.
func sockPath(t *testing.T) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "s.sock")
}

// abstractName returns an abstract name no other test or process uses.
func abstractName(t *testing.T) string {
	t.Helper()
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("@tophat-unix-test-%d-%s", os.Getpid(), hex.EncodeToString(b[:]))
}

func listen(t *testing.T, address string, cfg *unix.Config) *unix.Listener {
	t.Helper()
	ln, err := unix.Listen(address, cfg)
	if err != nil {
		t.Fatalf("Listen(%q): %v", address, err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// dirEntries lists dir, to prove nothing (such as a staging directory) is
// left behind.
func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// responder is a test-only HTTP/1.1 server: it reads request heads with
// http.ReadRequest and answers each with a fixed-shape text body naming the
// method, path, Host and the peer's credentials.
type responder struct {
	ln *unix.Listener
	wg sync.WaitGroup

	mu    sync.Mutex
	conns []io.Closer
}

func startResponder(t *testing.T, ln *unix.Listener) *responder {
	t.Helper()
	r := &responder{ln: ln}
	r.wg.Add(1)
	go r.acceptLoop()
	t.Cleanup(func() {
		ln.Close()
		r.mu.Lock()
		for _, c := range r.conns {
			c.Close()
		}
		r.mu.Unlock()
		r.wg.Wait()
	})
	return r
}

func (r *responder) acceptLoop() {
	defer r.wg.Done()
	for {
		c, err := r.ln.AcceptUnix()
		if err != nil {
			return
		}
		r.mu.Lock()
		r.conns = append(r.conns, c)
		r.mu.Unlock()
		r.wg.Add(1)
		go r.serve(c)
	}
}

func (r *responder) serve(c *unix.Conn) {
	defer r.wg.Done()
	defer c.Close()
	br := bufio.NewReader(c)
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		n, _ := io.Copy(io.Discard, req.Body)
		peer := "none"
		if cred, err := unix.CredentialsOf(c); err == nil {
			peer = cred.String()
		}
		body := fmt.Sprintf("%s %s host=%s body=%d peer=%s", req.Method, req.URL.Path, req.Host, n, peer)
		if _, err := fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s", len(body), body); err != nil {
			return
		}
	}
}

// ourCredentials is what SO_PEERCRED must report for a peer in this process.
func ourCredentials() unix.Credentials {
	return unix.Credentials{UID: uint32(os.Getuid()), GID: uint32(os.Getgid()), PID: int32(os.Getpid())}
}

func isAddrInUse(err error) bool { return errors.Is(err, unix.ErrAddrInUse) }

var _ net.Conn = (*unix.Conn)(nil)
