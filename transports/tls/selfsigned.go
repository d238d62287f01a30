package tls

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	stdtls "crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"time"
)

const (
	// devCertificateLifetime is long enough that a development setup does
	// not break mid-project, short enough that a leaked one expires.
	devCertificateLifetime = 365 * 24 * time.Hour

	// devCertificateBackdate tolerates clocks that run a little behind the
	// machine that made the certificate (containers, VMs).
	devCertificateBackdate = time.Hour

	// serialNumberBits follows the CA/Browser Forum's demand for at least 64
	// bits of randomness in serial numbers.
	serialNumberBits = 128
)

// defaultDevHosts are the names a local client uses to reach a development
// server.
var defaultDevHosts = []string{"localhost", "127.0.0.1", "::1"}

// DevCertificate is a self-signed certificate for development, made by
// SelfSigned. Never use it in production: anyone holding CertPEM can be
// made to trust it, and nothing revokes it.
type DevCertificate struct {
	// Certificate is ready for crypto/tls.Config.Certificates; its Leaf is
	// set.
	Certificate stdtls.Certificate
	// CertPEM is the certificate in PEM form, for files and for tools such as
	// curl --cacert.
	CertPEM []byte
	// KeyPEM is the PKCS #8 private key in PEM form, for Config.KeyFile.
	KeyPEM []byte
	// Pool holds the certificate as the only trusted root, for a client's
	// crypto/tls.Config.RootCAs.
	Pool *x509.CertPool
}

// SelfSigned makes an ECDSA P-256 certificate, valid for a year, that signs
// itself and is valid for hosts: DNS names or IP addresses. With no hosts it
// covers "localhost", "127.0.0.1" and "::1". An empty host is an error.
func SelfSigned(hosts ...string) (*DevCertificate, error) {
	if len(hosts) == 0 {
		hosts = defaultDevHosts
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("tls: generating key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), serialNumberBits))
	if err != nil {
		return nil, fmt.Errorf("tls: generating serial number: %w", err)
	}
	now := time.Now()
	template := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{Organization: []string{"tophat development"}, CommonName: hosts[0]},
		NotBefore:    now.Add(-devCertificateBackdate),
		NotAfter:     now.Add(devCertificateLifetime),
		// The certificate is its own root, so clients and tools that insist
		// on a CA certificate as trust anchor accept it.
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if h == "" {
			return nil, fmt.Errorf("%w: empty host name for a certificate", ErrInvalidConfig)
		}
		if ip := net.ParseIP(h); ip != nil {
			template.IPAddresses = append(template.IPAddresses, ip)
		} else {
			template.DNSNames = append(template.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("tls: creating certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("tls: parsing certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("tls: encoding key: %w", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return &DevCertificate{
		Certificate: stdtls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf},
		CertPEM:     pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:      pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
		Pool:        pool,
	}, nil
}

// ServerConfig returns a Config serving this certificate.
func (d *DevCertificate) ServerConfig() *Config {
	return &Config{TLSConfig: &stdtls.Config{Certificates: []stdtls.Certificate{d.Certificate}}}
}

// ClientConfig returns a client configuration that trusts this certificate
// and nothing else.
func (d *DevCertificate) ClientConfig() *stdtls.Config {
	return &stdtls.Config{RootCAs: d.Pool}
}
