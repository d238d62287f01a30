package kcp

import (
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// The UDP sockets handed to kcp-go are wrapped to see every datagram arrive
// (the idle timeout's notion of a live peer), to send each datagram
// Config.Duplicates extra times, and, on the server, to stop kcp-go from
// creating sessions: for new peers once the Listener is closed, and for
// anyone once the socket is about to close, so that every session kcp-go
// created can be closed.

// epoch anchors monotonic timestamps that fit in an atomic.Int64.
var epoch = time.Now()

// activity records when a datagram last arrived from one peer, and when the
// first datagram sent to it after that went out: a lingering Close uses the
// pair to tell a peer that stopped answering from one with nothing to answer.
type activity struct {
	last       atomic.Int64 // nanoseconds since epoch
	unanswered atomic.Int64 // first send after last; stale if not later than last
}

func sinceEpoch() int64 { return int64(time.Since(epoch)) }

func (a *activity) touch() { a.last.Store(sinceEpoch()) }

func (a *activity) idleFor() time.Duration {
	return time.Duration(sinceEpoch() - a.last.Load())
}

// sent notes a datagram sent to the peer. Only the first send after an
// arrival is recorded, so the common case is two atomic loads.
func (a *activity) sent() {
	now := sinceEpoch()
	for {
		u := a.unanswered.Load()
		if u > a.last.Load() || a.unanswered.CompareAndSwap(u, now) {
			return
		}
	}
}

// unansweredFor reports how long ago the first datagram sent since the last
// arrival went out, or zero if nothing has been sent since. A racing arrival
// can hide a send; that only makes a lingering Close wait longer.
func (a *activity) unansweredFor() time.Duration {
	u := a.unanswered.Load()
	if u <= a.last.Load() {
		return 0
	}
	return time.Duration(sinceEpoch() - u)
}

// writeCopies sends b to addr (nil on a connected socket) and then
// duplicates more times. The copies are best effort, as any datagram is:
// their errors are not reported, so that a full buffer costs a copy, not
// the session, which kcp-go ends at the first write error.
func writeCopies(c *net.UDPConn, b []byte, addr net.Addr, duplicates int) (int, error) {
	write := func() (int, error) {
		if addr == nil {
			return c.Write(b)
		}
		return c.WriteTo(b, addr)
	}
	n, err := write()
	if err == nil {
		for range duplicates {
			_, _ = write()
		}
	}
	return n, err
}

// serverSocket is the listener's UDP socket as kcp-go sees it. kcp-go's one
// receive goroutine (its "monitor") calls ReadFrom in a loop and may create a
// session after each call returns.
type serverSocket struct {
	*net.UDPConn
	duplicates int // extra copies of every datagram sent

	strangers atomic.Bool // drop datagrams from peers without an accepted session
	closing   atomic.Bool
	quiet     chan struct{} // closed once the monitor will create no more sessions
	quietOnce sync.Once
	release   chan struct{} // closed to let a parked monitor return and exit

	mu    sync.RWMutex
	peers map[netip.AddrPort]*activity
}

func newServerSocket(c *net.UDPConn, duplicates int) *serverSocket {
	return &serverSocket{
		UDPConn:    c,
		duplicates: duplicates,
		quiet:      make(chan struct{}),
		release:    make(chan struct{}),
		peers:      make(map[netip.AddrPort]*activity),
	}
}

// ReadFrom is called only by kcp-go's monitor goroutine.
func (s *serverSocket) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		if s.closing.Load() {
			// The previous datagram has been fully processed (the monitor
			// only reads again after that), so parking here freezes the
			// set of sessions kcp-go has created.
			s.quietOnce.Do(func() { close(s.quiet) })
			<-s.release
			return 0, nil, net.ErrClosed
		}
		n, addr, err := s.UDPConn.ReadFrom(b)
		if err != nil {
			if s.closing.Load() {
				continue // woken by beginClose: park above
			}
			// The monitor exits on any error; it is quiet from now on.
			s.quietOnce.Do(func() { close(s.quiet) })
			return n, addr, err
		}
		var a *activity
		if ua, ok := addr.(*net.UDPAddr); ok {
			s.mu.RLock()
			a = s.peers[ua.AddrPort()]
			s.mu.RUnlock()
		}
		if a == nil {
			if s.strangers.Load() {
				continue // kcp-go would open a session nobody accepts
			}
			return n, addr, nil
		}
		a.touch()
		return n, addr, nil
	}
}

// WriteTo is called by kcp-go's sessions to send.
func (s *serverSocket) WriteTo(b []byte, addr net.Addr) (int, error) {
	if ua, ok := addr.(*net.UDPAddr); ok {
		s.mu.RLock()
		a := s.peers[ua.AddrPort()]
		s.mu.RUnlock()
		if a != nil {
			a.sent()
		}
	}
	return writeCopies(s.UDPConn, b, addr, s.duplicates)
}

// track starts recording arrivals from the peer of an accepted session.
func (s *serverSocket) track(peer net.Addr) (netip.AddrPort, *activity) {
	a := new(activity)
	a.touch()
	ua, ok := peer.(*net.UDPAddr)
	if !ok {
		return netip.AddrPort{}, a // cannot happen with a UDP socket; the watchdog then sees no arrivals
	}
	key := ua.AddrPort()
	s.mu.Lock()
	s.peers[key] = a // a newer session from the same address takes over
	s.mu.Unlock()
	return key, a
}

func (s *serverSocket) forget(key netip.AddrPort, a *activity) {
	s.mu.Lock()
	if s.peers[key] == a {
		delete(s.peers, key)
	}
	s.mu.Unlock()
}

// dropStrangers makes kcp-go see only datagrams from the peers of tracked
// (accepted) sessions from now on.
func (s *serverSocket) dropStrangers() { s.strangers.Store(true) }

// beginClose returns once kcp-go's monitor has stopped creating sessions.
func (s *serverSocket) beginClose() {
	s.closing.Store(true)
	// Wake a ReadFrom blocked in the kernel; nobody else sets deadlines on
	// this socket.
	_ = s.UDPConn.SetReadDeadline(time.Unix(1, 0))
	<-s.quiet
}

// finishClose lets the monitor exit and closes the socket.
func (s *serverSocket) finishClose() error {
	close(s.release)
	return s.UDPConn.Close()
}

// clientSocket is a dialled (connected) UDP socket: the kernel filters out
// datagrams from anyone but the server and reports ICMP errors, so dialling a
// port where nothing listens fails at the first Read instead of hanging.
type clientSocket struct {
	*net.UDPConn
	duplicates int // extra copies of every datagram sent
	act        activity
}

func (c *clientSocket) ReadFrom(b []byte) (int, net.Addr, error) {
	n, err := c.UDPConn.Read(b)
	if err == nil {
		c.act.touch()
	}
	return n, c.UDPConn.RemoteAddr(), err
}

// WriteTo ignores addr: a connected socket refuses an explicit destination.
func (c *clientSocket) WriteTo(b []byte, _ net.Addr) (int, error) {
	c.act.sent()
	return writeCopies(c.UDPConn, b, nil, c.duplicates)
}
