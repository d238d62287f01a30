package tls

import (
	"context"
	stdtls "crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestCertificateFromPEMFiles(t *testing.T) {
	dev := devCert(t)
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, dev.CertPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, dev.KeyPEM, 0o600); err != nil {
		t.Fatal(err)
	}

	in := newTCPInner(t)
	serve(t, wrap(t, in.listener, &Config{CertFile: certFile, KeyFile: keyFile}))
	if _, body := get(t, httpClient(t, in.dial, dev.ClientConfig()), "https://localhost/files"); body != "GET /files alpn=http/1.1" {
		t.Fatalf("body %q", body)
	}

	for _, tc := range []struct {
		name string
		cfg  Config
		want error
	}{
		{"missing file", Config{CertFile: filepath.Join(dir, "absent.pem"), KeyFile: keyFile}, fs.ErrNotExist},
		{"cert without key", Config{CertFile: certFile}, ErrInvalidConfig},
		{"key without cert", Config{KeyFile: keyFile}, ErrInvalidConfig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := newTCPInner(t)
			defer in.listener.Close()
			if _, err := Wrap(in.listener, &tc.cfg); !errors.Is(err, tc.want) {
				t.Fatalf("Wrap: %v, want %v", err, tc.want)
			}
			if _, err := Listen("127.0.0.1:0", &tc.cfg); !errors.Is(err, tc.want) {
				t.Fatalf("Listen: %v, want %v", err, tc.want)
			}
		})
	}
}

func TestNoCertificate(t *testing.T) {
	in := newTCPInner(t)
	defer in.listener.Close()
	for _, cfg := range []*Config{nil, {}, {TLSConfig: &stdtls.Config{}}, {HandshakeTimeout: time.Second}} {
		if _, err := Wrap(in.listener, cfg); !errors.Is(err, ErrNoCertificate) {
			t.Errorf("Wrap(%+v): %v, want ErrNoCertificate", cfg, err)
		}
	}
	// The error says what to set, not only what is missing.
	if _, err := Listen("127.0.0.1:0", nil); !errors.Is(err, ErrNoCertificate) ||
		!strings.Contains(err.Error(), "set Config.CertFile and KeyFile") || !strings.Contains(err.Error(), "SelfSigned") {
		t.Errorf("Listen: %v, want ErrNoCertificate with a hint", err)
	}
	// Any certificate source is enough.
	dynamic := &stdtls.Config{GetCertificate: func(*stdtls.ClientHelloInfo) (*stdtls.Certificate, error) { return nil, nil }}
	if _, err := Wrap(in.listener, &Config{TLSConfig: dynamic}); err != nil {
		t.Errorf("Wrap with GetCertificate: %v", err)
	}
	if _, err := Wrap(nil, devCert(t).ServerConfig()); !errors.Is(err, ErrNilListener) {
		t.Errorf("Wrap(nil): %v, want ErrNilListener", err)
	}
}

func TestServerConfigDefaults(t *testing.T) {
	dev := devCert(t)
	base := &stdtls.Config{
		Certificates: make([]stdtls.Certificate, 1, 4), // spare capacity must not be written
		MinVersion:   stdtls.VersionTLS10,
		NextProtos:   make([]string, 0, 4),
	}
	base.Certificates[0] = dev.Certificate
	in := newTCPInner(t)
	l := wrap(t, in.listener, &Config{TLSConfig: base})
	if l.config.MinVersion != stdtls.VersionTLS12 {
		t.Errorf("MinVersion %s, want TLS 1.2", stdtls.VersionName(l.config.MinVersion))
	}
	if !slices.Equal(l.config.NextProtos, []string{"http/1.1"}) {
		t.Errorf("NextProtos %q", l.config.NextProtos)
	}
	if base.MinVersion != stdtls.VersionTLS10 || len(base.NextProtos) != 0 {
		t.Error("caller's tls.Config modified")
	}
	if l.handshakeTimeout != DefaultHandshakeTimeout {
		t.Errorf("handshake timeout %v, want %v", l.handshakeTimeout, DefaultHandshakeTimeout)
	}

	// Caller's choices beyond the floor are kept.
	keep := &stdtls.Config{Certificates: []stdtls.Certificate{dev.Certificate}, MinVersion: stdtls.VersionTLS13, NextProtos: []string{"custom"}}
	l2 := wrap(t, newTCPInner(t).listener, &Config{TLSConfig: keep, HandshakeTimeout: -1})
	if l2.config.MinVersion != stdtls.VersionTLS13 || !slices.Equal(l2.config.NextProtos, []string{"custom"}) || l2.handshakeTimeout != 0 {
		t.Errorf("config %v %q %v", l2.config.MinVersion, l2.config.NextProtos, l2.handshakeTimeout)
	}

	bad := &stdtls.Config{Certificates: []stdtls.Certificate{dev.Certificate}, MaxVersion: stdtls.VersionTLS11}
	if _, err := Wrap(in.listener, &Config{TLSConfig: bad}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("MaxVersion TLS 1.1: %v, want ErrInvalidConfig", err)
	}
}

