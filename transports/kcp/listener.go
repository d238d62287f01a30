package kcp

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"time"

	kcpgo "github.com/xtaci/kcp-go/v5"

	"github.com/tophat-go/tophat/core"
)

const (
	// socketBuffer is requested for every UDP socket, the listener's (which
	// all its sessions share) and each dialer's: with the default 208 KB a
	// window's burst overflows the receiver's buffer on a fast link, and
	// every datagram dropped there costs a retransmission timer (measured
	// on loopback: a 10 MiB download at 24 MiB/s with the client's default
	// buffer, 70 to 98 with this one). The kernel caps it at
	// net.core.rmem_max/wmem_max, so the request is best effort.
	socketBuffer = 4 << 20

	// drainWait bounds the wait for sessions kcp-go created but nobody
	// accepted when the socket is about to close. The set is frozen by then
	// (see serverSocket), so the wait only has to outlast scheduling delays.
	drainWait = 25 * time.Millisecond
)

// A Listener accepts KCP sessions on one UDP socket, which all its sessions
// share.
//
// Close stops accepting but leaves the sessions already accepted running,
// so a server shutting down gracefully can finish the requests in flight;
// the socket closes when the last of them ends. Abort also closes the
// accepted sessions. Unlike kcp-go's own listener, it never leaks a session:
// sessions that arrive but are not accepted are closed, and sessions whose
// peer goes silent are closed after the idle timeout.
type Listener struct {
	kl   *kcpgo.Listener
	sock *serverSocket
	cfg  settings

	// A goroutine (pump) moves sessions from kcp-go to Accept, because
	// kcp-go's Accept can only be woken by closing kcp-go's listener, which
	// would also stop its queue from being drained.
	accepts  chan *kcpgo.UDPSession
	closing  chan struct{} // closed by Close or Abort
	pumpDone chan struct{} // closed when the pump has exited
	pumpErr  error         // why the pump exited; read after pumpDone

	done    chan struct{} // closed once the socket is closed
	shutErr error         // from closing the socket; read after done

	mu     sync.Mutex
	closed bool // Close or Abort was called
	shut   bool // the socket is closed or being closed
	conns  map[*Conn]struct{}
}

var _ core.Listener = (*Listener)(nil)

// Listen listens for KCP sessions on the UDP address, such as
// "127.0.0.1:4000" or ":0". A nil cfg means the zero Config.
func Listen(address string, cfg *Config) (*Listener, error) {
	s, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	block, err := newBlockCrypt(s.key)
	if err != nil {
		return nil, err
	}
	var lc net.ListenConfig
	pc, err := lc.ListenPacket(context.Background(), "udp", address)
	if err != nil {
		return nil, err
	}
	udp, ok := pc.(*net.UDPConn)
	if !ok {
		_ = pc.Close()
		return nil, fmt.Errorf("kcp: listen %s: unexpected socket type %T", address, pc)
	}
	_ = udp.SetReadBuffer(socketBuffer)
	_ = udp.SetWriteBuffer(socketBuffer)

	sock := newServerSocket(udp, s.duplicates)
	kl, err := kcpgo.ServeConn(block, s.dataShards, s.parityShards, sock)
	if err != nil {
		_ = udp.Close()
		return nil, fmt.Errorf("kcp: listen %s: %w", address, err)
	}
	l := &Listener{
		kl:       kl,
		sock:     sock,
		cfg:      s,
		accepts:  make(chan *kcpgo.UDPSession),
		closing:  make(chan struct{}),
		pumpDone: make(chan struct{}),
		done:     make(chan struct{}),
		conns:    make(map[*Conn]struct{}),
	}
	go l.pump()
	return l, nil
}

// pump hands kcp-go's new sessions to Accept until the listener closes, and
// closes them from then on. It exits once kcp-go's listener is closed, which
// happens only after its queue has been drained (see shutdown).
func (l *Listener) pump() {
	defer close(l.pumpDone)
	for {
		sess, err := l.kl.AcceptKCP()
		if err != nil {
			l.pumpErr = err
			return
		}
		select {
		case l.accepts <- sess:
		case <-l.closing:
			_ = sess.Close()
		}
	}
}

// Accept waits for the next session and returns it as a *Conn. After Close
// it returns an error matching net.ErrClosed.
func (l *Listener) Accept() (io.ReadWriteCloser, error) {
	c, err := l.AcceptConn()
	if err != nil {
		return nil, err
	}
	return c, nil
}

