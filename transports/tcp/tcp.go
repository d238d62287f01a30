package tcp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"

	"github.com/tophat-go/tophat/core"
)

// DefaultKeepAlive is the keep-alive period when Config.KeepAlive is zero.
// It is Go's own default: short enough that a dead peer is dropped within a
// few minutes, long enough that probes cost nothing measurable.
const DefaultKeepAlive = 15 * time.Second

// Errors returned (wrapped) by this package.
var (
	// ErrInvalidAddress is returned by Listen and Dial for an address that is
	// not "host:port" ("127.0.0.1:8080", "[::1]:0", ":8080", "localhost:80").
	ErrInvalidAddress = errors.New("tcp: invalid address")

	// ErrReusePortUnsupported is returned by Listen when Config.ReusePort is
	// set on a platform where this package does not implement SO_REUSEPORT.
	ErrReusePortUnsupported = errors.New("tcp: SO_REUSEPORT is not supported on this platform")
)

// Config configures listeners and dialers. A nil *Config and the zero Config
// mean the defaults.
type Config struct {
	// KeepAlive is the idle time before the first keep-alive probe and the
	// time between probes. Zero means DefaultKeepAlive; negative turns
	// keep-alive probes off.
	KeepAlive time.Duration

	// DisableNoDelay leaves TCP_NODELAY off, so Nagle's algorithm coalesces
	// small writes. It is for measuring, rarely for serving.
	DisableNoDelay bool

	// ReusePort sets SO_REUSEPORT on the listening socket, so that other
	// listeners with ReusePort can bind the same address (Linux only; elsewhere
	// Listen returns ErrReusePortUnsupported). Dial ignores it.
	ReusePort bool
}

func (c *Config) orDefault() Config {
	if c == nil {
		return Config{}
	}
	return *c
}

// keepAlive returns the settings for net's KeepAlive and KeepAliveConfig
// fields: the period applies to both the first probe and the interval.
func (c Config) keepAlive() (time.Duration, net.KeepAliveConfig) {
	switch {
	case c.KeepAlive < 0:
		return -1, net.KeepAliveConfig{}
	case c.KeepAlive == 0:
		return DefaultKeepAlive, net.KeepAliveConfig{Enable: true, Idle: DefaultKeepAlive, Interval: DefaultKeepAlive}
	default:
		return c.KeepAlive, net.KeepAliveConfig{Enable: true, Idle: c.KeepAlive, Interval: c.KeepAlive}
	}
}

func checkAddress(address string) error {
	_, _, err := net.SplitHostPort(address)
	if err == nil {
		return nil
	}
	hint := `want "host:port", such as "127.0.0.1:8080", "[::1]:8080" or ":8080" for every interface`
	if _, convErr := strconv.ParseUint(address, 10, 16); convErr == nil {
		hint = fmt.Sprintf("a port alone needs a colon: %q for every interface, %q for loopback only", ":"+address, "127.0.0.1:"+address)
	}
	return fmt.Errorf("%w %q: %w; %s", ErrInvalidAddress, address, err, hint)
}

// Listener accepts TCP connections. It satisfies core.Listener; its streams
// are *net.TCPConn values.
type Listener struct {
	ln      *net.TCPListener
	noDelay bool
}

var _ core.Listener = (*Listener)(nil)

// Listen listens on address, "host:port"; port 0 picks a free port, which
// Addr reports.
func Listen(address string, cfg *Config) (*Listener, error) {
	c := cfg.orDefault()
	if err := checkAddress(address); err != nil {
		return nil, err
	}
	var lc net.ListenConfig
	lc.KeepAlive, lc.KeepAliveConfig = c.keepAlive()
	if c.ReusePort {
		if !reusePortSupported {
			return nil, ErrReusePortUnsupported
		}
		lc.Control = setReusePort
	}
	ln, err := lc.Listen(context.Background(), "tcp", address)
	if err != nil {
		return nil, err
	}
	return &Listener{ln: ln.(*net.TCPListener), noDelay: !c.DisableNoDelay}, nil
}

// Accept waits for the next connection; see AcceptTCP.
func (l *Listener) Accept() (io.ReadWriteCloser, error) {
	c, err := l.AcceptTCP()
	if err != nil {
		return nil, err // not a typed nil *net.TCPConn in the interface
	}
	return c, nil
}

// AcceptConn is Accept for callers that want a net.Conn.
func (l *Listener) AcceptConn() (net.Conn, error) {
	c, err := l.AcceptTCP()
	if err != nil {
		return nil, err
	}
	return c, nil
}

// AcceptTCP waits for the next connection, with TCP_NODELAY set (unless
// Config.DisableNoDelay) and keep-alive set by the accept itself. After
// Close it returns an error matching net.ErrClosed.
func (l *Listener) AcceptTCP() (*net.TCPConn, error) {
	for {
		c, err := l.ln.AcceptTCP()
		if err != nil {
			return nil, err
		}
		// The net package sets TCP_NODELAY on every connection it makes
		// (documented at TCPConn.SetNoDelay): setting it again cost a
		// system call per connection. Only turning it off needs one.
		if l.noDelay {
			return c, nil
		}
		if err := c.SetNoDelay(false); err != nil {
			// Only a connection that is already gone fails here; drop it
			// rather than stop the server with a non-temporary error.
			c.Close()
			continue
		}
		return c, nil
	}
}

// Close stops listening; connections already accepted stay open.
func (l *Listener) Close() error { return l.ln.Close() }

// Addr returns the address listened on, with the real port when 0 was asked.
func (l *Listener) Addr() net.Addr { return l.ln.Addr() }

// Dial connects to address, "host:port", with the same keep-alive and
// TCP_NODELAY settings a Listener gives its connections. The connection is a
// *net.TCPConn.
func Dial(ctx context.Context, address string, cfg *Config) (net.Conn, error) {
	c := cfg.orDefault()
	if err := checkAddress(address); err != nil {
		return nil, err
	}
	var d net.Dialer
	d.KeepAlive, d.KeepAliveConfig = c.keepAlive()
	conn, err := d.DialContext(ctx, "tcp", address)
	if err != nil {
		return nil, err
	}
	if c.DisableNoDelay { // net sets TCP_NODELAY on its own (see AcceptTCP)
		if err := conn.(*net.TCPConn).SetNoDelay(false); err != nil {
			conn.Close()
			return nil, err
		}
	}
	return conn, nil
}