func TestAcceptAfterClose(t *testing.T) {
	for _, newInner := range inners {
		in := newInner(t)
		t.Run(in.name, func(t *testing.T) {
			l := wrap(t, in.listener, devCert(t).ServerConfig())
			blocked := make(chan error, 1)
			go func() {
				_, err := l.Accept()
				blocked <- err
			}()
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			if err := receive(t, blocked); !errors.Is(err, net.ErrClosed) {
				t.Fatalf("blocked Accept: %v, want net.ErrClosed", err)
			}
			if _, err := l.Accept(); !errors.Is(err, net.ErrClosed) {
				t.Fatalf("Accept after Close: %v, want net.ErrClosed", err)
			}
		})
	}
}

// eofAfterCloseListener reports io.EOF after Close instead of net.ErrClosed,
// as a careless transport might.
type eofAfterCloseListener struct{ *pipeListener }

func (l *eofAfterCloseListener) Accept() (io.ReadWriteCloser, error) {
	if _, err := l.pipeListener.Accept(); err != nil {
		return nil, io.EOF
	}
	return nil, errors.New("unexpected stream")
}

func TestAcceptAfterCloseNormalisesInnerError(t *testing.T) {
	in := &eofAfterCloseListener{newPipeListener()}
	l := wrap(t, in, devCert(t).ServerConfig())
	_ = l.Close()
	if _, err := l.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept after Close: %v, want net.ErrClosed", err)
	}
}

// streamListener hands out one stream that is not a net.Conn.
type streamListener struct {
	*pipeListener
	stream *recordingStream
}

type recordingStream struct {
	io.ReadWriter
	closed atomic.Bool
}

func (s *recordingStream) Close() error {
	s.closed.Store(true)
	return nil
}

func (l *streamListener) Accept() (io.ReadWriteCloser, error) { return l.stream, nil }

func TestAcceptRejectsNonNetConn(t *testing.T) {
	stream := &recordingStream{}
	l := wrap(t, &streamListener{newPipeListener(), stream}, devCert(t).ServerConfig())
	s, err := l.Accept()
	if !errors.Is(err, ErrNotNetConn) || s != nil {
		t.Fatalf("Accept: %v, %v; want ErrNotNetConn", s, err)
	}
	if !stream.closed.Load() {
		t.Fatal("rejected stream was not closed")
	}
	var ne net.Error
	if errors.As(err, &ne) {
		t.Fatal("ErrNotNetConn must not look temporary to Server.Serve")
	}
}

// fakeACME stands in for an autocert.Manager without any network.
type fakeACME struct {
	cert  *stdtls.Certificate
	calls atomic.Int32
}

func (m *fakeACME) GetCertificate(*stdtls.ClientHelloInfo) (*stdtls.Certificate, error) {
	m.calls.Add(1)
	return m.cert, nil
}

func TestAutocertWiring(t *testing.T) {
	dev := devCert(t)
	m := &fakeACME{cert: &dev.Certificate}
	in := newTCPInner(t)
	l := wrap(t, in.listener, &Config{Autocert: m})
	if !slices.Equal(l.config.NextProtos, []string{"http/1.1", "acme-tls/1"}) {
		t.Fatalf("NextProtos %q", l.config.NextProtos)
	}
	if l.config.GetCertificate == nil {
		t.Fatal("GetCertificate not set")
	}

	// Ordinary clients get the manager's certificate and HTTP/1.1.
	serve(t, l)
	if _, body := get(t, httpClient(t, in.dial, dev.ClientConfig()), "https://localhost/acme"); body != "GET /acme alpn=http/1.1" {
		t.Fatalf("body %q", body)
	}
	if m.calls.Load() == 0 {
		t.Fatal("manager's GetCertificate never called")
	}

	// Combining the manager with another source is refused.
	both := &Config{Autocert: m, TLSConfig: &stdtls.Config{Certificates: []stdtls.Certificate{dev.Certificate}}}
	if _, err := Wrap(in.listener, both); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("Autocert with certificates: %v, want ErrInvalidConfig", err)
	}
}