// AcceptConn is Accept with the concrete type.
func (l *Listener) AcceptConn() (*Conn, error) {
	var sess *kcpgo.UDPSession
	select {
	case sess = <-l.accepts:
	case <-l.closing:
		return nil, l.opErr("accept", net.ErrClosed)
	case <-l.pumpDone:
		if l.isClosed() {
			return nil, l.opErr("accept", net.ErrClosed)
		}
		return nil, l.opErr("accept", l.pumpErr) // the socket failed
	}
	l.cfg.configure(sess)

	key, act := l.sock.track(sess.RemoteAddr())
	var c *Conn
	c = newConn(sess, act, l.cfg, func() { l.forget(c, key, act) })

	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		c.abort(net.ErrClosed)
		return nil, l.opErr("accept", net.ErrClosed)
	}
	l.conns[c] = struct{}{}
	l.mu.Unlock()
	return c, nil
}

// forget runs once for every session AcceptConn made into a Conn, after the
// session has been closed. The last one to end after Close shuts the socket
// down, and stays counted by Sessions until then, so that Sessions reaching
// zero after Close means the socket is closed.
func (l *Listener) forget(c *Conn, key netip.AddrPort, act *activity) {
	l.sock.forget(key, act)
	l.mu.Lock()
	_, counted := l.conns[c]
	others := len(l.conns)
	if counted {
		others--
	}
	last := l.closed && !l.shut && others == 0
	if last {
		l.shut = true
	} else {
		delete(l.conns, c)
	}
	l.mu.Unlock()
	if last {
		_ = l.shutdown(c)
	}
}

// lastOut reports, with l.mu held, whether Close or Abort must shut the
// socket down, and if so marks it as being shut down so nobody else does.
func (l *Listener) lastOut() bool {
	if !l.closed || l.shut || len(l.conns) > 0 {
		return false
	}
	l.shut = true
	return true
}

// Sessions reports how many accepted sessions are still open, including
// those Close left running. After Close, it drops to zero only once the
// socket is closed.
func (l *Listener) Sessions() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns)
}

// Addr returns the UDP address the listener is bound to.
func (l *Listener) Addr() net.Addr { return l.sock.LocalAddr() }

// Close stops accepting: blocked and later Accept calls return an error
// matching net.ErrClosed, sessions that arrived but were never accepted are
// closed, and datagrams from peers without an accepted session are dropped,
// so new dials are not served.
//
// Sessions already accepted keep working, so requests in flight can finish
// (core.Server.Shutdown closes its listeners first and then waits for them).
// Each one ends when its owner closes it or at the idle timeout. The UDP
// socket they share is closed when the last one ends, at once if there is
// none; Sessions reports how many are left. Use Abort to close them too.
//
// Close returns an error from closing the socket if it closed it, and one
// matching net.ErrClosed if the listener was already closed or aborted.
func (l *Listener) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return l.opErr("close", net.ErrClosed)
	}
	l.stopAccepting()
	last := l.lastOut()
	l.mu.Unlock()
	if last {
		return l.shutdown(nil)
	}
	return nil
}

// Abort is Close that also closes every accepted session at once, without
// waiting for unacknowledged data: their blocked and later Read and Write
// calls fail with errors matching net.ErrClosed. It returns once the socket
// is closed. Abort may follow Close, to cut short the sessions Close left
// running; it returns an error only if closing the socket failed.
func (l *Listener) Abort() error {
	l.mu.Lock()
	if !l.closed {
		l.stopAccepting()
	}
	last := l.lastOut()
	conns := make([]*Conn, 0, len(l.conns))
	for c := range l.conns {
		conns = append(conns, c)
	}
	l.mu.Unlock()
	if last {
		return l.shutdown(nil)
	}
	for _, c := range conns {
		c.abort(net.ErrClosed) // the last one shuts the socket down
	}
	<-l.done
	return l.shutErr
}

// stopAccepting is called with l.mu held.
func (l *Listener) stopAccepting() {
	l.closed = true
	l.sock.dropStrangers()
	close(l.closing) // the pump now closes what kcp-go creates
}

// shutdown closes the socket. It runs once, after Close or Abort, when no
// accepted session is left but last, whose end triggered it (nil if none).
func (l *Listener) shutdown(last *Conn) error {
	l.sock.beginClose()
	// kcp-go's listener does not close what it created, and its queue can
	// only be emptied while it is open: take and close the sessions still
	// queued (the pump may take some of them; it closes them too).
	_ = l.kl.SetReadDeadline(time.Now().Add(drainWait))
	for {
		sess, err := l.kl.AcceptKCP()
		if err != nil {
			break
		}
		_ = sess.Close()
	}
	_ = l.kl.Close() // ends the pump; the socket is ours to close
	<-l.pumpDone
	l.shutErr = l.sock.finishClose()
	l.mu.Lock()
	delete(l.conns, last)
	l.mu.Unlock()
	close(l.done)
	return l.shutErr
}

func (l *Listener) isClosed() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closed
}

func (l *Listener) opErr(op string, err error) error {
	return &net.OpError{Op: op, Net: "kcp", Addr: l.Addr(), Err: err}
}
