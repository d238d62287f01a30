package kcp

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	kcpgo "github.com/xtaci/kcp-go/v5"
)

// A Conn is one KCP session: a reliable, ordered byte stream over UDP. It
// is safe for one reader and one writer at a time plus any number of Close
// and address calls. Unlike a net.TCPConn, deadlines belong to the
// goroutine doing the I/O: kcp-go reads them without synchronisation when
// Read and Write begin, so set the read (write) deadline from the reading
// (writing) goroutine or while no Read (Write) runs; a Read or Write that
// began without a deadline does not notice one set later.
//
// KCP has no end-of-stream: Read never returns io.EOF. A session ends when
// either side closes it locally (the peer is not told), when nothing has
// arrived from the peer for the idle timeout (errors then wrap
// ErrIdleTimeout), or when its Listener is aborted (Listener.Close leaves
// it running). Deadlines set by the caller are independent of the idle
// timeout and report os.ErrDeadlineExceeded. There is no CloseWrite: KCP
// cannot half-close.
type Conn struct {
	sess       *kcpgo.UDPSession
	act        *activity
	idle       time.Duration
	linger     time.Duration
	sendWindow int
	release    func()       // untracks the session; called exactly once, after it is closed
	dialed     bool         // opened by Dial, so a silent peer may be a misconfigured server
	udp        *net.UDPConn // a dialed session's own socket; accepted ones share the listener's
	heard      atomic.Bool
	wrote      atomic.Bool // something was written: a silent peer is then news

	releaseOnce sync.Once

	mu         sync.Mutex
	state      connState
	cause      error // why the session is no longer open
	userClosed bool  // Close was called
	writers    int   // Write calls inside kcp-go (see Close)
	watchdog   *time.Timer
}

type connState uint8

const (
	open    connState = iota
	closing           // Close is waiting for written data to be acknowledged
	done
)

var _ net.Conn = (*Conn)(nil)

func newConn(sess *kcpgo.UDPSession, act *activity, s settings, release func()) *Conn {
	c := &Conn{sess: sess, act: act, idle: s.idleTimeout, linger: s.linger, sendWindow: s.sendWindow, release: release}
	act.touch()
	c.mu.Lock()
	c.watchdog = time.AfterFunc(c.idle, c.checkIdle)
	c.mu.Unlock()
	return c
}

// checkIdle runs on the watchdog timer. It fires at most once per idle
// period, so a busy session costs no timer resets per packet.
func (c *Conn) checkIdle() {
	c.mu.Lock()
	if c.state != open {
		c.mu.Unlock()
		return
	}
	if quiet := c.act.idleFor(); quiet < c.idle {
		c.watchdog.Reset(c.idle - quiet)
		c.mu.Unlock()
		return
	}
	c.state, c.cause = done, ErrIdleTimeout
	c.mu.Unlock()
	c.finish()
}

