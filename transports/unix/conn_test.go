//go:build linux

package unix_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/tophat-go/tophat/transports/unix"
)

// accept waits for one stream on ln, failing the test on error.
func accept(t *testing.T, ln *unix.Listener) *unix.Conn {
	t.Helper()
	c, err := ln.AcceptUnix()
	if err != nil {
		t.Fatalf("Accept: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func dial(t *testing.T, address string) *unix.Conn {
	t.Helper()
	c, err := unix.Dial(context.Background(), address, nil)
	if err != nil {
		t.Fatalf("Dial(%q): %v", address, err)
	}
	t.Cleanup(func() { c.Close() })
	return c.(*unix.Conn)
}

// roundtrip proves a stream works both ways through ln, with the client
// half-closing to end its request as an HTTP client may.
func roundtrip(t *testing.T, ln *unix.Listener, address string) {
	t.Helper()
	client := dial(t, address)
	stream, err := ln.Accept()
	if err != nil {
		t.Fatalf("Accept: %v", err)
	}
	defer stream.Close()

	if _, err := client.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	if err := client.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(stream)
	if err != nil || string(got) != "ping" {
		t.Fatalf("server read %q, %v", got, err)
	}
	if _, err := stream.Write([]byte("pong")); err != nil {
		t.Fatal(err)
	}
	stream.Close()
	got, err = io.ReadAll(client)
	if err != nil || string(got) != "pong" {
		t.Fatalf("client read %q, %v", got, err)
	}
}

func TestRoundtrip(t *testing.T) {
	path := sockPath(t)
	ln := listen(t, path, nil)
	roundtrip(t, ln, path)
}

func TestConnAddressesAndDeadlines(t *testing.T) {
	path := sockPath(t)
	ln := listen(t, path, nil)
	client := dial(t, path)
	server := accept(t, ln)

	if got := server.LocalAddr().String(); got != path {
		t.Errorf("server LocalAddr = %q, want %q", got, path)
	}
	if got := client.RemoteAddr().String(); got != path {
		t.Errorf("client RemoteAddr = %q, want %q", got, path)
	}
	if got := server.LocalAddr().Network(); got != "unix" {
		t.Errorf("Network = %q", got)
	}

	// Deadlines come from *net.UnixConn and time out as net.Error.
	if err := server.SetReadDeadline(time.Now().Add(10 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	_, err := server.Read(make([]byte, 1))
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("Read past deadline: err = %v, want a timeout", err)
	}
}

func TestPeerCredentials(t *testing.T) {
	for _, address := range []string{sockPath(t), abstractName(t)} {
		ln := listen(t, address, nil)
		client := dial(t, address)
		stream, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		defer stream.Close()

		// The core finds the method by interface assertion on the stream.
		provider, ok := stream.(unix.CredentialsProvider)
		if !ok {
			t.Fatalf("%T is not a CredentialsProvider", stream)
		}
		got, err := provider.PeerCredentials()
		if err != nil || got != ourCredentials() {
			t.Errorf("%s: server sees %v, %v; want %v", address, got, err, ourCredentials())
		}
		// The client sees the server, which is this process too.
		got, err = client.PeerCredentials()
		if err != nil || got != ourCredentials() {
			t.Errorf("%s: client sees %v, %v; want %v", address, got, err, ourCredentials())
		}
	}
}

func TestPeerCredentialsAfterClose(t *testing.T) {
	path := sockPath(t)
	ln := listen(t, path, nil)
	dial(t, path)
	early := accept(t, ln)
	if _, err := early.PeerCredentials(); err != nil {
		t.Fatal(err)
	}
	early.Close()
	// Read before Close: remembered.
	if got, err := early.PeerCredentials(); err != nil || got != ourCredentials() {
		t.Fatalf("after Close: %v, %v", got, err)
	}

	dial(t, path)
	late := accept(t, ln)
	late.Close()
	// Never read before Close: the descriptor is gone, and that is an error.
	if _, err := late.PeerCredentials(); err == nil || errors.Is(err, unix.ErrNoCredentials) {
		t.Fatalf("err = %v, want a closed-connection error", err)
	}
}

func TestCredentialsOf(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if _, err := unix.CredentialsOf(a); !errors.Is(err, unix.ErrNoCredentials) {
		t.Fatalf("pipe: err = %v, want ErrNoCredentials", err)
	}
	if _, err := unix.CredentialsOf(nil); !errors.Is(err, unix.ErrNoCredentials) {
		t.Fatalf("nil: err = %v, want ErrNoCredentials", err)
	}
}

// TestTLSOverUnix wraps an accepted stream in TLS, as the tls transport
// does, and finds the credentials beneath it.
func TestTLSOverUnix(t *testing.T) {
	cert, pool := selfSigned(t, "tophat.test")
	path := sockPath(t)
	ln := listen(t, path, nil)

	type result struct {
		cred unix.Credentials
		err  error
	}
	done := make(chan result, 1)
	go func() {
		c, err := ln.AcceptConn()
		if err != nil {
			done <- result{err: err}
			return
		}
		srv := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
		defer srv.Close()
		if err := srv.Handshake(); err != nil {
			done <- result{err: err}
			return
		}
		cred, err := unix.CredentialsOf(srv)
		if err == nil {
			_, err = srv.Write([]byte("secret"))
		}
		done <- result{cred, err}
	}()

	raw := dial(t, path)
	client := tls.Client(raw, &tls.Config{RootCAs: pool, ServerName: "tophat.test", MinVersion: tls.VersionTLS12})
	defer client.Close()
	buf := make([]byte, len("secret"))
	if _, err := io.ReadFull(client, buf); err != nil || string(buf) != "secret" {
		t.Fatalf("client read %q, %v", buf, err)
	}
	r := <-done
	if r.err != nil || r.cred != ourCredentials() {
		t.Fatalf("server: %v, %v; want %v", r.cred, r.err, ourCredentials())
	}
}

func selfSigned(t *testing.T, host string) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: host},
		DNSNames:     []string{host},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// selfWrapper claims to wrap a connection but returns itself.
type selfWrapper struct{ net.Conn }

func (s selfWrapper) NetConn() net.Conn { return s }

func TestCredentialsOfStopsOnCycles(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if _, err := unix.CredentialsOf(selfWrapper{a}); !errors.Is(err, unix.ErrNoCredentials) {
		t.Fatalf("err = %v, want ErrNoCredentials", err)
	}
}
