package integration

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports/kcp"
	"github.com/tophat-go/tophat/transports/pipe"
	"github.com/tophat-go/tophat/transports/tcp"
	tlstransport "github.com/tophat-go/tophat/transports/tls"
	"github.com/tophat-go/tophat/transports/unix"
)

// A row is one transport of the table every test body runs over.
type row struct {
	name string
	// noFIN marks KCP: a stream the server closes goes silent instead of
	// ending, and a listener that is gone refuses nothing, so clients must
	// bound every attempt with a timeout of their own.
	noFIN  bool
	listen func(tb testing.TB) *endpoint
}

// An endpoint is a listening server side and the ways to reach it.
type endpoint struct {
	ln core.Listener
	// baseURL prefixes request paths; the transports ignore its host.
	baseURL string
	// transport returns a fresh *http.Transport reaching ln.
	transport func() *http.Transport
	// dial opens a raw client stream (already TLS where the row is), for
	// pipelining by hand.
	dial func(ctx context.Context) (net.Conn, error)
	// sessions counts the KCP sessions still open on the server; nil for
	// other transports.
	sessions func() int
	// curl returns curl's arguments and the URL for path; nil where curl
	// cannot reach the transport.
	curl func(tb testing.TB, path string) (args []string, url string)
	// tls reports whether responses arrive over TLS.
	tls bool
}

// kcpClientLinger bounds a KCP client's Close (see kcpEndpoint).
const kcpClientLinger = time.Second

// kcpKey is the passphrase of the encrypted KCP row; both ends share it.
const kcpKey = "tophat integration test passphrase"

// rows is the table: every transport, and TLS over each stream transport.
var rows = []row{
	{name: "pipe", listen: pipeEndpoint},
	{name: "tcp", listen: tcpEndpoint},
	{name: "unix", listen: unixPathEndpoint},
	{name: "unix-abstract", listen: unixAbstractEndpoint},
	{name: "tls-tcp", listen: func(tb testing.TB) *endpoint { return tlsOver(tb, tcpEndpoint(tb)) }},
	{name: "tls-unix", listen: func(tb testing.TB) *endpoint { return tlsOver(tb, unixPathEndpoint(tb)) }},
	{name: "kcp-fast", noFIN: true, listen: func(tb testing.TB) *endpoint {
		return kcpEndpoint(tb, &kcp.Config{Preset: kcp.Fast})
	}},
	{name: "kcp-fec-key", noFIN: true, listen: func(tb testing.TB) *endpoint {
		return kcpEndpoint(tb, &kcp.Config{Preset: kcp.Fast, DataShards: 10, ParityShards: 3, Key: kcpKey})
	}},
	{name: "tls-kcp", noFIN: true, listen: func(tb testing.TB) *endpoint {
		return tlsOver(tb, kcpEndpoint(tb, &kcp.Config{Preset: kcp.Fast}))
	}},
}

func pipeEndpoint(tb testing.TB) *endpoint {
	ln, err := pipe.Listen("", nil)
	if err != nil {
		tb.Fatal(err)
	}
	name := ln.Addr().String()
	return &endpoint{
		ln:        ln,
		baseURL:   "http://tophat.test",
		transport: func() *http.Transport { return pipe.Transport(name, nil) },
		dial:      func(ctx context.Context) (net.Conn, error) { return pipe.Dial(ctx, name, nil) },
	}
}

func tcpEndpoint(tb testing.TB) *endpoint {
	ln, err := tcp.Listen("127.0.0.1:0", nil)
	if err != nil {
		tb.Fatal(err)
	}
	addr := ln.Addr().String()
	return &endpoint{
		ln:        ln,
		baseURL:   "http://tophat.test",
		transport: func() *http.Transport { return tcp.Transport(addr, nil) },
		dial:      func(ctx context.Context) (net.Conn, error) { return tcp.Dial(ctx, addr, nil) },
		curl: func(_ testing.TB, path string) ([]string, string) {
			return nil, "http://" + addr + path
		},
	}
}

// maxSocketPath is sun_path less its NUL: longer paths cannot be bound.
const maxSocketPath = 107

func unixPathEndpoint(tb testing.TB) *endpoint {
	dir := tb.TempDir()
	if len(dir) > maxSocketPath-8 {
		// A long TMPDIR or test name: fall back to a short directory.
		d, err := os.MkdirTemp("", "th")
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { os.RemoveAll(d) })
		dir = d
	}
	path := filepath.Join(dir, "s.sock")
	ep := unixEndpoint(tb, path)
	ep.curl = func(_ testing.TB, p string) ([]string, string) {
		return []string{"--unix-socket", path}, "http://localhost" + p
	}
	tb.Cleanup(func() {
		// The listener removes its socket file when it closes.
		if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
			tb.Errorf("socket file %s left behind (Lstat: %v)", path, err)
		}
	})
	return ep
}

var abstractSeq atomic.Int64

func unixAbstractEndpoint(tb testing.TB) *endpoint {
	name := fmt.Sprintf("@tophat-it-%d-%d", os.Getpid(), abstractSeq.Add(1))
	ep := unixEndpoint(tb, name)
	ep.curl = func(_ testing.TB, p string) ([]string, string) {
		return []string{"--abstract-unix-socket", name[1:]}, "http://localhost" + p
	}
	return ep
}

