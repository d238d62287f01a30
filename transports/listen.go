package transports

import (
	stdtls "crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports/tls"
)

// devCertFileMode lets every local user read the development certificate:
// it is public (the key never leaves the process), and clients run by other
// users, such as a browser, need to read it.
const devCertFileMode = 0o644

// A Listener is the listener of one of the transports, chosen by the
// address. It satisfies core.Listener and knows the address it listens on
// (with the real port when port 0 was asked) and the development
// certificate it serves, if it made one.
type Listener struct {
	inner core.Listener
	addr  Address
	dev   *tls.DevCertificate
}

var _ core.Listener = (*Listener)(nil)

// Listen listens on address, such as "tcp://127.0.0.1:8080",
// "unix:///run/app.sock" or "tls+kcp://0.0.0.0:9000?preset=lossy"; the
// package documentation gives the syntax. opts may be nil.
//
// A tls+ address without any certificate (no certfile parameter, nothing in
// opts.TLS) is served with a self-signed development certificate for the
// address's host and localhost: Listen logs a warning, writes the
// certificate to opts.DevCertFile if set, and DevCertificate returns it.
func Listen(address string, opts *Options) (*Listener, error) {
	a, err := ParseAddress(address)
	if err != nil {
		return nil, err
	}
	s := lookupScheme(a.Network) // ParseAddress found it
	inner, err := s.Listen(a, opts)
	if err != nil {
		return nil, err
	}
	l := &Listener{inner: inner, addr: *a}
	l.addr.Query = cloneValues(a.Query)
	if s.ListenAddr {
		// The real port for port 0, the chosen name for "pipe://".
		l.addr.Location = inner.Addr().String()
	}
	if a.TLS {
		if err := l.wrapTLS(opts); err != nil {
			_ = inner.Close()
			return nil, err
		}
	}
	return l, nil
}

// wrapTLS puts TLS over l.inner, with a development certificate if no
// other certificate is configured.
func (l *Listener) wrapTLS(opts *Options) error {
	cfg := l.addr.tlsServerConfig(opts)
	tl, err := tls.Wrap(l.inner, cfg)
	if !errors.Is(err, tls.ErrNoCertificate) {
		if err != nil {
			return err
		}
		l.inner = tl
		return nil
	}

	hosts := devHosts(&l.addr)
	dev, err := tls.SelfSigned(hosts...)
	if err != nil {
		return err
	}
	tc := &stdtls.Config{}
	if cfg.TLSConfig != nil {
		tc = cfg.TLSConfig.Clone() // keep the caller's other settings
	}
	tc.Certificates = []stdtls.Certificate{dev.Certificate}
	cfg.TLSConfig = tc
	if tl, err = tls.Wrap(l.inner, cfg); err != nil {
		return err
	}
	if opts != nil && opts.DevCertFile != "" {
		if err := writeFileAtomic(opts.DevCertFile, dev.CertPEM, devCertFileMode); err != nil {
			return fmt.Errorf("transports: writing the development certificate: %w", err)
		}
	}
	attrs := []any{"addr", l.addr.Redacted(), "hosts", hosts}
	if opts != nil && opts.DevCertFile != "" {
		attrs = append(attrs, "cacert", opts.DevCertFile)
	}
	opts.logger().Warn("transports: no TLS certificate configured; serving a self-signed development certificate that clients do not trust unless told to", attrs...)
	l.inner = tl
	l.dev = dev
	return nil
}

// devHosts returns the names a development certificate covers: the
// listening host if it names one, and the loopback names.
func devHosts(a *Address) []string {
	hosts := []string{"localhost", "127.0.0.1", "::1"}
	if host := a.host(); host != "" && !isUnspecified(host) && !slices.Contains(hosts, host) {
		hosts = append([]string{host}, hosts...)
	}
	return hosts
}

// Accept waits for the next stream of the transport. After Close it
// returns an error matching net.ErrClosed.
func (l *Listener) Accept() (io.ReadWriteCloser, error) { return l.inner.Accept() }

// Close stops listening; see the transport's Close for what happens to its
// streams and files.
func (l *Listener) Close() error { return l.inner.Close() }

// Addr returns the transport's own address.
func (l *Listener) Addr() net.Addr { return l.inner.Addr() }

// Address returns the address listened on, with the real port when port 0
// was asked and the chosen name for "pipe://". Its String can be given to
// Dial and Transport (with the same Options for kcp and TLS), and its
// Redacted form logged.
func (l *Listener) Address() *Address {
	a := l.addr
	a.Query = cloneValues(l.addr.Query)
	return &a
}

// URL returns the http:// or https:// URL of a tcp or tls+tcp listener, the
// one that curl and browsers can open, and "" for other transports, which
// they cannot reach.
func (l *Listener) URL() string {
	if l.addr.Network != "tcp" {
		return ""
	}
	if l.addr.TLS {
		return "https://" + l.addr.Location + "/"
	}
	return "http://" + l.addr.Location + "/"
}

// DevCertificate returns the self-signed development certificate the
// listener serves, or nil if it serves a configured one or no TLS.
// A client trusts it with its Pool or ClientConfig.
func (l *Listener) DevCertificate() *tls.DevCertificate { return l.dev }

// Unwrap returns the transport's listener: a *tcp.Listener, *unix.Listener,
// *pipe.Listener, the listener of a registered transport such as a
// *kcp.Listener, or a *tls.Listener over one of them.
func (l *Listener) Unwrap() core.Listener { return l.inner }

// DevCertPath returns the file this module's programs use for the
// development certificate of address when told no other: a name in the
// temporary directory derived from the scheme and location alone, so the
// same -listen gives the same "curl --cacert FILE" line on every start:
//
//	tls+tcp://127.0.0.1:8443  ->  $TMPDIR/tophat-devcert-tls+tcp-127.0.0.1-8443.pem
//	tls+unix:///run/app.sock  ->  $TMPDIR/tophat-devcert-tls+unix-run-app.sock.pem
//
// Query parameters do not change it. Pass it as Options.DevCertFile.
func DevCertPath(address string) string {
	base, _, _ := strings.Cut(address, "?")
	var b strings.Builder
	dash := true // no leading dash, no two in a row
	for _, r := range strings.ToLower(base) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '+' || r == '_' || r == '@':
			b.WriteRune(r)
			dash = false
		case !dash:
			b.WriteByte('-')
			dash = true
		}
	}
	name := strings.TrimSuffix(b.String(), "-")
	return filepath.Join(os.TempDir(), "tophat-devcert-"+name+".pem")
}

// writeFileAtomic writes a file under a temporary name and renames it, so
// that a client waiting for the file never reads half of it.
func writeFileAtomic(name string, data []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(mode)
	}
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err == nil {
		err = os.Rename(f.Name(), name)
	}
	if err != nil {
		_ = os.Remove(f.Name())
	}
	return err
}

func cloneValues(v map[string][]string) map[string][]string {
	c := make(map[string][]string, len(v))
	for k, vs := range v {
		c[k] = slices.Clone(vs)
	}
	return c
}
