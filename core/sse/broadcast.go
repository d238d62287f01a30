package sse

import (
	"errors"
	"fmt"
	"sync"

	"github.com/tophat-go/tophat/core"
)

// DefaultQueueSize is the number of events a Broadcaster holds for each
// client when BroadcasterConfig.QueueSize is zero: enough to ride out a
// burst or a brief stall of a client's link, small enough that a thousand
// clients of a stalled network cost little memory.
const DefaultQueueSize = 64

// ErrBroadcasterClosed is the error of Subscribe after Close.
var ErrBroadcasterClosed = errors.New("sse: broadcaster closed")

// A SlowPolicy says what a Broadcaster does with a client whose queue is
// full when an event is published.
type SlowPolicy int

const (
	// Disconnect ends the slow client's subscription: it receives what is
	// already queued and then its stream ends. An EventSource reconnects on
	// its own and sends Last-Event-ID, so a handler that can replay from an
	// id (BroadcasterConfig.OnOpen) loses nothing, and a client that cannot
	// keep up is never silently fed a stream with holes. The default.
	Disconnect SlowPolicy = iota
	// Drop drops the event for the slow client alone and keeps it
	// subscribed; Subscription.Dropped counts what it missed. For streams
	// where only the latest state matters (prices, progress).
	Drop
)

func (p SlowPolicy) String() string {
	switch p {
	case Disconnect:
		return "Disconnect"
	case Drop:
		return "Drop"
	}
	return fmt.Sprintf("SlowPolicy(%d)", int(p))
}

// BroadcasterConfig configures a Broadcaster. The zero value is ready to
// use.
type BroadcasterConfig struct {
	// QueueSize is how many events wait for each client before it counts
	// as slow. Zero means DefaultQueueSize.
	QueueSize int
	// Slow is the policy for a client whose queue is full.
	Slow SlowPolicy
	// Stream configures the streams Serve opens.
	Stream Config
	// OnOpen, if set, is called by Serve after the client is subscribed and
	// before live events flow, to send what the client missed since
	// s.LastEventID(). An event published meanwhile waits in the queue, so
	// none is lost between the replay and the live stream (one may come
	// twice: compare ids). An error ends the stream.
	OnOpen func(s *Stream) error
}

// Validate reports a field of c that makes no sense. A nil config is valid.
func (c *BroadcasterConfig) Validate() error {
	if c == nil {
		return nil
	}
	if c.QueueSize < 0 {
		return fmt.Errorf("sse: BroadcasterConfig.QueueSize is negative (%d)", c.QueueSize)
	}
	if c.Slow != Disconnect && c.Slow != Drop {
		return fmt.Errorf("sse: BroadcasterConfig.Slow is unknown (%v)", c.Slow)
	}
	if err := c.Stream.Validate(); err != nil {
		return fmt.Errorf("sse: BroadcasterConfig.Stream: %w", err)
	}
	return nil
}

// A Broadcaster fans events out to many clients. Publish never waits for a
// client: each has a bounded queue, and a client whose queue is full is
// handled by the configured SlowPolicy, so one slow reader never holds back
// the others or the publisher.
//
// A Broadcaster is a core.Handler: each request it serves becomes a
// subscribed Stream that lasts until the client leaves, the server shuts
// down, the client is disconnected as slow, or the Broadcaster is closed.
// Its methods are safe for concurrent use.
type Broadcaster struct {
	cfg BroadcasterConfig

	mu      sync.Mutex
	subs    map[*Subscription]struct{}
	closed  bool
	dropped uint64
}

// NewBroadcaster returns a Broadcaster, or the error of cfg.Validate.
// cfg may be nil.
func NewBroadcaster(cfg *BroadcasterConfig) (*Broadcaster, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	b := &Broadcaster{subs: make(map[*Subscription]struct{})}
	if cfg != nil {
		b.cfg = *cfg
	}
	if b.cfg.QueueSize == 0 {
		b.cfg.QueueSize = DefaultQueueSize
	}
	return b, nil
}

// A Subscription receives a Broadcaster's events through its channel.
type Subscription struct {
	b       *Broadcaster
	events  chan Event
	dropped uint64 // guarded by b.mu
	slow    bool   // guarded by b.mu
}

// Subscribe adds a subscriber, for handlers that serve events their own
// way; Serve uses it. The subscriber must Close it when done.
func (b *Broadcaster) Subscribe() (*Subscription, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, ErrBroadcasterClosed
	}
	sub := &Subscription{b: b, events: make(chan Event, b.cfg.QueueSize)}
	b.subs[sub] = struct{}{}
	return sub, nil
}

// Events returns the channel of events. It is closed when the subscription
// ends: Close, the Broadcaster's Close, or Disconnect as a slow client.
func (s *Subscription) Events() <-chan Event { return s.events }

// Dropped returns how many events this subscriber missed under Drop.
func (s *Subscription) Dropped() uint64 {
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	return s.dropped
}

// Disconnected reports whether the subscription was ended because its
// queue was full under Disconnect.
func (s *Subscription) Disconnected() bool {
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	return s.slow
}

// Close ends the subscription. Closing again does nothing.
func (s *Subscription) Close() {
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	s.b.removeLocked(s)
}

// removeLocked ends sub if it is still subscribed. Only Publish sends on
// the channel, under the same lock, so closing it here is safe.
func (b *Broadcaster) removeLocked(sub *Subscription) {
	if _, ok := b.subs[sub]; ok {
		delete(b.subs, sub)
		close(sub.events)
	}
}

// Publish queues e for every subscriber without waiting, and applies the
// SlowPolicy to each whose queue is full. It returns the encoder's error for
// an event that cannot be sent (see AppendEvent), and then queues nothing.
func (b *Broadcaster) Publish(e Event) error {
	if _, err := AppendEvent(nil, e); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for sub := range b.subs {
		select {
		case sub.events <- e:
			continue
		default:
		}
		switch b.cfg.Slow {
		case Drop:
			sub.dropped++
			b.dropped++
		case Disconnect:
			sub.slow = true
			b.removeLocked(sub)
		}
	}
	return nil
}

// Len returns the number of subscribers.
func (b *Broadcaster) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs)
}

// Dropped returns how many events were dropped for slow subscribers in all.
func (b *Broadcaster) Dropped() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.dropped
}

// Close ends every subscription, so the streams Serve opened end (after
// what is queued), and refuses new subscribers: Serve then answers 503.
func (b *Broadcaster) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	for sub := range b.subs {
		b.removeLocked(sub)
	}
}

// Serve subscribes the client and streams the Broadcaster's events to it
// until the client leaves, the server shuts down, or the subscription ends.
// It answers 503 once the Broadcaster is closed.
func (b *Broadcaster) Serve(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
	sub, err := b.Subscribe()
	if err != nil {
		return w.SendString(503, "event stream closed\n")
	}
	defer sub.Close()
	// The config was validated by NewBroadcaster, so Open cannot fail.
	s, err := Open(req, w, &b.cfg.Stream)
	if err != nil {
		return w.SendString(500, "event stream misconfigured\n")
	}
	if b.cfg.OnOpen != nil {
		if err := b.cfg.OnOpen(s); err != nil {
			return s.Close()
		}
	}
	for {
		select {
		case <-s.Done():
			return s.Close()
		case e, ok := <-sub.Events():
			if !ok {
				return s.Close()
			}
			if s.Send(e) != nil {
				return s.Close()
			}
		}
	}
}

var _ core.Handler = (*Broadcaster)(nil)