func unixEndpoint(tb testing.TB, address string) *endpoint {
	ln, err := unix.Listen(address, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return &endpoint{
		ln:        ln,
		baseURL:   "http://tophat.test",
		transport: func() *http.Transport { return unix.Transport(address, nil) },
		dial:      func(ctx context.Context) (net.Conn, error) { return unix.Dial(ctx, address, nil) },
	}
}

func kcpEndpoint(tb testing.TB, cfg *kcp.Config) *endpoint {
	ln, err := kcp.Listen("127.0.0.1:0", cfg)
	if err != nil {
		tb.Fatal(err)
	}
	addr := ln.Addr().String()
	// Clients linger less than the default: a client that gave up on a
	// server that is gone would otherwise wait DefaultLinger in Close for
	// acknowledgements that never come, past the leak check at the end.
	client := *cfg
	client.Linger = kcpClientLinger
	return &endpoint{
		ln:        ln,
		baseURL:   "http://tophat.test",
		transport: func() *http.Transport { return kcp.Transport(addr, &client) },
		dial:      func(ctx context.Context) (net.Conn, error) { return kcp.Dial(ctx, addr, &client) },
		sessions:  ln.Sessions,
	}
}

// devCert is one self-signed certificate for the whole run: making one per
// row would only slow the race detector down.
var devCert = sync.OnceValues(func() (*tlstransport.DevCertificate, error) {
	return tlstransport.SelfSigned()
})

func tlsOver(tb testing.TB, inner *endpoint) *endpoint {
	cert, err := devCert()
	if err != nil {
		tb.Fatal(err)
	}
	ln, err := tlstransport.Wrap(inner.ln, cert.ServerConfig())
	if err != nil {
		inner.ln.Close()
		tb.Fatal(err)
	}
	client := cert.ClientConfig()
	client.ServerName = "localhost"
	ep := &endpoint{
		ln:        ln,
		baseURL:   "https://localhost",
		transport: func() *http.Transport { return tlstransport.Transport(inner.dial, client) },
		dial: func(ctx context.Context) (net.Conn, error) {
			return tlstransport.Dial(ctx, inner.dial, client)
		},
		sessions: inner.sessions,
		tls:      true,
	}
	if inner.curl != nil {
		ep.curl = func(tb testing.TB, path string) ([]string, string) {
			args, _ := inner.curl(tb, path)
			caFile := filepath.Join(tb.TempDir(), "ca.pem")
			if err := os.WriteFile(caFile, cert.CertPEM, 0o600); err != nil {
				tb.Fatal(err)
			}
			// curl checks the certificate against the URL's host, so the
			// URL names localhost (and the port, for TCP).
			url := "https://localhost" + path
			if _, port, err := net.SplitHostPort(ln.Addr().String()); err == nil {
				url = "https://localhost:" + port + path
			}
			return append(args, "--cacert", caFile), url
		}
	}
	return ep
}

// countingListener counts the streams its Listener hands out, which is how
// tests see whether clients reused kept-alive streams.
type countingListener struct {
	core.Listener
	accepted atomic.Int64
}

func (l *countingListener) Accept() (io.ReadWriteCloser, error) {
	s, err := l.Listener.Accept()
	if err == nil {
		l.accepted.Add(1)
	}
	return s, err
}

// Test timeouts: generous for the race detector on two cores, short enough
// that a hang fails the run well within go test's own timeout.
const (
	shutdownWait = 20 * time.Second // Server.Shutdown in cleanup
	bigTimeout   = 2 * time.Minute  // one 10 MiB transfer
	smallTimeout = 20 * time.Second // one small request
)

// An env is a core.Server serving the test handler on one row's endpoint.
type env struct {
	row   row
	ep    *endpoint
	ln    *countingListener
	srv   *core.Server
	state *serverState

	served    chan error
	closeOnce sync.Once
	closeErr  error
}

// start serves the test handler on a fresh endpoint of r. Cleanup shuts the
// server down, checks that Serve returned ErrServerClosed and, for KCP,
// that no session is left open.
func start(tb testing.TB, r row) *env {
	tb.Helper()
	ep := r.listen(tb)
	e := &env{
		row:    r,
		ep:     ep,
		ln:     &countingListener{Listener: ep.ln},
		state:  newServerState(),
		served: make(chan error, 1),
	}
	e.srv = &core.Server{Handler: testHandler(e.state)}
	go func() { e.served <- e.srv.Serve(e.ln) }()
	tb.Cleanup(func() {
		if err := e.shutdown(); err != nil {
			tb.Errorf("shutdown: %v", err)
		}
		if ep.sessions != nil {
			if n := ep.sessions(); n != 0 {
				tb.Errorf("%d KCP sessions still open after shutdown", n)
			}
		}
	})
	return e
}

// shutdown shuts the server down gracefully once and waits for Serve.
func (e *env) shutdown() error {
	e.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), shutdownWait)
		defer cancel()
		if err := e.srv.Shutdown(ctx); err != nil {
			e.srv.Close()
			e.closeErr = fmt.Errorf("Shutdown: %w", err)
		}
		select {
		case err := <-e.served:
			if !errors.Is(err, core.ErrServerClosed) && e.closeErr == nil {
				e.closeErr = fmt.Errorf("Serve returned %v, want ErrServerClosed", err)
			}
		case <-time.After(shutdownWait):
			if e.closeErr == nil {
				e.closeErr = errors.New("Serve did not return after Shutdown")
			}
		}
	})
	return e.closeErr
}

// client returns an *http.Client with its own Transport (so its own pool
// of kept-alive streams), whose idle streams are closed at cleanup, before
// the server shuts down.
func (e *env) client(tb testing.TB) *http.Client {
	tr := e.ep.transport()
	tb.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

func (e *env) url(path string) string { return e.ep.baseURL + path }
