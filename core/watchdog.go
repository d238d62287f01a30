package core

import (
	"io"
	"sync"
	"time"
)

// A watchdog enforces timeouts on a stream. Streams with deadlines
// (SetReadDeadline and SetWriteDeadline, as every net.Conn has) get them,
// and a timed-out read or write fails alone. A bare io.ReadWriteCloser gets
// one timer per stream that closes it when the current operation overruns;
// the core then reports ErrTimeout.
type watchdog struct {
	deadlines deadliner
	closer    io.Closer
	timer     *closingTimer // bare streams only; per stream, so a late timer cannot touch a reused watchdog

	// The deadlines the stream has, when known: one is moved only when it
	// would end too soon or too late (see nextDue).
	readDue, writeDue     time.Time
	readKnown, writeKnown bool
}

// deadlineSlack is how late a timeout may fire, as a fraction of it: a
// deadline already set that ends between d and d + d/deadlineSlack from
// now is kept. Moving a socket's deadline is a lock and a timer change in
// the runtime; with the slack a busy stream moves each about once per
// quarter timeout instead of once or twice per request.
const deadlineSlack = 4

// nextDue returns the deadline for a timeout of d from now (none for a
// negative d) and whether the stream's deadline, due if known, must change.
// A timeout never fires early; it may fire up to d/deadlineSlack late.
func nextDue(due time.Time, known bool, now time.Time, d time.Duration) (time.Time, bool) {
	if d < 0 {
		return time.Time{}, !known || !due.IsZero()
	}
	want := now.Add(d)
	if known && !due.IsZero() && !due.Before(want) && due.Sub(want) <= d/deadlineSlack {
		return due, false
	}
	return want.Add(d / deadlineSlack), true
}

// readDeadlineUnknown says the stream's read deadline was set elsewhere.
func (wd *watchdog) readDeadlineUnknown() { wd.readKnown = false }

type deadliner interface {
	SetReadDeadline(time.Time) error
	SetWriteDeadline(time.Time) error
}

func (wd *watchdog) reset(rwc io.ReadWriteCloser) {
	wd.deadlines, _ = rwc.(deadliner)
	wd.closer = rwc
	wd.timer = nil
	wd.readKnown, wd.writeKnown = false, false
}

// read arms the read timeout to d from now; a negative d disarms it.
func (wd *watchdog) read(now time.Time, d time.Duration) {
	if wd.deadlines != nil {
		if due, change := nextDue(wd.readDue, wd.readKnown, now, d); change {
			wd.deadlines.SetReadDeadline(due) //nolint:errcheck // a failing stream fails its next read
			wd.readDue, wd.readKnown = due, true
		}
		return
	}
	wd.arm(now, d)
}

// write arms the write timeout to d from now; a negative d disarms it.
func (wd *watchdog) write(now time.Time, d time.Duration) {
	if wd.deadlines != nil {
		if due, change := nextDue(wd.writeDue, wd.writeKnown, now, d); change {
			wd.deadlines.SetWriteDeadline(due) //nolint:errcheck // a failing stream fails its next write
			wd.writeDue, wd.writeKnown = due, true
		}
		return
	}
	wd.arm(now, d)
}

// idle stops a bare stream's timer once the read or write it guarded has
// returned: a timeout covers blocked I/O only, never a handler computing
// between reads or pauses between flushes. A stream's own deadlines need
// nothing, as every read and write sets its own first.
func (wd *watchdog) idle() {
	if wd.timer != nil {
		wd.timer.arm(time.Time{}, -1)
	}
}

// disarm clears both timeouts, for a stream handed to a handler.
func (wd *watchdog) disarm() {
	if wd.deadlines != nil {
		wd.deadlines.SetReadDeadline(time.Time{})  //nolint:errcheck // best effort
		wd.deadlines.SetWriteDeadline(time.Time{}) //nolint:errcheck // best effort
		wd.readKnown, wd.writeKnown = false, false
	}
	wd.stop()
}

func (wd *watchdog) arm(now time.Time, d time.Duration) {
	if wd.timer == nil {
		if d < 0 {
			return
		}
		wd.timer = &closingTimer{closer: wd.closer}
	}
	wd.timer.arm(now, d)
}

// timedOut reports whether the timer closed the stream.
func (wd *watchdog) timedOut() bool { return wd.timer != nil && wd.timer.hasFired() }

// stop releases the timer when the stream is done.
func (wd *watchdog) stop() {
	if wd.timer != nil {
		wd.timer.stop()
		wd.timer = nil
	}
	wd.deadlines, wd.closer = nil, nil
}

// isTimeout reports whether err is a timeout: the timer of a bare stream
// fired, or the stream's own deadline passed.
func (wd *watchdog) isTimeout(err error) bool {
	return wd.timedOut() || isTimeout(err)
}

// A closingTimer closes a stream once its due time passes. Arming it only
// records the due time: the runtime timer is set when none is pending and
// otherwise re-checks when it fires, so each request costs a lock, not a
// timer reset.
type closingTimer struct {
	mu      sync.Mutex
	closer  io.Closer
	due     time.Time // zero: disarmed
	timer   *time.Timer
	fireAt  time.Time // when the pending timer fires
	pending bool
	fired   bool
	stopped bool
}

func (t *closingTimer) arm(now time.Time, d time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if d < 0 {
		t.due = time.Time{}
		return
	}
	t.due = now.Add(d)
	if t.stopped || (t.pending && !t.due.Before(t.fireAt)) {
		return // the pending timer fires first and re-checks
	}
	t.pending, t.fireAt = true, t.due
	if t.timer == nil {
		t.timer = time.AfterFunc(d, t.check)
	} else {
		t.timer.Reset(d)
	}
}

func (t *closingTimer) check() {
	t.mu.Lock()
	if t.stopped || t.due.IsZero() {
		t.pending = false
		t.mu.Unlock()
		return
	}
	if left := time.Until(t.due); left > 0 {
		t.fireAt = t.due
		t.timer.Reset(left)
		t.mu.Unlock()
		return
	}
	t.pending, t.fired = false, true
	t.mu.Unlock()
	t.closer.Close()
}

func (t *closingTimer) hasFired() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.fired
}

func (t *closingTimer) stop() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.stopped = true
	if t.timer != nil {
		t.timer.Stop()
	}
}
