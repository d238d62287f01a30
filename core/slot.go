package core

import (
	"sync/atomic"
	"time"
)

// A slot holds the handles of one request: the Request (with its Body) and
// the ResponseWriter (with its BodyWriter). A handler gets pointers into a
// slot, so a slot must never serve a request those pointers should not
// reach.
//
//   - Slots belong to one stream: the conn is allocated per stream, so no
//     handle reaches another stream, ever.
//   - When the handler returns, its slot is retired: every field that
//     pointed into the read buffer is cleared and the slot's conn is cut,
//     so the handles read nothing and their writes fail with
//     ErrResponseOver.
//   - A stream alternates two slots, so the handles of one request are
//     dead, not reused, while the next request is served.
//   - A dead handle that is used is noticed (escaped), and its slot is
//     never reused: the stream takes a fresh one in its place.
//
// The one use these rules cannot catch is a handle kept without being
// touched through a whole request of the same stream and used during the
// one after; that costs an allocation per request to rule out, which the
// hot path does not pay. See "Lifetimes" in the package documentation.
type slot struct {
	c       *conn // nil while retired
	req     Request
	w       ResponseWriter
	start   time.Time // the handler's start: after the head was parsed
	escaped atomic.Bool
}

func newSlot(s *slot) *slot {
	s.req.s = s
	s.req.body.s = s
	s.w.s = s
	s.w.body.w = &s.w
	return s
}

// live returns the slot's conn, or nil after its handler returned; a dead
// slot that is used is marked, so that it is not handed out again.
func (s *slot) live() *conn {
	if c := s.c; c != nil {
		return c
	}
	s.escaped.Store(true)
	return nil
}

// nextSlot readies the slot for the stream's next request.
func (c *conn) nextSlot() *slot {
	c.seq++
	i := c.seq & 1
	s := c.slots[i]
	if s.escaped.Load() {
		s = newSlot(new(slot))
		c.slots[i] = s
	}
	// The Request was reset when the slot was retired (a fresh slot is
	// zero); the ResponseWriter is reset here, with the request's number.
	s.w.reset(c.seq)
	s.c = c
	c.cur = s
	return s
}

// dropTables lets the header, trailer and path value tables of a retired
// slot go, for a stream that waits idle: the next request grows new ones.
func (s *slot) dropTables() {
	s.req.header, s.req.trailer, s.req.pathValues = RequestHeader{}, nil, nil
	s.w.header, s.w.trailer = Header{}, Header{}
}

// retire kills the slot's handles when its handler returns (or when no
// handler will run).
func (c *conn) retire(s *slot) {
	if s.c == nil {
		return
	}
	s.req.cancelContext(ErrResponseOver)
	s.c = nil
	s.req.reset()
}
