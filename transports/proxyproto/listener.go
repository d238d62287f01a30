package proxyproto

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports/internal/wrapping"
)

const (
	// DefaultHeaderTimeout bounds the header read when Config.HeaderTimeout
	// is zero. A proxy sends the header as soon as it has connected, so a
	// peer silent for this long is no proxy doing its job.
	DefaultHeaderTimeout = 5 * time.Second

	// DefaultMaxHeaderBytes bounds a version 2 header, TLVs included, when
	// Config.MaxHeaderBytes is zero: room for every TLV that HAProxy, AWS
	// and Google Cloud load balancers send, while one stream's header
	// costs at most this much memory.
	DefaultMaxHeaderBytes = 4096

	// MinMaxHeaderBytes is the smallest MaxHeaderBytes allowed: a version 2
	// header with two Unix socket paths and no TLV.
	MinMaxHeaderBytes = v2FixedLen + v2UnixLen
)

// Config configures Wrap. The zero Config requires a header on every
// stream, with the default timeout and size bound.
type Config struct {
	// HeaderTimeout bounds the time from the first Read (or Write, or
	// address lookup) to the end of the header. Zero means
	// DefaultHeaderTimeout; negative is invalid.
	HeaderTimeout time.Duration

	// MaxHeaderBytes bounds the length of a version 2 header. Zero means
	// DefaultMaxHeaderBytes; otherwise it must be at least
	// MinMaxHeaderBytes. Version 1 lines are bounded by the protocol
	// (107 bytes).
	MaxHeaderBytes int

	// Trusted, if not empty, lists the networks of the proxies: streams
	// from these IP addresses must start with a header, and streams from
	// any other IP address are served as they are, with the socket's
	// addresses (a header they send is not believed: it reaches the
	// application, and HTTP rejects it). Streams whose peer has no IP
	// address, such as Unix socket streams, must always send a header.
	// Empty means every stream must send a header.
	Trusted []netip.Prefix

	// Logger receives a warning for each stream closed because of its
	// header. Nil means slog.Default().
	Logger *slog.Logger
}

func (c *Config) validate() (Config, error) {
	var v Config
	if c != nil {
		v = *c
	}
	switch {
	case v.HeaderTimeout < 0:
		return v, fmt.Errorf("%w: HeaderTimeout %v is negative", ErrInvalidConfig, v.HeaderTimeout)
	case v.HeaderTimeout == 0:
		v.HeaderTimeout = DefaultHeaderTimeout
	}
	switch {
	case v.MaxHeaderBytes == 0:
		v.MaxHeaderBytes = DefaultMaxHeaderBytes
	case v.MaxHeaderBytes < MinMaxHeaderBytes:
		return v, fmt.Errorf("%w: MaxHeaderBytes %d is below the minimum %d", ErrInvalidConfig, v.MaxHeaderBytes, MinMaxHeaderBytes)
	}
	trusted := make([]netip.Prefix, len(v.Trusted))
	for i, p := range v.Trusted {
		if !p.IsValid() {
			return v, fmt.Errorf("%w: Trusted[%d] is not a valid prefix", ErrInvalidConfig, i)
		}
		// Masked and unmapped, so that Contains matches the unmapped peer
		// addresses that mustSendHeader compares.
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		trusted[i] = p.Masked()
	}
	v.Trusted = trusted
	if v.Logger == nil {
		v.Logger = slog.Default()
	}
	return v, nil
}

// Listener wraps an inner listener whose streams start with a PROXY
// protocol header. It satisfies core.Listener; its streams are *Conn
// values. Accept reads nothing, so it never waits on a client.
type Listener struct {
	inner  core.Listener
	cfg    Config
	closed atomic.Bool
}

var _ core.Listener = (*Listener)(nil)

// Wrap returns a Listener over inner, whose streams must be net.Conn values
// (those of transports/tcp, transports/unix and transports/pipe are).
// cfg may be nil for the defaults; it is copied. Closing the Listener
// closes inner.
func Wrap(inner core.Listener, cfg *Config) (*Listener, error) {
	if inner == nil {
		return nil, ErrNilListener
	}
	v, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	return &Listener{inner: inner, cfg: v}, nil
}

// Accept waits for the next stream of the inner listener and returns it as
// a *Conn whose header is still unread. After Close it returns an error
// matching net.ErrClosed.
func (l *Listener) Accept() (io.ReadWriteCloser, error) {
	nc, err := wrapping.AcceptNetConn(l.inner, &l.closed, "proxyproto", ErrNotNetConn)
	if err != nil {
		return nil, err
	}
	return &Conn{
		nc:      nc,
		timeout: l.cfg.HeaderTimeout,
		maxLen:  l.cfg.MaxHeaderBytes,
		trusted: l.cfg.Trusted,
		logger:  l.cfg.Logger,
	}, nil
}

// Close closes the inner listener. Streams already accepted stay open.
func (l *Listener) Close() error {
	l.closed.Store(true)
	return l.inner.Close()
}

// Addr returns the inner listener's address.
func (l *Listener) Addr() net.Addr { return l.inner.Addr() }

// Unwrap returns the inner listener.
func (l *Listener) Unwrap() core.Listener { return l.inner }
