package pipe

import (
	"sync"
	"time"
)

// deadline is one of a Conn's deadlines as a channel that is closed once the
// deadline has passed, so a blocked Read or Write can select on it. Moving the
// deadline stops the old timer; the channel is only replaced after it was
// closed, so operations already blocked on it see a deadline that is extended
// or cleared while they wait. The zero value is ready to use.
type deadline struct {
	mu      sync.Mutex
	timer   *time.Timer
	expired chan struct{} // closed once the deadline has passed
	stopped bool          // the Conn is closed: no more timers
}

func (d *deadline) initLocked() {
	if d.expired == nil {
		d.expired = make(chan struct{})
	}
}

// set moves the deadline to t; the zero t means none.
func (d *deadline) set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.initLocked()
	if d.stopped {
		return
	}
	if d.timer != nil {
		if !d.timer.Stop() {
			// The timer fired: let its func close the channel before deciding
			// whether the channel must be replaced.
			<-d.expired
		}
		d.timer = nil
	}
	wasExpired := isClosed(d.expired)
	if t.IsZero() {
		if wasExpired {
			d.expired = make(chan struct{})
		}
		return
	}
	if wait := time.Until(t); wait > 0 {
		if wasExpired {
			d.expired = make(chan struct{})
		}
		expired := d.expired
		d.timer = time.AfterFunc(wait, func() { close(expired) })
		return
	}
	if !wasExpired {
		close(d.expired)
	}
}

// wait returns the channel that is closed once the deadline passes.
func (d *deadline) wait() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.initLocked()
	return d.expired
}

// stop releases the timer for good; the Conn is closed.
func (d *deadline) stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.stopped = true
	if d.timer != nil {
		d.timer.Stop()
		d.timer = nil
	}
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