// abort closes the session at once, without waiting for unacknowledged data.
// A Close that is lingering is cut short.
func (c *Conn) abort(cause error) {
	c.mu.Lock()
	switch c.state {
	case open:
		c.state, c.cause = done, cause
		c.watchdog.Stop()
	case done:
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	c.finish()
}

func (c *Conn) finish() {
	_ = c.sess.Close() // errors only if already closed, which is what we want
	c.releaseOnce.Do(c.release)
}

// Read reads bytes that arrived in order. It blocks until data arrives, the
// read deadline passes, or the session ends.
func (c *Conn) Read(b []byte) (int, error) {
	if err := c.check("read"); err != nil {
		return 0, err
	}
	n, err := c.sess.Read(b)
	if n > 0 && !c.heard.Load() {
		c.heard.Store(true)
	}
	if err != nil {
		return n, c.mapErr("read", err)
	}
	return n, nil
}

// Write queues b for reliable delivery. It blocks while the send window is
// full, so a peer that stops reading eventually blocks the writer.
func (c *Conn) Write(b []byte) (int, error) {
	c.mu.Lock()
	if c.state != open {
		err := c.opErr("write", c.cause)
		c.mu.Unlock()
		return 0, err
	}
	c.writers++
	c.mu.Unlock()
	n, err := c.sess.Write(b)
	if n > 0 && !c.wrote.Load() {
		c.wrote.Store(true)
	}
	c.mu.Lock()
	c.writers--
	c.mu.Unlock()
	if err != nil {
		return n, c.mapErr("write", err)
	}
	return n, nil
}

// Close ends the session. It first lingers until the peer has acknowledged
// everything written, because KCP stops retransmitting once a session is
// closed. The linger ends early when the peer is evidently gone: nothing
// has arrived from it for a quiet period (a few retransmission timeouts,
// at least 200 ms; see Config.Linger) although datagrams were sent to it
// meanwhile. A live peer acknowledges retransmissions, so data in flight on
// a lossy link keeps being delivered; a peer that closed its own session
// just after reading, before its last acknowledgement went out, costs that
// quiet period instead of the whole Linger. A peer whose receive window is
// full is sent nothing, so Close waits for it to read, up to Linger.
//
// Read and Write calls made while Close lingers fail with net.ErrClosed,
// and those already blocked return with it once the session is freed. The
// peer is not notified: it finds out through its own idle timeout. The
// first Close returns nil even if the session had already ended; later
// calls return an error wrapping net.ErrClosed.
func (c *Conn) Close() error {
	c.mu.Lock()
	if c.userClosed {
		c.mu.Unlock()
		return c.opErr("close", net.ErrClosed)
	}
	c.userClosed = true
	if c.state != open {
		c.mu.Unlock()
		return nil
	}
	if c.dialed && c.wrote.Load() && !c.heard.Load() {
		// The caller gave up on a server that never answered, often with
		// an error of its own (net/http's "context deadline exceeded")
		// that cannot carry the likely cause: say it here.
		slog.Warn("kcp: closing a session that never heard from the server",
			"remote", c.sess.RemoteAddr().String(), "hint", errNoAnswer.Error())
	}
	c.state, c.cause = closing, net.ErrClosed
	c.watchdog.Stop()
	// A write deadline set by the caller would end the wait for
	// acknowledgements early, so Close clears it. kcp-go reads deadlines
	// without synchronisation when Write begins, so that is safe only if
	// no Write is running; none can begin from now on. Read deadlines are
	// never touched: a blocked Read ends when the session is freed.
	ownDeadline := c.writers == 0
	c.mu.Unlock()

	if c.linger > 0 {
		if ownDeadline {
			_ = c.sess.SetWriteDeadline(time.Time{})
		}
		c.lingerUntilAcked()
	}

	c.mu.Lock()
	c.state = done
	c.mu.Unlock()
	c.finish()
	return nil
}

// Tuning of the quiet period after which a lingering Close gives up on a
// silent peer.
const (
	// quietRTOs retransmission timeouts cover two or more retransmissions
	// of the oldest unacknowledged packet with either RTO backoff, so a
	// live peer behind a lossy link almost surely answers one of them.
	quietRTOs = 4
	// minQuiet keeps the period above the scheduling noise of kcp-go's
	// 10 ms update timer when the RTO is KCP's 30 ms minimum.
	minQuiet = 200 * time.Millisecond
)

// lingerUntilAcked returns once everything written has been acknowledged,
// the linger has expired, or the peer has been silent for the quiet period
// while being sent datagrams. In the last two cases the session is closed.
func (c *Conn) lingerUntilAcked() {
	start := time.Now()
	acked := make(chan struct{})
	// The wait runs on its own goroutine and is cut short by closing the
	// session, not by a write deadline, which Close cannot always set (see
	// Close).
	go func() {
		defer close(acked)
		c.waitAcked()
	}()
	t := time.NewTimer(min(c.quietPeriod(), c.linger))
	defer t.Stop()
	for {
		select {
		case <-acked:
			return
		case <-t.C:
		}
		// Silence is measured from the first send after the last arrival,
		// but not from before Close: until then the peer may have had
		// nothing to answer (our last sends may have been bare ACKs).
		left := c.linger - time.Since(start)
		quiet := c.quietPeriod()
		silent := min(c.act.unansweredFor(), time.Since(start))
		if left <= 0 || silent >= quiet {
			_ = c.sess.Close() // wakes waitAcked
			<-acked
			return
		}
		t.Reset(min(left, quiet-silent))
	}
}

// quietPeriod is how long a peer being sent datagrams may stay silent before
// a lingering Close considers it gone.
func (c *Conn) quietPeriod() time.Duration {
	rto := time.Duration(c.sess.GetRTO()) * time.Millisecond
	return max(quietRTOs*rto, minQuiet)
}

// waitAcked blocks until the peer has acknowledged everything written or the
// session is closed.
func (c *Conn) waitAcked() {
	// kcp-go does not expose its queue length, but an empty write blocks
	// until fewer than a send window's worth of packets are unacknowledged.
	// Halving the window after each wait ends with a window of one, where
	// the wait means nothing is left. Halving rather than jumping to one
	// keeps packets still queued (behind the peer's window or the
	// congestion window) moving several at a time; packets already in
	// flight are retransmitted whatever the window.
	for window := c.sendWindow; ; {
		if _, err := c.sess.WriteBuffers(nil); err != nil || window == 1 {
			return
		}
		window /= 2
		c.sess.SetWindowSize(window, 0)
	}
}

// check reports why an operation cannot start on a session that has ended.
func (c *Conn) check(op string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != open {
		return c.opErr(op, c.cause)
	}
	return nil
}

// mapErr turns kcp-go's errors (wrapped with github.com/pkg/errors, which
// os.IsTimeout cannot see through) into the standard library's forms.
func (c *Conn) mapErr(op string, err error) error {
	c.mu.Lock()
	state, cause := c.state, c.cause
	c.mu.Unlock()
	if state != open {
		return c.opErr(op, cause)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		if op == "read" && c.dialed && !c.heard.Load() {
			// KCP has no handshake: a server with another key
			// drops every packet without a word.
			return c.opErr(op, errNoAnswer)
		}
		return c.opErr(op, os.ErrDeadlineExceeded)
	}
	if errors.Is(err, io.ErrClosedPipe) {
		// kcp-go closed the session itself: its listener does that when
		// the same address starts a new conversation.
		c.abort(net.ErrClosed)
		return c.opErr(op, net.ErrClosed)
	}
	return c.opErr(op, err)
}

func (c *Conn) opErr(op string, err error) error {
	return &net.OpError{Op: op, Net: "kcp", Source: c.sess.LocalAddr(), Addr: c.sess.RemoteAddr(), Err: err}
}

// LocalAddr returns the local UDP address.
func (c *Conn) LocalAddr() net.Addr { return c.sess.LocalAddr() }

// RemoteAddr returns the peer's UDP address.
func (c *Conn) RemoteAddr() net.Addr { return c.sess.RemoteAddr() }

// BackgroundReadable reports false: kcp-go reads a session's deadlines
// without synchronisation when a Read begins, so no other goroutine may
// change them while one reads. The core then does not watch a KCP stream
// in the background for a client gone (Options.Go in package core); KCP
// has no end of stream to notice anyway.
func (c *Conn) BackgroundReadable() bool { return false }

// SetDeadline sets both the read and the write deadline.
func (c *Conn) SetDeadline(t time.Time) error {
	if err := c.check("set deadline"); err != nil {
		return err
	}
	return c.sess.SetDeadline(t)
}

// SetReadDeadline makes future Reads fail with an error matching
// os.ErrDeadlineExceeded once t passes; the session stays usable. The zero
// time removes the deadline. The idle timeout applies regardless. See Conn
// for which goroutine may call it.
func (c *Conn) SetReadDeadline(t time.Time) error {
	if err := c.check("set read deadline"); err != nil {
		return err
	}
	return c.sess.SetReadDeadline(t)
}

// SetWriteDeadline is SetReadDeadline for Write.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	if err := c.check("set write deadline"); err != nil {
		return err
	}
	return c.sess.SetWriteDeadline(t)
}

// RTT returns kcp-go's smoothed round-trip estimate, zero before the first
// acknowledgement.
func (c *Conn) RTT() time.Duration {
	return time.Duration(c.sess.GetSRTT()) * time.Millisecond
}
