package core

import (
	"io"
	"sync/atomic"
	"time"
)

// tracked is a Server's view of one stream, for Shutdown and Close.
type tracked struct {
	srv     *Server
	rwc     io.ReadWriteCloser
	created time.Time
	state   atomic.Int32
}

const (
	// stateNew: accepted, first request not begun. Shutdown leaves such a
	// stream alone for newStreamGrace, since a client that just connected
	// is most likely about to send a request (or a TLS handshake), and a
	// fresh connection closed under it is an error clients do not retry.
	stateNew int32 = iota
	stateActive
	stateIdle
	stateClosed
)

// newStreamGrace is how long Shutdown lets a new, silent stream live; the
// read-header timeout bounds it too.
const newStreamGrace = 5 * time.Second

func (t *tracked) setIdle(*conn) {
	if t != nil {
		t.state.CompareAndSwap(stateActive, stateIdle)
	}
}

// setActive reports false if the server closed the stream while it waited.
func (t *tracked) setActive(*conn) bool {
	return t == nil || t.state.CompareAndSwap(stateIdle, stateActive) || t.state.CompareAndSwap(stateNew, stateActive)
}

// claimIdle marks the stream closed if it waits for a request, reporting
// whether it did; the caller then closes it.
func (t *tracked) claimIdle(now time.Time) bool {
	return t.state.CompareAndSwap(stateIdle, stateClosed) ||
		(now.Sub(t.created) > newStreamGrace && t.state.CompareAndSwap(stateNew, stateClosed))
}

// closedByServer reports whether Shutdown or Close is ending the stream.
func (t *tracked) closedByServer() bool {
	return t != nil && (t.srv.inShutdown.Load() || t.srv.closed.Load() || t.state.Load() == stateClosed)
}

func (t *tracked) shuttingDown() bool {
	return t != nil && t.srv.inShutdown.Load()
}
