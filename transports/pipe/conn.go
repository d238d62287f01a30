package pipe

import (
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// DefaultBufferSize is the capacity of each direction of a pipe when
// Config.BufferSize is zero: large enough that a typical response head and a
// modest body are written without waiting for the reader, as on a socket with
// its kernel buffers, and small enough that a slow reader applies back-pressure.
const DefaultBufferSize = 64 << 10

// defaultName is the address of pairs made by New, which belong to no Listener.
const defaultName = "pipe"

// Config configures pipes, listeners and dialers. A nil *Config and the zero
// Config mean the defaults.
type Config struct {
	// BufferSize is how many bytes a Conn buffers on the way to it before its
	// peer's writes block. Zero or negative means DefaultBufferSize (values are
	// clamped, as bufio.NewReaderSize does, because a pipe without a buffer is
	// never what a caller meant).
	BufferSize int

	// Backlog is how many dialed connections a Listener queues before Accept
	// takes them; Dial waits while the queue is full. Zero or negative means
	// DefaultBacklog. Dial ignores it.
	Backlog int
}

func (c *Config) bufferSize() int {
	if c == nil || c.BufferSize <= 0 {
		return DefaultBufferSize
	}
	return c.BufferSize
}

func (c *Config) backlog() int {
	if c == nil || c.Backlog <= 0 {
		return DefaultBacklog
	}
	return c.Backlog
}

// Addr is the address of both ends of a pipe: the name of the Listener it was
// dialed to, or "pipe" for a pair made by New.
type Addr string

// Network returns "pipe".
func (Addr) Network() string { return "pipe" }

func (a Addr) String() string { return string(a) }

// Conn is one end of a pipe. It implements net.Conn, and CloseWrite for a
// half-close. See the package documentation for its buffering, closing and
// concurrency rules.
type Conn struct {
	rx, tx        *stream // rx carries the peer's bytes to us, tx ours to the peer
	local, remote Addr
	readDeadline  deadline
	writeDeadline deadline
	closeOnce     sync.Once
	done          chan struct{} // closed by Close
}

var _ net.Conn = (*Conn)(nil)

// New returns the two ends of a pipe that belongs to no Listener. Each end
// buffers cfg.BufferSize bytes on the way to it.
func New(cfg *Config) (a, b *Conn) {
	size := cfg.bufferSize()
	return newPair(defaultName, size, size)
}

// newPair connects two Conns; aBuffer and bBuffer are their receive buffers.
func newPair(name string, aBuffer, bBuffer int) (a, b *Conn) {
	toA, toB := newStream(aBuffer), newStream(bBuffer)
	a = &Conn{rx: toA, tx: toB, local: Addr(name), remote: Addr(name), done: make(chan struct{})}
	b = &Conn{rx: toB, tx: toA, local: Addr(name), remote: Addr(name), done: make(chan struct{})}
	return a, b
}

func (c *Conn) closed() bool { return isClosed(c.done) }

func (c *Conn) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: "pipe", Source: c.local, Addr: c.remote, Err: err}
}

// Read reads buffered bytes, waiting until there are some. After the peer's
// CloseWrite or Close and once the buffer is drained it returns io.EOF.
func (c *Conn) Read(p []byte) (int, error) {
	for {
		if c.closed() {
			return 0, c.opError("read", net.ErrClosed)
		}
		expired := c.readDeadline.wait()
		if isClosed(expired) {
			return 0, c.opError("read", os.ErrDeadlineExceeded)
		}
		if len(p) == 0 {
			return 0, nil
		}
		n, wait, err := c.rx.tryRead(p)
		if err != nil {
			if err == io.EOF {
				return 0, io.EOF // bare, as io.Reader callers compare it
			}
			return 0, c.opError("read", err)
		}
		if wait == nil {
			return n, nil
		}
		select {
		case <-wait:
		case <-expired:
		case <-c.done:
		}
	}
}

// Write buffers all of p, waiting while the buffer is full. When it fails
// part way it reports how many bytes were buffered.
func (c *Conn) Write(p []byte) (int, error) {
	written := 0
	for {
		if c.closed() {
			return written, c.opError("write", net.ErrClosed)
		}
		expired := c.writeDeadline.wait()
		if isClosed(expired) {
			return written, c.opError("write", os.ErrDeadlineExceeded)
		}
		n, wait, err := c.tx.tryWrite(p[written:])
		written += n
		if err != nil {
			if c.closed() {
				// Close shuts tx down too; report the Close, not the shutdown.
				err = net.ErrClosed
			}
			return written, c.opError("write", err)
		}
		if written == len(p) {
			return written, nil
		}
		if wait == nil {
			continue
		}
		select {
		case <-wait:
		case <-expired:
		case <-c.done:
		}
	}
}

// Close closes this end: see the package documentation for what the peer
// sees. Closing again returns an error matching net.ErrClosed.
func (c *Conn) Close() error {
	first := false
	c.closeOnce.Do(func() {
		first = true
		close(c.done)
		c.tx.shutWrite()
		c.rx.breakRead()
		c.readDeadline.stop()
		c.writeDeadline.stop()
	})
	if !first {
		return c.opError("close", net.ErrClosed)
	}
	return nil
}

// CloseWrite shuts down the sending direction: the peer reads io.EOF once it
// has drained what was written, while this end can still read. Later writes
// fail with ErrWriteShutdown. Calling it again does nothing.
func (c *Conn) CloseWrite() error {
	if c.closed() {
		return c.opError("close", net.ErrClosed)
	}
	c.tx.shutWrite()
	return nil
}

// LocalAddr returns the name of the pipe.
func (c *Conn) LocalAddr() net.Addr { return c.local }

// RemoteAddr returns the name of the pipe.
func (c *Conn) RemoteAddr() net.Addr { return c.remote }

// SetDeadline sets both the read and the write deadline.
func (c *Conn) SetDeadline(t time.Time) error {
	if c.closed() {
		return c.opError("set", net.ErrClosed)
	}
	c.readDeadline.set(t)
	c.writeDeadline.set(t)
	return nil
}

// SetReadDeadline makes pending and later reads fail with an error matching
// os.ErrDeadlineExceeded once t has passed. The zero t means no deadline.
func (c *Conn) SetReadDeadline(t time.Time) error {
	if c.closed() {
		return c.opError("set", net.ErrClosed)
	}
	c.readDeadline.set(t)
	return nil
}

// SetWriteDeadline makes pending and later writes fail with an error matching
// os.ErrDeadlineExceeded once t has passed. The zero t means no deadline.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	if c.closed() {
		return c.opError("set", net.ErrClosed)
	}
	c.writeDeadline.set(t)
	return nil
}
