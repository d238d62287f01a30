package proxyproto

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"sync"
	"time"
)

// Conn is a stream handed out by Listener.Accept. Its header has not been
// read when Accept returns it: the first Read, Write, Header, RemoteAddr or
// LocalAddr reads it, bounded by Config.HeaderTimeout, so a slow or silent
// peer holds up only the goroutine serving its own stream.
//
// After the header, RemoteAddr is the client's address and LocalAddr the
// address the client connected to, as the proxy reported them; ProxyAddr
// is the socket's peer, the proxy itself. A stream with no addresses in its
// header (LOCAL, UNKNOWN, UNSPEC) and a stream passed through from an
// untrusted source report the socket's own addresses.
//
// If the header cannot be read, the stream is closed and every method that
// needed it returns a *HeaderError saying why (RemoteAddr and LocalAddr,
// which cannot return an error, report the socket's addresses).
//
// Conn is a net.Conn, so TLS can be served over it, and it has CloseWrite
// when the inner stream has (otherwise CloseWrite returns an error).
type Conn struct {
	nc      net.Conn
	timeout time.Duration
	maxLen  int
	trusted []netip.Prefix
	logger  *slog.Logger

	once   sync.Once
	header *Header // nil for a stream passed through
	err    error   // *HeaderError, set inside once
	rest   []byte  // bytes read past the header, returned by Read first

	// mu guards the read deadline against the header read: the header's
	// own deadline must not outlive it, nor hide a deadline the caller
	// sets meanwhile.
	mu             sync.Mutex
	readDeadline   time.Time // as the caller last set it
	headerDeadline time.Time // non-zero while the header is being read
}

var _ net.Conn = (*Conn)(nil)

// Read reads the header if it has not been read yet, then application data.
func (c *Conn) Read(p []byte) (int, error) {
	if err := c.readHeader(); err != nil {
		return 0, err
	}
	if len(c.rest) > 0 {
		n := copy(p, c.rest)
		c.rest = c.rest[n:]
		if len(c.rest) == 0 {
			c.rest = nil // let the header buffer go
		}
		return n, nil
	}
	return c.nc.Read(p)
}

// Write reads the header if it has not been read yet, so nothing is sent
// to a peer that turns out not to be a proxy, then writes p.
func (c *Conn) Write(p []byte) (int, error) {
	if err := c.readHeader(); err != nil {
		return 0, err
	}
	return c.nc.Write(p)
}

// Close closes the stream.
func (c *Conn) Close() error { return c.nc.Close() }

// CloseWrite shuts down the writing side if the inner stream can.
func (c *Conn) CloseWrite() error {
	if cw, ok := c.nc.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return errors.ErrUnsupported
}

// Header reads the header if it has not been read yet and returns it; it
// returns nil and no error for a stream passed through from a source
// outside Config.Trusted.
func (c *Conn) Header() (*Header, error) {
	if err := c.readHeader(); err != nil {
		return nil, err
	}
	return c.header, nil
}

// RemoteAddr returns the client's address from the header, reading the
// header first if need be.
func (c *Conn) RemoteAddr() net.Addr {
	if c.readHeader() == nil && c.header != nil && c.header.Source != nil {
		return c.header.Source
	}
	return c.nc.RemoteAddr()
}

// LocalAddr returns the address the client connected to, from the header,
// reading the header first if need be.
func (c *Conn) LocalAddr() net.Addr {
	if c.readHeader() == nil && c.header != nil && c.header.Destination != nil {
		return c.header.Destination
	}
	return c.nc.LocalAddr()
}

// ProxyAddr returns the address of the socket's peer: the proxy, or the
// client itself for a stream passed through. It reads nothing.
func (c *Conn) ProxyAddr() net.Addr { return c.nc.RemoteAddr() }

// NetConn returns the inner stream, as crypto/tls's Conn.NetConn does.
// Reading it directly would skip the header and bytes already buffered.
func (c *Conn) NetConn() net.Conn { return c.nc }

