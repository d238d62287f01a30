package pipe

import (
	"io"
	"net"
	"sync"
)

// minAllocation is the smallest buffer a stream allocates, so that a
// conversation of small messages does not regrow the buffer on every write,
// while an idle pipe still costs far less than its full BufferSize.
const minAllocation = 512

// stream is one direction of a pipe: a bounded byte queue with one end that
// writes and one end that reads. Waiters take the changed channel under mu and
// block on it outside mu; the next state change closes it. That lets a wait be
// combined with deadlines and Close in one select, which sync.Cond cannot do.
type stream struct {
	mu      sync.Mutex
	buf     []byte // the buffered bytes are buf[off:]
	off     int
	limit   int           // most bytes buffered at once; writers wait past it
	shut    bool          // the writer is done: the reader gets io.EOF once drained
	broken  bool          // the reader is gone: writes fail, buffered bytes are dropped
	changed chan struct{} // made by a waiter, closed by the next state change
}

func newStream(limit int) *stream {
	return &stream{limit: limit}
}

func (s *stream) notifyLocked() {
	if s.changed != nil {
		close(s.changed)
		s.changed = nil
	}
}

func (s *stream) waitLocked() <-chan struct{} {
	if s.changed == nil {
		s.changed = make(chan struct{})
	}
	return s.changed
}

// tryRead copies buffered bytes into p. When nothing is buffered and the
// writer is still there, it returns a channel that is closed on the next
// change instead.
func (s *stream) tryRead(p []byte) (n int, wait <-chan struct{}, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.broken {
		return 0, nil, net.ErrClosed
	}
	if s.off < len(s.buf) {
		n = copy(p, s.buf[s.off:])
		s.off += n
		if s.off == len(s.buf) {
			s.buf, s.off = s.buf[:0], 0
		}
		s.notifyLocked()
		return n, nil, nil
	}
	if s.shut {
		return 0, nil, io.EOF
	}
	return 0, s.waitLocked(), nil
}

// tryWrite buffers as much of p as fits. When nothing fits it returns a
// channel that is closed on the next change instead.
func (s *stream) tryWrite(p []byte) (n int, wait <-chan struct{}, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shut {
		return 0, nil, ErrWriteShutdown
	}
	if s.broken {
		return 0, nil, io.ErrClosedPipe
	}
	if len(p) == 0 {
		return 0, nil, nil
	}
	free := s.limit - (len(s.buf) - s.off)
	if free == 0 {
		return 0, s.waitLocked(), nil
	}
	p = p[:min(len(p), free)]
	s.reserveLocked(len(p))
	s.buf = append(s.buf, p...)
	s.notifyLocked()
	return len(p), nil, nil
}

// reserveLocked makes room for k more bytes without letting the backing
// array outgrow limit: consumed bytes are reclaimed before growing.
func (s *stream) reserveLocked(k int) {
	if cap(s.buf)-len(s.buf) >= k {
		return
	}
	if s.off > 0 {
		n := copy(s.buf, s.buf[s.off:])
		s.buf, s.off = s.buf[:n], 0
		if cap(s.buf)-len(s.buf) >= k {
			return
		}
	}
	// tryWrite keeps len(buf)+k <= limit, so the new capacity always fits.
	size := min(s.limit, max(2*cap(s.buf), len(s.buf)+k, minAllocation))
	grown := make([]byte, len(s.buf), size)
	copy(grown, s.buf)
	s.buf = grown
}

// shutWrite is the writer's end: the reader drains, then reads io.EOF.
func (s *stream) shutWrite() {
	s.mu.Lock()
	s.shut = true
	s.notifyLocked()
	s.mu.Unlock()
}

// breakRead is the reader's end: nobody will read what is buffered, so it is
// dropped and later writes fail.
func (s *stream) breakRead() {
	s.mu.Lock()
	s.broken = true
	s.buf, s.off = nil, 0
	s.notifyLocked()
	s.mu.Unlock()
}
