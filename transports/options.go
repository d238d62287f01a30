package transports

import (
	stdtls "crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net"
	"os"

	"github.com/tophat-go/tophat/transports/pipe"
	"github.com/tophat-go/tophat/transports/tcp"
	"github.com/tophat-go/tophat/transports/tls"
	"github.com/tophat-go/tophat/transports/unix"
)

// Options complete what an address says. A nil *Options and the zero value
// mean the defaults of every transport. Where a query parameter of the
// address and a field here set the same thing, the query parameter wins,
// so a command line can override what a program configured.
type Options struct {
	// TCP, Unix and Pipe are the configurations of the transports this
	// package registers, the base that query parameters are applied to.
	// They are copied, never modified.
	TCP  *tcp.Config
	Unix *unix.Config
	Pipe *pipe.Config

	// Configs holds the configurations of transports that register
	// themselves, such as a *kcp.Config; each transport takes the first
	// value of its own type (see FindConfig). They are copied, never
	// modified.
	Configs []any

	// TLS configures the server side of tls+ addresses: a crypto/tls
	// configuration, certificate files (also the certfile and keyfile
	// parameters), an ACME manager such as autocert, the handshake
	// timeout. With no certificate from any of these, Listen serves a
	// self-signed development certificate and logs a warning.
	TLS *tls.Config

	// DevCertFile is where Listen writes the development certificate in
	// PEM form when it makes one, so that clients can trust it
	// (curl --cacert FILE); DevCertPath gives a stable name per address.
	// Dial and Transport read it as the trusted root when no other root is
	// given, so one Options value serves both ends.
	DevCertFile string

	// ClientTLS is the base client configuration for Dial and Transport
	// to tls+ addresses; it is cloned, never modified.
	ClientTLS *stdtls.Config
	// RootCAs, when set, are the roots Dial and Transport trust for tls+
	// addresses, in place of ClientTLS.RootCAs (the cafile parameter wins
	// over both).
	RootCAs *x509.CertPool

	// Logger receives warnings, such as the one about a development
	// certificate. Default slog.Default().
	Logger *slog.Logger
}

func (o *Options) logger() *slog.Logger {
	if o == nil || o.Logger == nil {
		return slog.Default()
	}
	return o.Logger
}

// tlsServerConfig returns Options.TLS with the certfile and keyfile
// parameters applied.
func (a *Address) tlsServerConfig(o *Options) *tls.Config {
	var c tls.Config
	if o != nil && o.TLS != nil {
		c = *o.TLS
	}
	if v := a.Query.Get("certfile"); v != "" {
		c.CertFile = v
	}
	if v := a.Query.Get("keyfile"); v != "" {
		c.KeyFile = v
	}
	return &c
}

// tlsClientConfig builds the client configuration for a tls+ address. The
// server name is, in order: the servername parameter, ClientTLS.ServerName,
// the host of a tcp or kcp address, or "localhost", which the development
// certificate always covers.
func (a *Address) tlsClientConfig(o *Options) (*stdtls.Config, error) {
	c := &stdtls.Config{}
	if o != nil && o.ClientTLS != nil {
		c = o.ClientTLS.Clone()
	}
	switch {
	case a.Query.Get("cafile") != "":
		pool, err := readRoots(a.Query.Get("cafile"))
		if err != nil {
			return nil, err
		}
		c.RootCAs = pool
	case o != nil && o.RootCAs != nil:
		c.RootCAs = o.RootCAs
	case c.RootCAs == nil && o != nil && o.DevCertFile != "":
		pool, err := readRoots(o.DevCertFile)
		if err != nil {
			return nil, err
		}
		c.RootCAs = pool
	}
	if v := a.Query.Get("servername"); v != "" {
		c.ServerName = v
	}
	if c.ServerName == "" {
		c.ServerName = "localhost"
		if host := a.host(); host != "" && !isUnspecified(host) {
			c.ServerName = host
		}
	}
	return c, nil
}

// host returns the host of a HOST:PORT address, and "" for other schemes.
func (a *Address) host() string {
	if s := lookupScheme(a.Network); s == nil || !s.HostPort {
		return ""
	}
	host, _, _ := net.SplitHostPort(a.Location)
	return host
}

func isUnspecified(host string) bool {
	ip := net.ParseIP(host)
	return ip != nil && ip.IsUnspecified()
}

// readRoots reads a PEM file of trusted root certificates.
func readRoots(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("transports: reading trusted roots: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("transports: %s holds no PEM certificate", file)
	}
	return pool, nil
}
