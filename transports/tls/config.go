package tls

import (
	stdtls "crypto/tls"
	"fmt"
	"slices"
	"time"
)

const (
	// DefaultHandshakeTimeout bounds the handshake when Config.HandshakeTimeout
	// is zero. A real client finishes in a few round trips; ten seconds is
	// generous for slow mobile links while keeping a connection that never
	// speaks from holding a socket and a goroutine for long.
	DefaultHandshakeTimeout = 10 * time.Second

	// minVersion is the floor for every handshake: TLS 1.0 and 1.1 are
	// deprecated by RFC 8996.
	minVersion = stdtls.VersionTLS12

	// protoHTTP1 is the ALPN name for HTTP/1.1, the protocol tophat serves.
	protoHTTP1 = "http/1.1"

	// protoACME is the ALPN name of the ACME TLS-ALPN-01 challenge (RFC 8737),
	// the same string as golang.org/x/crypto/acme.ALPNProto.
	protoACME = "acme-tls/1"
)

// ACMEManager provides certificates obtained from an ACME certificate
// authority on demand. *golang.org/x/crypto/acme/autocert.Manager satisfies
// it; so does any manager with the same GetCertificate method. Its
// GetCertificate must answer TLS-ALPN-01 challenges, which arrive as
// handshakes offering only the "acme-tls/1" protocol.
type ACMEManager interface {
	GetCertificate(hello *stdtls.ClientHelloInfo) (*stdtls.Certificate, error)
}

// Config configures the server side of TLS. The zero value is not usable on
// its own, since a server needs a certificate: set one of TLSConfig's
// certificate fields, CertFile and KeyFile, or Autocert.
type Config struct {
	// TLSConfig is the base configuration. It is cloned, never modified.
	// MinVersion is raised to TLS 1.2 if lower, CipherSuites defaults to
	// TLS 1.2's forward-secret AEAD suites (no CBC), and NextProtos
	// defaults to ["http/1.1"]. tophat serves HTTP/1.1 only, so listing "h2" here makes
	// HTTP/2 clients fail.
	TLSConfig *stdtls.Config

	// CertFile and KeyFile name PEM files holding a certificate chain and
	// its private key, as for crypto/tls.LoadX509KeyPair. They are read once,
	// by Wrap, and added to the certificates of TLSConfig.
	CertFile, KeyFile string

	// Autocert, when set, supplies certificates through its GetCertificate
	// method, and "acme-tls/1" is added to NextProtos so that TLS-ALPN-01
	// challenges can be answered. It cannot be combined with another
	// certificate source. A stream whose client negotiated "acme-tls/1" is
	// a finished challenge: its first Read returns io.EOF.
	Autocert ACMEManager

	// HandshakeTimeout bounds the handshake, which starts at the first Read
	// or Write of an accepted stream. Zero means DefaultHandshakeTimeout;
	// a negative value means no bound other than the stream's deadlines.
	HandshakeTimeout time.Duration
}

// handshakeTimeout resolves the zero value to the default.
func (c *Config) handshakeTimeout() time.Duration {
	switch {
	case c == nil || c.HandshakeTimeout == 0:
		return DefaultHandshakeTimeout
	case c.HandshakeTimeout < 0:
		return 0
	default:
		return c.HandshakeTimeout
	}
}

// serverTLSConfig builds the crypto/tls configuration that the listener uses
// for every stream, loading certificate files now so that a bad path fails
// at startup rather than at the first client.
func (c *Config) serverTLSConfig() (*stdtls.Config, error) {
	if c == nil {
		return nil, errNoCertificate()
	}
	tc := &stdtls.Config{}
	if c.TLSConfig != nil {
		tc = c.TLSConfig.Clone()
		// Clone shares slices with the caller's Config; appending below
		// must not write into the caller's spare capacity.
		tc.NextProtos = slices.Clone(tc.NextProtos)
		tc.Certificates = slices.Clone(tc.Certificates)
	}
	if err := applyVersionFloor(tc); err != nil {
		return nil, err
	}
	if len(tc.NextProtos) == 0 {
		tc.NextProtos = []string{protoHTTP1}
	}

	switch {
	case c.CertFile != "" && c.KeyFile == "":
		return nil, fmt.Errorf("%w: CertFile %s needs KeyFile, the PEM private key beside it", ErrInvalidConfig, c.CertFile)
	case c.KeyFile != "" && c.CertFile == "":
		return nil, fmt.Errorf("%w: KeyFile %s needs CertFile, the PEM certificate chain beside it", ErrInvalidConfig, c.KeyFile)
	}
	if c.CertFile != "" {
		cert, err := stdtls.LoadX509KeyPair(c.CertFile, c.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("tls: loading %s and %s: %w", c.CertFile, c.KeyFile, err)
		}
		tc.Certificates = append(tc.Certificates, cert)
	}

	hasOwn := len(tc.Certificates) > 0 || tc.GetCertificate != nil || tc.GetConfigForClient != nil
	if c.Autocert != nil {
		// crypto/tls consults GetCertificate before Certificates, and an ACME
		// manager answers every name it does not serve with an error, so a
		// second source would be silently ignored.
		if hasOwn {
			return nil, fmt.Errorf("%w: Autocert cannot be combined with other certificates", ErrInvalidConfig)
		}
		tc.GetCertificate = c.Autocert.GetCertificate
		if !slices.Contains(tc.NextProtos, protoACME) {
			tc.NextProtos = append(tc.NextProtos, protoACME)
		}
		hasOwn = true
	}
	if !hasOwn {
		return nil, errNoCertificate()
	}
	return tc, nil
}

// applyVersionFloor raises MinVersion to TLS 1.2 and rejects a MaxVersion
// below it, which would otherwise fail every handshake.
func applyVersionFloor(tc *stdtls.Config) error {
	if tc.MaxVersion != 0 && tc.MaxVersion < minVersion {
		return fmt.Errorf("%w: MaxVersion %s is below the minimum %s",
			ErrInvalidConfig, stdtls.VersionName(tc.MaxVersion), stdtls.VersionName(minVersion))
	}
	if tc.MinVersion < minVersion {
		tc.MinVersion = minVersion
	}
	if tc.CipherSuites == nil {
		tc.CipherSuites = aeadSuites
	}
	return nil
}

// aeadSuites are the TLS 1.2 suites a server offers unless its TLSConfig
// names others: forward-secret key exchange and AEAD ciphers only. Go's
// default list still ends with CBC suites (ECDHE-ECDSA-AES128-SHA and
// friends), which scanners rate weak (LUCKY13) and every client that
// speaks TLS 1.2 can do without. TLS 1.3's suites are not configurable
// and are all AEAD.
var aeadSuites = []uint16{
	stdtls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	stdtls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	stdtls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	stdtls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	stdtls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	stdtls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// errNoCertificate says where a certificate can come from.
func errNoCertificate() error {
	return fmt.Errorf("%w: set Config.CertFile and KeyFile (PEM files), Config.TLSConfig.Certificates or "+
		"GetCertificate, or Config.Autocert; for development, SelfSigned(\"localhost\").ServerConfig() makes one", ErrNoCertificate)
}
