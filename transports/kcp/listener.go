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
	// socketBuffer is requested for the listener's UDP socket, which every
	// session shares; the kernel caps it at net.core.rmem_max/wmem_max, so
	// the request is best effort.
	socketBuffer = 4 << 20

	// drainWait bounds the wait for sessions kcp-go created but nobody
	// accepted when the Listener closes. The set is frozen by then (see
	// serverSocket), so the wait only has to outlast scheduling delays.
	drainWait = 25 * time.Millisecond
)

// A Listener accepts KCP sessions on one UDP socket. Unlike kcp-go's own
// listener, closing it closes every session it accepted, and sessions whose
// peer goes silent are closed after the idle timeout, so none is leaked.
type Listener struct {
	kl   *kcpgo.Listener
	sock *serverSocket
	cfg  settings

	mu     sync.Mutex
	closed bool
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

	sock := newServerSocket(udp)
	kl, err := kcpgo.ServeConn(block, s.dataShards, s.parityShards, sock)
	if err != nil {
		_ = udp.Close()
		return nil, fmt.Errorf("kcp: listen %s: %w", address, err)
	}
	return &Listener{kl: kl, sock: sock, cfg: s, conns: make(map[*Conn]struct{})}, nil
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
	if l.isClosed() {
		return nil, l.opErr("accept", net.ErrClosed)
	}
	sess, err := l.kl.AcceptKCP()
	if err != nil {
		if l.isClosed() {
			return nil, l.opErr("accept", net.ErrClosed)
		}
		return nil, l.opErr("accept", err)
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

func (l *Listener) forget(c *Conn, key netip.AddrPort, act *activity) {
	l.mu.Lock()
	delete(l.conns, c)
	l.mu.Unlock()
	l.sock.forget(key, act)
}

// Sessions reports how many accepted sessions are still open.
func (l *Listener) Sessions() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns)
}

// Addr returns the UDP address the listener is bound to.
func (l *Listener) Addr() net.Addr { return l.sock.LocalAddr() }

// Close stops listening, closes every session it accepted at once (without
// waiting for unacknowledged data) as well as sessions that arrived but were
// never accepted, and closes the socket. Blocked Accept calls return an error
// matching net.ErrClosed.
func (l *Listener) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return l.opErr("close", net.ErrClosed)
	}
	l.closed = true
	l.mu.Unlock()

	l.sock.beginClose()
	// kcp-go's listener does not close what it created: take and close
	// sessions still queued for Accept.
	_ = l.kl.SetReadDeadline(time.Now().Add(drainWait))
	for {
		sess, err := l.kl.AcceptKCP()
		if err != nil {
			break
		}
		_ = sess.Close()
	}

	l.mu.Lock()
	conns := make([]*Conn, 0, len(l.conns))
	for c := range l.conns {
		conns = append(conns, c)
	}
	l.mu.Unlock()
	for _, c := range conns {
		c.abort(net.ErrClosed)
	}

	_ = l.kl.Close() // wakes blocked AcceptKCP calls; the socket is ours to close
	return l.sock.finishClose()
}

func (l *Listener) isClosed() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closed
}

func (l *Listener) opErr(op string, err error) error {
	return &net.OpError{Op: op, Net: "kcp", Addr: l.Addr(), Err: err}
}
