package sse

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/tophat-go/tophat/core"
)

// DefaultHeartbeat is the quiet time after which a Stream sends a comment
// when Config.Heartbeat is zero: below the 30 to 60 seconds after which
// common proxies and load balancers drop an idle connection, and rare enough
// to cost nothing.
const DefaultHeartbeat = 15 * time.Second

var (
	// ErrShuttingDown is the reason (Stream.Err) a stream ended because the
	// server began Shutdown.
	ErrShuttingDown = errors.New("sse: server shutting down")
	// ErrStreamClosed is the error of a Send after Close.
	ErrStreamClosed = errors.New("sse: stream closed")
)

// Config configures a Stream. The zero value (and a nil *Config) is ready to
// use.
type Config struct {
	// Heartbeat is how long the stream may stay quiet before it sends a
	// comment, which keeps proxies from dropping it and finds a departed
	// client by the failed write. Zero means DefaultHeartbeat; a negative
	// value sends none.
	Heartbeat time.Duration
	// Retry, if positive, is sent when the stream opens: the client waits
	// that long before it reconnects. Zero leaves the client's default.
	Retry time.Duration
}

// Validate reports a field of c that makes no sense. A nil *Config is valid.
func (c *Config) Validate() error {
	if c != nil && c.Retry < 0 {
		return fmt.Errorf("sse: Config.Retry is negative (%v)", c.Retry)
	}
	return nil
}

// A Stream is an open event stream: the body of one response. Send, Comment
// and SetRetry may be called from any goroutine; each event is written and
// flushed whole, so events never interleave with each other or with the
// heartbeat. The handler that opened the Stream must call Close, and return
// what it returns, after every other goroutine is done with the Stream.
type Stream struct {
	bw          *core.BodyWriter
	lastEventID string
	heartbeat   time.Duration

	// Done and the watcher.
	done     chan struct{}
	stop     chan struct{}
	stopped  chan struct{}
	doneOnce sync.Once
	err      error // why done closed; written once before close(done)

	mu        sync.Mutex // guards the BodyWriter and what follows
	buf       []byte
	lastWrite time.Time
	writeErr  error
	closed    bool
	written   core.ResponseWritten
}