// BackgroundReadable reports what the wrapped stream does (see package
// core's Options.Go): its deadlines are the wrapped stream's.
func (c *Conn) BackgroundReadable() bool {
	if b, ok := c.nc.(interface{ BackgroundReadable() bool }); ok {
		return b.BackgroundReadable()
	}
	return true
}

// SetDeadline sets the read and write deadlines of the inner stream.
func (c *Conn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.nc.SetWriteDeadline(t)
}

// SetReadDeadline sets the read deadline. While the header is being read,
// the earlier of t and the header's own deadline applies.
func (c *Conn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.readDeadline = t
	return c.nc.SetReadDeadline(earlier(t, c.headerDeadline))
}

// SetWriteDeadline sets the write deadline of the inner stream.
func (c *Conn) SetWriteDeadline(t time.Time) error { return c.nc.SetWriteDeadline(t) }

// earlier returns the earlier of two deadlines, where zero means none.
func earlier(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

func (c *Conn) readHeader() error {
	c.once.Do(func() {
		if err := c.runHeader(); err != nil {
			c.nc.Close()
			c.err = &HeaderError{Proxy: c.nc.RemoteAddr(), Err: err}
			c.logger.Warn("proxyproto: stream closed", "proxy", c.nc.RemoteAddr(), "err", err)
		}
	})
	return c.err
}

func (c *Conn) runHeader() error {
	if !c.mustSendHeader() {
		return nil
	}
	c.mu.Lock()
	c.headerDeadline = time.Now().Add(c.timeout)
	err := c.nc.SetReadDeadline(earlier(c.readDeadline, c.headerDeadline))
	c.mu.Unlock()
	if err != nil {
		return err
	}

	// Most headers arrive in one segment together with the first request,
	// so start with room for a version 1 line or an address block of
	// version 2 and grow only for TLVs.
	buf := make([]byte, 0, min(c.maxLen, 256))
	var h Header
	var n int
	for {
		h, n, err = parse(buf, c.maxLen)
		if err != errIncomplete {
			break
		}
		if len(buf) == cap(buf) {
			buf = append(buf, make([]byte, min(c.maxLen, 2*cap(buf))-len(buf))...)[:len(buf)]
		}
		m, rerr := c.nc.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if rerr != nil && m == 0 {
			err = c.readError(rerr, len(buf))
			break
		}
	}

	c.mu.Lock()
	c.headerDeadline = time.Time{}
	derr := c.nc.SetReadDeadline(c.readDeadline)
	c.mu.Unlock()
	if err != nil {
		return err
	}
	if derr != nil {
		return derr
	}
	c.header = &h
	if n < len(buf) {
		c.rest = buf[n:]
	}
	return nil
}

// readError says why the header could not be read: the header's own
// timeout as ErrHeaderTimeout, the end of the stream as a missing or cut
// header; a deadline the caller set stays what it was.
func (c *Conn) readError(err error, got int) error {
	c.mu.Lock()
	ours := !c.headerDeadline.IsZero() && !c.headerDeadline.After(time.Now()) &&
		(c.readDeadline.IsZero() || c.headerDeadline.Before(c.readDeadline))
	c.mu.Unlock()
	switch {
	case ours && errors.Is(err, os.ErrDeadlineExceeded):
		return ErrHeaderTimeout
	case errors.Is(err, io.EOF) && got == 0:
		return ErrNoHeader
	case errors.Is(err, io.EOF):
		return io.ErrUnexpectedEOF
	}
	return err
}

// mustSendHeader says whether the stream's source must send a header: every
// source without a trusted list; with one, the listed networks and any peer
// without an IP address (a Unix socket), whose trust the list cannot judge.
func (c *Conn) mustSendHeader() bool {
	if len(c.trusted) == 0 {
		return true
	}
	ip, ok := peerIP(c.nc.RemoteAddr())
	if !ok {
		return true
	}
	for _, p := range c.trusted {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

func peerIP(a net.Addr) (netip.Addr, bool) {
	if ta, ok := a.(*net.TCPAddr); ok {
		ap := ta.AddrPort()
		return ap.Addr().Unmap(), ap.IsValid()
	}
	if a == nil {
		return netip.Addr{}, false
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.Addr{}, false
	}
	return ap.Addr().Unmap(), true
}
