package core

import (
	"io"
	"sync/atomic"
	"time"
)

// A watchdog enforces timeouts on a stream. Streams with deadlines
// (SetReadDeadline and SetWriteDeadline, as every net.Conn has) get them:
// no timer, and a timed-out read or write fails alone. A bare
// io.ReadWriteCloser gets one timer per stream that closes it when the
// current operation overruns; the core then reports ErrTimeout.
type watchdog struct {
	deadlines deadliner
	closer    io.Closer
	timer     *time.Timer
	fired     *atomic.Bool // per stream, so a late timer cannot touch a reused watchdog
}

type deadliner interface {
	SetReadDeadline(time.Time) error
	SetWriteDeadline(time.Time) error
}

func (wd *watchdog) reset(rwc io.ReadWriteCloser) {
	wd.deadlines, _ = rwc.(deadliner)
	wd.closer = rwc
	wd.fired = nil
	if wd.timer != nil {
		wd.timer.Stop()
		wd.timer = nil
	}
}

// timedOut reports whether the timer closed the stream.
func (wd *watchdog) timedOut() bool { return wd.fired != nil && wd.fired.Load() }

// read arms the read timeout to end at t; the zero t disarms it.
func (wd *watchdog) read(t time.Time) {
	if wd.deadlines != nil {
		wd.deadlines.SetReadDeadline(t) //nolint:errcheck // a failing stream fails its next read
		return
	}
	wd.arm(t)
}

// write arms the write timeout to end at t; the zero t disarms it.
func (wd *watchdog) write(t time.Time) {
	if wd.deadlines != nil {
		wd.deadlines.SetWriteDeadline(t) //nolint:errcheck // a failing stream fails its next write
		return
	}
	wd.arm(t)
}

func (wd *watchdog) arm(t time.Time) {
	if t.IsZero() {
		if wd.timer != nil {
			wd.timer.Stop()
		}
		return
	}
	d := time.Until(t)
	if wd.timer == nil {
		closer, fired := wd.closer, new(atomic.Bool)
		wd.fired = fired
		wd.timer = time.AfterFunc(d, func() {
			fired.Store(true)
			closer.Close()
		})
		return
	}
	wd.timer.Reset(d)
}

// stop releases the timer when the stream is done.
func (wd *watchdog) stop() {
	if wd.timer != nil {
		wd.timer.Stop()
		wd.timer = nil
	}
	wd.deadlines, wd.closer = nil, nil
}

// deadline converts a timeout option into a deadline; a negative timeout
// means none.
func deadline(now time.Time, d time.Duration) time.Time {
	if d < 0 {
		return time.Time{}
	}
	return now.Add(d)
}