// Open answers req with an event stream: status 200, Content-Type
// text/event-stream and Cache-Control no-cache, sent at once so that the
// client's EventSource opens. The stream watches the request's context
// (cancelled when the client goes away) and req.ShuttingDown, and closes
// Done on either. Open fails only for an invalid cfg (see Config.Validate),
// and then writes nothing, so the handler can still answer.
func Open(req *core.Request, w *core.ResponseWriter, cfg *Config) (*Stream, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var c Config
	if cfg != nil {
		c = *cfg
	}
	if c.Heartbeat == 0 {
		c.Heartbeat = DefaultHeartbeat
	}
	s := &Stream{
		lastEventID: LastEventID(req),
		heartbeat:   c.Heartbeat,
		done:        make(chan struct{}),
		stop:        make(chan struct{}),
		stopped:     make(chan struct{}),
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	s.bw = w.Begin(200)
	s.mu.Lock()
	if c.Retry > 0 {
		s.buf = appendRetry(s.buf[:0], c.Retry)
		s.buf = append(s.buf, '\n')
	}
	s.writeLocked(s.buf)
	s.mu.Unlock()
	// The request handles belong to the handler's goroutine; the watcher
	// gets only the two channels.
	go s.watch(req.Context(), req.ShuttingDown())
	return s, nil
}

// LastEventID returns the Last-Event-ID field of req: the id of the last
// event the client saw before it reconnected, or "".
func LastEventID(req *core.Request) string {
	return req.Header().Get("Last-Event-ID")
}

// LastEventID returns the Last-Event-ID the client sent when it opened the
// stream, or "": a handler resumes after that event.
func (s *Stream) LastEventID() string { return s.lastEventID }

// Done is closed when the stream should end: the client went away (the
// request's context was cancelled or a write failed), or the server began
// Shutdown. Err says which. The handler then calls Close.
func (s *Stream) Done() <-chan struct{} { return s.done }

// Err returns why Done is closed: an error matching core.ErrClientGone when
// the client went away, ErrShuttingDown, or the write error. It is nil while
// Done is open.
func (s *Stream) Err() error {
	select {
	case <-s.done:
		return s.err
	default:
		return nil
	}
}

// Send writes e and flushes it. It returns the encoder's error for an
// invalid event (the stream stays usable), or the write error when the
// client is gone, after which Done is closed.
func (s *Stream) Send(e Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usableLocked(); err != nil {
		return err
	}
	b, err := AppendEvent(s.buf[:0], e)
	if err != nil {
		return err
	}
	s.buf = b
	return s.writeLocked(b)
}

// Comment writes text as a comment, which clients ignore.
func (s *Stream) Comment(text string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usableLocked(); err != nil {
		return err
	}
	s.buf = AppendComment(s.buf[:0], text)
	return s.writeLocked(s.buf)
}

// SetRetry tells the client how long to wait before it reconnects, without
// sending an event.
func (s *Stream) SetRetry(d time.Duration) error {
	if d < 0 {
		return ErrInvalidRetry
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usableLocked(); err != nil {
		return err
	}
	s.buf = append(appendRetry(s.buf[:0], d), '\n')
	return s.writeLocked(s.buf)
}

// Close ends the stream: it stops the heartbeat, ends the body (with the
// terminating chunk, so the client sees a clean end rather than a cut) and
// returns the response's receipt, which the handler returns. Calling it
// again returns the same receipt.
func (s *Stream) Close() core.ResponseWritten {
	s.mu.Lock()
	if s.closed {
		defer s.mu.Unlock()
		return s.written
	}
	s.closed = true
	s.mu.Unlock()
	close(s.stop)
	<-s.stopped
	s.mu.Lock()
	defer s.mu.Unlock()
	s.written = s.bw.Finish()
	s.end(ErrStreamClosed)
	return s.written
}

func (s *Stream) usableLocked() error {
	if s.closed {
		return ErrStreamClosed
	}
	return s.writeErr
}

// writeLocked sends b and flushes, so that each event leaves at once
// instead of waiting in the write buffer for the next one.
func (s *Stream) writeLocked(b []byte) error {
	_, err := s.bw.Write(b)
	if err == nil {
		err = s.bw.Flush()
	}
	s.lastWrite = time.Now()
	if err != nil {
		s.writeErr = fmt.Errorf("sse: %w: %w", core.ErrClientGone, err)
		s.end(s.writeErr)
	}
	return s.writeErr
}

// end closes Done with its first reason.
func (s *Stream) end(err error) {
	s.doneOnce.Do(func() {
		s.err = err
		close(s.done)
	})
}

// watch ends the stream when the client leaves or the server shuts down,
// and sends the heartbeat. It returns when Close stops it, or when the
// request's context ends: heartbeats to a departed client serve no one, and
// a handler that returned without Close leaves no goroutine behind.
func (s *Stream) watch(ctx context.Context, shuttingDown <-chan struct{}) {
	defer close(s.stopped)
	var timer *time.Timer
	var tick <-chan time.Time
	if s.heartbeat > 0 {
		timer = time.NewTimer(s.heartbeat)
		defer timer.Stop()
		tick = timer.C
	}
	for {
		select {
		case <-s.stop:
			return
		case <-ctx.Done():
			s.end(clientGone(ctx))
			return
		case <-shuttingDown:
			s.end(ErrShuttingDown)
			shuttingDown = nil
		case <-tick:
			timer.Reset(s.beat())
		}
	}
}

// beat sends a heartbeat comment if the stream has been quiet for a whole
// period, and returns the wait until the next one is due.
func (s *Stream) beat() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.writeErr != nil {
		return s.heartbeat
	}
	if quiet := time.Since(s.lastWrite); quiet < s.heartbeat {
		return s.heartbeat - quiet
	}
	s.writeLocked([]byte(":\n"))
	return s.heartbeat
}

func clientGone(ctx context.Context) error {
	cause := context.Cause(ctx)
	if errors.Is(cause, core.ErrClientGone) {
		return fmt.Errorf("sse: %w", cause)
	}
	return fmt.Errorf("sse: %w: %w", core.ErrClientGone, cause)
}
