package transports

import (
	stdtls "crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net"
	"os"

	"github.com/tophat-go/tophat/transports/kcp"
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
	// TCP, Unix, KCP and Pipe are the configurations of the transports,
	// the base that query parameters are applied to. They are copied,
	// never modified.
	TCP  *tcp.Config
	Unix *unix.Config
	KCP  *kcp.Config
	Pipe *pipe.Config

	// TLS configures the server side of tls+ addresses: a crypto/tls
	// configuration, certificate files (also the certfile and keyfile
	// parameters), an ACME manager such as autocert, the handshake
	// timeout. With no certificate from any of these, Listen serves a
	// self-signed development certificate and logs a warning.
	TLS *tls.Config

	// DevCertFile is where Listen writes the development certificate in
	// PEM form when it makes one, so that clients can trust it
	// (curl --cacert FILE). Dial and Transport read it as the trusted root
	// when no other root is given, so one Options value serves both ends.
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

// tcpConfig returns Options.TCP with the address's parameters applied.
func (a *Address) tcpConfig(o *Options) *tcp.Config {
	var c tcp.Config
	if o != nil && o.TCP != nil {
		c = *o.TCP
	}
	if v := a.Query.Get("keepalive"); v != "" {
		c.KeepAlive, _ = parseKeepAlive(v) // checked by ParseAddress
	}
	if v := a.Query.Get("reuseport"); v != "" {
		c.ReusePort, _ = parseBool("reuseport", v)
	}
	return &c
}

func (a *Address) unixConfig(o *Options) *unix.Config {
	var c unix.Config
	if o != nil && o.Unix != nil {
		c = *o.Unix
	}
	if v := a.Query.Get("mode"); v != "" {
		m, _ := parseMode(v)
		c.Mode = os.FileMode(m)
	}
	return &c
}

func (a *Address) pipeConfig(o *Options) *pipe.Config {
	var c pipe.Config
	if o != nil && o.Pipe != nil {
		c = *o.Pipe
	}
	return &c
}

// kcpConfig returns Options.KCP with the fields that the address's
// parameters name replaced by what kcp.ParseQuery made of them.
func (a *Address) kcpConfig(o *Options) (*kcp.Config, error) {
	var c kcp.Config
	if o != nil && o.KCP != nil {
		c = *o.KCP
	}
	kq := kcpQuery(a.Query)
	if len(kq) == 0 {
		return &c, nil
	}
	q, err := kcp.ParseQuery(kq)
	if err != nil {
		return nil, &AddressError{Address: a.String(), Err: ErrInvalidAddress, Reason: err.Error(), Cause: err}
	}
	for k := range kq {
		switch k {
		case "preset":
			c.Preset = q.Preset
		case "fec":
			c.DataShards, c.ParityShards = q.DataShards, q.ParityShards
		case "key":
			c.Key = q.Key
		case "mtu":
			c.MTU = q.MTU
		case "sndwnd":
			c.SendWindow = q.SendWindow
		case "rcvwnd":
			c.RecvWindow = q.RecvWindow
		case "interval":
			c.Interval = q.Interval
		case "nodelay":
			c.NoDelay = q.NoDelay
		case "resend":
			c.Resend = q.Resend
		case "nc":
			c.NoCongestion = q.NoCongestion
		case "acknodelay":
			c.AckNoDelay = q.AckNoDelay
		case "idle":
			c.IdleTimeout = q.IdleTimeout
		case "linger":
			c.Linger = q.Linger
		default:
			// paramsKCP lists a key this switch forgot.
			return nil, fmt.Errorf("transports: kcp parameter %q is not applied to the config", k)
		}
	}
	return &c, nil
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
		if a.Network == networkTCP || a.Network == networkKCP {
			if host, _, _ := net.SplitHostPort(a.Location); host != "" && !isUnspecified(host) {
				c.ServerName = host
			}
		}
	}
	return c, nil
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
