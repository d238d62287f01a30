package tls

import (
	"context"
	stdtls "crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

func TestHTTPSGet(t *testing.T) {
	for _, newInner := range inners {
		in := newInner(t)
		t.Run(in.name, func(t *testing.T) {
			dev := devCert(t)
			l := wrap(t, in.listener, dev.ServerConfig())
			serve(t, l)
			c := httpClient(t, in.dial, dev.ClientConfig())

			for _, path := range []string{"/first", "/second"} { // the second reuses the connection
				resp, body := get(t, c, "https://localhost"+path)
				if resp.StatusCode != 200 {
					t.Fatalf("status %d", resp.StatusCode)
				}
				if want := "GET " + path + " alpn=http/1.1"; body != want {
					t.Fatalf("body %q, want %q", body, want)
				}
				if resp.TLS == nil || resp.TLS.NegotiatedProtocol != "http/1.1" {
					t.Fatalf("client TLS state %+v, want ALPN http/1.1", resp.TLS)
				}
				if resp.TLS.Version < stdtls.VersionTLS12 {
					t.Fatalf("version %s", stdtls.VersionName(resp.TLS.Version))
				}
			}
		})
	}
}

func TestHTTPSGetByIPAndPlainScheme(t *testing.T) {
	in := newTCPInner(t)
	dev := devCert(t)
	serve(t, wrap(t, in.listener, dev.ServerConfig()))

	// The URL's host is what the certificate is checked against...
	_, body := get(t, httpClient(t, in.dial, dev.ClientConfig()), "https://127.0.0.1/ip")
	if body != "GET /ip alpn=http/1.1" {
		t.Fatalf("body %q", body)
	}

	// ...unless ServerName pins it, and then http:// goes over TLS too.
	cfg := dev.ClientConfig()
	cfg.ServerName = "localhost"
	resp, body := get(t, httpClient(t, in.dial, cfg), "http://anything.invalid/plain")
	if body != "GET /plain alpn=http/1.1" {
		t.Fatalf("body %q", body)
	}
	if resp.TLS != nil {
		t.Fatal("Response.TLS set for an http:// URL")
	}

	// A name the certificate does not cover is refused.
	if _, err := httpClient(t, in.dial, dev.ClientConfig()).Get("https://example.invalid/"); err == nil {
		t.Fatal("GET with a name outside the certificate succeeded")
	}
}

func TestAcceptDoesNotHandshake(t *testing.T) {
	for _, newInner := range inners {
		in := newInner(t)
		t.Run(in.name, func(t *testing.T) {
			dev := devCert(t)
			l := wrap(t, in.listener, dev.ServerConfig())
			accepted := acceptOne(l)

			// A connection that has sent nothing is still handed out.
			raw, err := in.dial(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			s := receive(t, accepted)
			defer s.Close()
			state := s.(connectionStater).ConnectionState()
			if state.HandshakeComplete {
				t.Fatal("handshake complete before any I/O")
			}

			// The handshake runs on the stream's first Read.
			type result struct {
				data string
				err  error
			}
			read := make(chan result, 1)
			go func() {
				buf := make([]byte, 16)
				n, err := s.Read(buf)
				read <- result{string(buf[:n]), err}
			}()
			cfg := dev.ClientConfig()
			cfg.ServerName = "localhost"
			client, err := Client(raw, cfg)
			if err != nil {
				t.Fatal(err)
			}
			// Close the inner stream first: over an unbuffered net.Pipe,
			// closing a TLS side sends close_notify and waits (up to
			// crypto/tls's 5 s) for the peer to read it.
			defer client.Close()
			defer raw.Close()
			if _, err := client.Write([]byte("ping")); err != nil {
				t.Fatal(err)
			}
			if r := receive(t, read); r.err != nil || r.data != "ping" {
				t.Fatalf("server read %q, %v", r.data, r.err)
			}

			state = s.(connectionStater).ConnectionState()
			if !state.HandshakeComplete || state.NegotiatedProtocol != "http/1.1" || state.ServerName != "localhost" {
				t.Fatalf("server state after handshake: complete=%v alpn=%q sni=%q",
					state.HandshakeComplete, state.NegotiatedProtocol, state.ServerName)
			}
		})
	}
}

func TestSilentClientDoesNotBlockOthers(t *testing.T) {
	in := newTCPInner(t)
	dev := devCert(t)
	cfg := dev.ServerConfig()
	cfg.HandshakeTimeout = -1 // unbounded: the silent client stays for the whole test
	r := serve(t, wrap(t, in.listener, cfg))

	silent, err := in.dial(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()

	// Were the handshake run in Accept, this request would wait forever
	// behind the silent connection, which the kernel queued first.
	_, body := get(t, httpClient(t, in.dial, dev.ClientConfig()), "https://localhost/other")
	if body != "GET /other alpn=http/1.1" {
		t.Fatalf("body %q", body)
	}
	if n := r.acceptedCount(); n != 2 {
		t.Fatalf("accepted %d streams, want the silent one and the request's", n)
	}
}

func TestSilentClientDroppedAfterHandshakeTimeout(t *testing.T) {
	in := newTCPInner(t)
	dev := devCert(t)
	cfg := dev.ServerConfig()
	cfg.HandshakeTimeout = 50 * time.Millisecond
	l := wrap(t, in.listener, cfg)
	accepted := acceptOne(l)

	silent, err := in.dial(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	s := receive(t, accepted)
	defer s.Close()

	readErr := make(chan error, 1)
	go func() {
		_, err := s.Read(make([]byte, 1))
		readErr <- err
	}()
	err = receive(t, readErr)
	if !errors.Is(err, ErrHandshakeTimeout) {
		t.Fatalf("server Read error %v, want ErrHandshakeTimeout", err)
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("%v is not a net.Error timeout", err)
	}
	// Later calls report the same failure rather than retrying.
	if _, err := s.Write([]byte("x")); !errors.Is(err, ErrHandshakeTimeout) {
		t.Fatalf("Write after timeout: %v", err)
	}

	// The client sees the server hang up.
	if err := silent.SetReadDeadline(time.Now().Add(testTimeout)); err != nil {
		t.Fatal(err)
	}
	if n, err := silent.Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("silent client read %d bytes, err %v; want the connection closed", n, err)
	}
}

func TestOldTLSVersionsRefused(t *testing.T) {
	dev := devCert(t)
	cfg := dev.ServerConfig()
	cfg.TLSConfig.MinVersion = stdtls.VersionTLS10 // raised to 1.2 by Wrap

	for _, tc := range []struct {
		name    string
		max     uint16
		succeed bool
	}{
		{"TLS1.1", stdtls.VersionTLS11, false},
		{"TLS1.0", stdtls.VersionTLS10, false},
		{"TLS1.2", stdtls.VersionTLS12, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := newTCPInner(t)
			l := wrap(t, in.listener, cfg)
			accepted := acceptOne(l)
			raw, err := in.dial(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			s := receive(t, accepted)
			defer s.Close()
			serverErr := make(chan error, 1)
			go func() { serverErr <- s.(*Conn).Handshake() }()

			// crypto/tls.Client directly: this package's Client would
			// refuse such a configuration before dialing.
			client := stdtls.Client(raw, &stdtls.Config{
				RootCAs: dev.Pool, ServerName: "localhost",
				MinVersion: stdtls.VersionTLS10, MaxVersion: tc.max,
			})
			defer client.Close()
			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()
			clientErr := client.HandshakeContext(ctx)
			if !tc.succeed {
				_ = client.Close() // unblock the server if it waits for more
			}
			err = receive(t, serverErr)
			switch {
			case tc.succeed && (clientErr != nil || err != nil):
				t.Fatalf("handshake failed: client %v, server %v", clientErr, err)
			case tc.succeed:
				if v := client.ConnectionState().Version; v != stdtls.VersionTLS12 {
					t.Fatalf("negotiated %s", stdtls.VersionName(v))
				}
			case clientErr == nil:
				t.Fatal("client handshake succeeded")
			case err == nil || !strings.Contains(err.Error(), "version"):
				t.Fatalf("server error %v, want a version refusal", err)
			}
		})
	}
}

func TestCloseWriteAndDeadlines(t *testing.T) {
	for _, newInner := range inners {
		in := newInner(t)
		t.Run(in.name, func(t *testing.T) {
			dev := devCert(t)
			l := wrap(t, in.listener, dev.ServerConfig())
			accepted := acceptOne(l)
			cfg := dev.ClientConfig()
			cfg.ServerName = "localhost"

			type dialResult struct {
				c   *stdtls.Conn
				err error
			}
			dialed := make(chan dialResult, 1)
			go func() {
				c, err := Dial(context.Background(), in.dial, cfg)
				dialed <- dialResult{c, err}
			}()
			s := receive(t, accepted).(*Conn)
			defer s.Close()

			// The server's handshake completes the client's Dial.
			handshake := make(chan error, 1)
			go func() { handshake <- s.Handshake() }()
			d := receive(t, dialed)
			if d.err != nil {
				t.Fatal(d.err)
			}
			client := d.c
			defer client.Close()
			if err := receive(t, handshake); err != nil {
				t.Fatal(err)
			}

			// Deadlines reach the inner stream, and a timeout is not fatal.
			if err := s.SetReadDeadline(time.Now().Add(10 * time.Millisecond)); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("Read past deadline: %v", err)
			}
			if err := s.SetReadDeadline(time.Time{}); err != nil {
				t.Fatal(err)
			}

			serverRead := make(chan string, 1)
			go func() {
				data, err := io.ReadAll(s)
				if err != nil {
					t.Errorf("server ReadAll: %v", err)
				}
				serverRead <- string(data)
			}()

			// close_notify ends the server's reading while it can still write.
			if _, err := client.Write([]byte("ping")); err != nil {
				t.Fatal(err)
			}
			if err := client.CloseWrite(); err != nil {
				t.Fatal(err)
			}
			if got := receive(t, serverRead); got != "ping" {
				t.Fatalf("server read %q", got)
			}
			clientRead := make(chan string, 1)
			go func() {
				data, err := io.ReadAll(client)
				if err != nil {
					t.Errorf("client ReadAll: %v", err)
				}
				clientRead <- string(data)
			}()
			if _, err := s.Write([]byte("pong")); err != nil {
				t.Fatal(err)
			}
			if err := s.CloseWrite(); err != nil {
				t.Fatal(err)
			}
			if got := receive(t, clientRead); got != "pong" {
				t.Fatalf("client read %q", got)
			}

		})
	}
}