func TestACMEChallengeStreamEndsAfterHandshake(t *testing.T) {
	dev := devCert(t)
	in := newTCPInner(t)
	l := wrap(t, in.listener, &Config{Autocert: &fakeACME{cert: &dev.Certificate}})
	accepted := acceptOne(l)
	raw, err := in.dial(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s := receive(t, accepted)
	defer s.Close()
	readErr := make(chan error, 1)
	go func() {
		_, err := s.Read(make([]byte, 1))
		readErr <- err
	}()

	// A TLS-ALPN-01 validation offers only acme-tls/1 and checks the
	// certificate itself, not through a chain.
	client := stdtls.Client(raw, &stdtls.Config{ServerName: "localhost", NextProtos: []string{"acme-tls/1"}, InsecureSkipVerify: true})
	defer client.Close()
	if err := client.HandshakeContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	if p := client.ConnectionState().NegotiatedProtocol; p != "acme-tls/1" {
		t.Fatalf("negotiated %q", p)
	}
	if err := receive(t, readErr); err != io.EOF {
		t.Fatalf("server Read on a challenge stream: %v, want io.EOF", err)
	}
}

func TestSelfSigned(t *testing.T) {
	dev := devCert(t)
	leaf := dev.Certificate.Leaf
	for _, name := range []string{"localhost", "127.0.0.1", "::1"} {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: name, Roots: dev.Pool}); err != nil {
			t.Errorf("default certificate for %s: %v", name, err)
		}
	}
	if leaf.NotAfter.Before(time.Now().Add(364 * 24 * time.Hour)) {
		t.Errorf("NotAfter %v is less than a year away", leaf.NotAfter)
	}
	if _, err := stdtls.X509KeyPair(dev.CertPEM, dev.KeyPEM); err != nil {
		t.Errorf("PEM pair does not load: %v", err)
	}

	custom, err := SelfSigned("dev.example", "10.1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	cl := custom.Certificate.Leaf
	if !slices.Equal(cl.DNSNames, []string{"dev.example"}) || len(cl.IPAddresses) != 1 || !cl.IPAddresses[0].Equal(net.ParseIP("10.1.2.3")) {
		t.Errorf("names %q, IPs %v", cl.DNSNames, cl.IPAddresses)
	}
	if _, err := cl.Verify(x509.VerifyOptions{DNSName: "localhost", Roots: custom.Pool}); err == nil {
		t.Error("custom certificate valid for localhost")
	}
	if _, err := cl.Verify(x509.VerifyOptions{DNSName: "dev.example", Roots: dev.Pool}); err == nil {
		t.Error("certificate trusted by another certificate's pool")
	}
	if _, err := SelfSigned("ok", ""); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("empty host: %v, want ErrInvalidConfig", err)
	}
}

// closeRecorder notes whether the dialed connection was closed.
type closeRecorder struct {
	net.Conn
	closed atomic.Bool
}

func (c *closeRecorder) Close() error {
	c.closed.Store(true)
	return c.Conn.Close()
}

func TestClientHelpers(t *testing.T) {
	if _, err := Dial(context.Background(), nil, nil); !errors.Is(err, ErrNilDial) {
		t.Errorf("Dial(nil): %v, want ErrNilDial", err)
	}
	if _, err := Client(nil, &stdtls.Config{MaxVersion: stdtls.VersionTLS11}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("Client with MaxVersion 1.1: %v, want ErrInvalidConfig", err)
	}
	tr := Transport(nil, nil)
	defer tr.CloseIdleConnections()
	if _, err := tr.DialTLSContext(context.Background(), "tcp", "localhost:443"); !errors.Is(err, ErrNilDial) {
		t.Errorf("Transport(nil) dial: %v, want ErrNilDial", err)
	}
	if tr.ForceAttemptHTTP2 {
		t.Error("Transport attempts HTTP/2")
	}

	// A failed handshake closes what was dialed: here the client does not
	// trust the server's certificate.
	in := newTCPInner(t)
	serve(t, wrap(t, in.listener, devCert(t).ServerConfig()))
	var dialed *closeRecorder
	dial := func(ctx context.Context) (net.Conn, error) {
		c, err := in.dial(ctx)
		if err != nil {
			return nil, err
		}
		dialed = &closeRecorder{Conn: c}
		return dialed, nil
	}
	other := devCert(t)
	if _, err := Dial(context.Background(), dial, &stdtls.Config{RootCAs: other.Pool, ServerName: "localhost"}); err == nil {
		t.Fatal("Dial trusted an unknown certificate")
	}
	if dialed == nil || !dialed.closed.Load() {
		t.Fatal("connection left open after a failed handshake")
	}
}

// TestTLS12OffersOnlyAEADSuites: a TLS 1.2 client that offers only CBC
// suites is refused, one that offers GCM is served.
func TestTLS12OffersOnlyAEADSuites(t *testing.T) {
	dev, err := SelfSigned("localhost")
	if err != nil {
		t.Fatal(err)
	}
	tc := &stdtls.Config{Certificates: []stdtls.Certificate{dev.Certificate}}
	if err := applyVersionFloor(tc); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		suite uint16
		ok    bool
	}{
		{stdtls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, false},
		{stdtls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, true},
	} {
		server, client := net.Pipe()
		done := make(chan error, 1)
		go func() {
			s := stdtls.Server(server, tc)
			done <- s.Handshake()
			s.Close()
		}()
		c := stdtls.Client(client, &stdtls.Config{InsecureSkipVerify: true, MaxVersion: stdtls.VersionTLS12,
			CipherSuites: []uint16{tt.suite}})
		err := c.Handshake()
		c.Close()
		<-done
		if (err == nil) != tt.ok {
			t.Errorf("%s: handshake error %v, want ok=%v", stdtls.CipherSuiteName(tt.suite), err, tt.ok)
		}
	}
}
