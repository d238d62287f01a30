package core

import (
	"errors"
	"net"
	"sync/atomic"
	"time"
)

// A watcher reads the stream in the background while a handler runs, to
// notice a client that closes the stream and cancel the request's context,
// as net/http's background read does. It runs only for a request whose
// handler asked for its context and whose body has been read, on a stream
// with deadlines (the only way to stop a blocked read) that may be changed
// while another goroutine reads (a stream whose BackgroundReadable method
// returns false opts out), and only where Options.Go provides a goroutine,
// since the core starts none itself.
type watcher struct {
	active   bool
	done     chan struct{}
	buf      [1]byte
	n        int
	err      error
	stopping atomic.Bool
}

// aLongTimeAgo is a deadline that has passed, to stop a blocked read.
var aLongTimeAgo = time.Unix(1, 0)

// watchHorizon is the read deadline a watcher starts with.
const watchHorizon = 24 * time.Hour

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// watchClient starts the watcher if the request allows it.
func (c *conn) watchClient() {
	s := c.cur
	if c.opts.Go == nil || c.wd.deadlines == nil || c.watch != nil && c.watch.active || c.hijacked ||
		s.req.ctx == nil || !c.in.done() || c.r.stashed || c.r.err != nil {
		return
	}
	if b, ok := c.rwc.(interface{ BackgroundReadable() bool }); ok && !b.BackgroundReadable() {
		return
	}
	if c.watch == nil {
		c.watch = new(watcher) // only streams whose handlers ask for a context
	}
	w := c.watch
	w.active = true
	w.done = make(chan struct{})
	w.n, w.err = 0, nil
	w.stopping.Store(false)
	// A far deadline rather than none: some streams (kcp-go's) arm their
	// timer when a Read begins and would not notice the stop's deadline
	// if the Read began with none. Its passing is no sign of a client gone.
	c.wd.deadlines.SetReadDeadline(time.Now().Add(watchHorizon)) //nolint:errcheck // a failing stream fails the read
	c.wd.readDeadlineUnknown()
	rwc, cancel := c.rwc, s.req.cancel
	c.opts.Go(func() {
		n, err := rwc.Read(w.buf[:])
		w.n, w.err = n, err
		if n == 0 && err != nil && !w.stopping.Load() && !isTimeout(err) {
			cancel(ErrClientGone)
		}
		close(w.done)
	})
}

// stopWatching stops the watcher and keeps what it read: a byte of the
// next request, or the end of the stream.
func (c *conn) stopWatching() {
	w := c.watch
	if w == nil || !w.active {
		return
	}
	w.stopping.Store(true)
	c.wd.deadlines.SetReadDeadline(aLongTimeAgo) //nolint:errcheck // the read ends either way
	c.wd.readDeadlineUnknown()
	<-w.done
	w.active = false
	if w.n > 0 {
		c.r.stash, c.r.stashed = w.buf[0], true
	}
	if w.err != nil && !(w.n == 0 && c.wd.isTimeout(w.err)) && c.r.err == nil {
		c.r.err = w.err
	}
}
