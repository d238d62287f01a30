package core

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// A Server serves the streams of one or more Listeners with a Handler. It
// is the convenience on top of ServeConn: it chooses a goroutine for each
// stream through Spawn, limits how many are served at once, and shuts down
// gracefully.
//
//	Listener.Accept ──► Spawn(serve) ──► ServeConn(stream) ──► Handler.Serve
//	                                        ▲        │ per request
//	                                        └────────┘ until close or idle
//
// The zero value plus a Handler is ready to use. A Server must not be
// copied after first use.
type Server struct {
	Handler Handler
	// Options apply to every stream; see Options for the defaults.
	Options Options
	// Spawn runs serve, which serves one stream to its end, on a goroutine
	// of its choosing. nil runs each stream on a goroutine of the Server's
	// own: one whose stream has ended waits for the next (up to 128 wait,
	// the rest end, and all of them once no Serve loop runs), and a stream
	// that goes quiet between requests moves to a fresh goroutine, whose
	// smaller stack it waits on (see Performance in the package
	// documentation). A Pool's Spawn reuses a fixed set of goroutines,
	// and a stream keeps the one it was given.
	Spawn func(serve func())
	// MaxConns limits the streams served at once. At the limit Serve stops
	// accepting until a stream ends, leaving new clients in the transport's
	// backlog. 0 means no limit.
	MaxConns int

	initOnce   sync.Once
	inShutdown atomic.Bool
	closed     atomic.Bool   // Close was called
	accepting  atomic.Int32  // Serve loops still running
	shutdown   chan struct{} // closed when Shutdown or Close begins
	onShutdown []func()
	ctx        context.Context
	cancel     context.CancelFunc
	slots      chan struct{}
	goroutines sync.WaitGroup // streams started by the default Spawn
	active     sync.WaitGroup // streams being served
	workers    workers        // the default Spawn's goroutines that wait for a stream

	mu        sync.Mutex
	listeners map[Listener]struct{}
	streams   map[*tracked]struct{}
}

func (s *Server) init() {
	s.initOnce.Do(func() {
		s.ctx, s.cancel = context.WithCancel(context.Background())
		s.shutdown = make(chan struct{})
		if s.MaxConns > 0 {
			s.slots = make(chan struct{}, s.MaxConns)
		}
		s.listeners = make(map[Listener]struct{})
		s.streams = make(map[*tracked]struct{})
	})
}

// Serve accepts streams from l and serves each until l fails or the server
// is shut down or closed; it then returns ErrServerClosed. Serve closes l
// when it returns. A Server without a Handler, or with invalid Options,
// is refused at once (ErrNoHandler, or the error of Options.Validate).
func (s *Server) Serve(l Listener) error {
	s.init()
	if s.Handler == nil {
		l.Close()
		return ErrNoHandler
	}
	if err := s.Options.Validate(); err != nil {
		l.Close()
		return err
	}
	if !s.trackListener(l) {
		l.Close()
		return ErrServerClosed
	}
	defer s.accepting.Add(-1)
	defer s.untrackListener(l)
	s.workers.loopStarted()
	defer s.workers.loopEnded()
	opts := s.Options.withDefaults()
	if s.Options.BaseContext == nil {
		opts.BaseContext = s.ctx
	}
	if opts.Go == nil {
		opts.Go = s.goroutines.Go
	}
	opts.shutdown = s.shutdown
	spawn := s.Spawn
	if spawn == nil {
		spawn = s.spawnWorker
	}
	var backoff time.Duration
	for {
		if s.slots != nil {
			select {
			case s.slots <- struct{}{}:
			case <-s.shutdown:
				return ErrServerClosed
			}
		}
		stream, err := l.Accept()
		if err != nil {
			s.freeSlot()
			if s.inShutdown.Load() {
				return ErrServerClosed
			}
			if temporary(err) {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				opts.ErrorLog.Warn("tophat: accept failed; retrying", "err", err, "in", backoff)
				select {
				case <-time.After(backoff):
				case <-s.ctx.Done():
				}
				continue
			}
			return err
		}
		backoff = 0
		// A stream accepted while Shutdown begins is served all the same
		// (with Connection: close): the kernel had already accepted the
		// client, which would see a reset it cannot retry. This matters
		// most where other processes share the socket (a restart by socket
		// handover, SO_REUSEPORT), as they go on accepting.
		t := &tracked{srv: s, rwc: stream, created: time.Now()}
		if !s.trackStream(t) {
			stream.Close()
			s.freeSlot()
			return ErrServerClosed
		}
		spawn(func() { serveConn(stream, s.Handler, &opts, t) }) // untracks the stream when it ends
	}
}

// maxIdleWorkers bounds the default Spawn's goroutines that wait for a
// next stream once theirs has ended. Serving a stream grows a goroutine's
// stack; handing that goroutine the next stream saves the stream a
// goroutine start and the stack growths of its first request. The bound
// keeps a burst from leaving thousands behind, each holding its grown
// stack (at most about 1 MiB in all); below it, a load of short
// connections rarely starts a goroutine. With 64 clients each making one
// request per connection, a bound of 32 still started a goroutine for one
// stream in three; 128 for none.
const maxIdleWorkers = 128

// workers are the default Spawn's goroutines waiting for a stream, each on
// its own channel, the last to wait first to go (its stack is the most
// likely to be in cache).
type workers struct {
	mu   sync.Mutex
	idle []chan func()
	// Serve loops running; with none, no stream can come. Not the
	// Server's accepting count: a goroutine's check that a loop runs and
	// its joining idle must be one step against loopEnded's send-home,
	// so both are under mu.
	loops int
}

func (w *workers) loopStarted() {
	w.mu.Lock()
	w.loops++
	w.mu.Unlock()
}

// loopEnded ends the waiting goroutines when the last Serve loop ends.
func (w *workers) loopEnded() {
	w.mu.Lock()
	w.loops--
	var idle []chan func()
	if w.loops == 0 {
		idle, w.idle = w.idle, nil
	}
	w.mu.Unlock()
	for _, next := range idle {
		next <- nil
	}
}

// spawnWorker is the default Spawn: serve runs on a waiting goroutine, or
// on a new one.
func (s *Server) spawnWorker(serve func()) {
	w := &s.workers
	w.mu.Lock()
	if n := len(w.idle); n > 0 {
		next := w.idle[n-1]
		w.idle[n-1] = nil
		w.idle = w.idle[:n-1]
		w.mu.Unlock()
		next <- serve // buffered, and its goroutine waits on it
		return
	}
	w.mu.Unlock()
	s.goroutines.Go(func() { s.work(serve) })
}

// work runs serve, then, while a Serve loop runs and fewer than
// maxIdleWorkers wait, waits for the next stream to serve.
func (s *Server) work(serve func()) {
	var next chan func()
	for serve != nil {
		serve()
		w := &s.workers
		w.mu.Lock()
		if w.loops == 0 || len(w.idle) >= maxIdleWorkers {
			w.mu.Unlock()
			return
		}
		if next == nil {
			next = make(chan func(), 1)
		}
		w.idle = append(w.idle, next)
		w.mu.Unlock()
		serve = <-next
	}
}

func temporary(err error) bool {
	var te interface{ Temporary() bool }
	if errors.As(err, &te) && te.Temporary() {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func (s *Server) freeSlot() {
	if s.slots != nil {
		<-s.slots
	}
}

func (s *Server) trackListener(l Listener) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inShutdown.Load() {
		return false
	}
	s.listeners[l] = struct{}{}
	s.accepting.Add(1)
	return true
}

func (s *Server) untrackListener(l Listener) {
	s.mu.Lock()
	delete(s.listeners, l)
	s.mu.Unlock()
	l.Close()
}

func (s *Server) trackStream(t *tracked) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return false
	}
	s.streams[t] = struct{}{}
	s.active.Add(1)
	return true
}

func (s *Server) untrackStream(t *tracked) {
	s.mu.Lock()
	delete(s.streams, t)
	s.mu.Unlock()
	s.freeSlot()
	s.active.Done()
}

// RegisterOnShutdown registers f to be called when Shutdown begins, in the
// order registered, on the goroutine that calls Shutdown and before it
// waits for streams. f should start ending something long-lived (a
// hijacked stream, a broadcast), not wait for it to end. Handlers can
// instead select on Request.ShuttingDown.
func (s *Server) RegisterOnShutdown(f func()) {
	s.mu.Lock()
	s.onShutdown = append(s.onShutdown, f)
	s.mu.Unlock()
}

// Shutdown stops accepting, closes idle streams, lets every request in
// progress finish (its response carries Connection: close) and returns
// when no stream is left, or with ctx's error when ctx ends first. A stream
// accepted but still silent gets up to five seconds to send its first
// request, which is then served like one in progress. Long-lived handlers
// learn of the shutdown from Request.ShuttingDown and RegisterOnShutdown.
func (s *Server) Shutdown(ctx context.Context) error {
	s.init()
	if s.stop() {
		s.mu.Lock()
		hooks := s.onShutdown
		s.mu.Unlock()
		for _, f := range hooks {
			f()
		}
	}
	poll := time.Millisecond
	for {
		// Streams still being accepted count: a Serve loop that has just
		// accepted one is about to track it.
		if s.closeIdle() == 0 && s.accepting.Load() == 0 && s.closeIdle() == 0 {
			s.goroutines.Wait()
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(poll):
		}
		poll = min(2*poll, 100*time.Millisecond)
	}
}

// Close closes every listener and every stream at once, and cancels the
// context of every request. Handlers still running see their streams fail.
func (s *Server) Close() error {
	s.init()
	s.mu.Lock()
	s.closed.Store(true)
	s.mu.Unlock()
	s.stop()
	s.cancel()
	s.mu.Lock()
	streams := make([]*tracked, 0, len(s.streams))
	for t := range s.streams {
		t.state.Store(stateClosed)
		streams = append(streams, t)
	}
	s.mu.Unlock()
	for _, t := range streams {
		t.rwc.Close() // outside the lock: a transport's Close may linger
	}
	return nil
}

// stop stops accepting; it reports whether this call began the shutdown.
func (s *Server) stop() bool {
	s.mu.Lock()
	first := !s.inShutdown.Swap(true)
	if first {
		close(s.shutdown)
	}
	for l := range s.listeners {
		l.Close()
	}
	s.mu.Unlock()
	return first
}

// closeIdle closes the streams that wait for a request (and new streams
// silent past newStreamGrace) and returns how many streams are left.
func (s *Server) closeIdle() int {
	s.mu.Lock()
	now := time.Now()
	var idle []*tracked
	for t := range s.streams {
		if t.claimIdle(now) {
			idle = append(idle, t)
		}
	}
	left := len(s.streams) // closed ones count until their serving ends
	s.mu.Unlock()
	for _, t := range idle {
		t.rwc.Close() // outside the lock: a transport's Close may linger
	}
	return left
}

// A Pool is a spawn strategy that serves streams on a fixed set of
// goroutines, reused from stream to stream: Spawn waits until one is free,
// so it also bounds the streams served at once.
type Pool struct {
	tasks   chan func()
	workers sync.WaitGroup
	closed  atomic.Bool
}

// NewPool starts a pool of n goroutines (n < 1 means 1).
func NewPool(n int) *Pool {
	p := &Pool{tasks: make(chan func())}
	for range max(n, 1) {
		p.workers.Go(func() {
			for task := range p.tasks {
				task()
			}
		})
	}
	return p
}

// Spawn runs serve on the next free goroutine of the pool, waiting for
// one. Use it as Server.Spawn. It panics if the pool is closed, which is a
// misconfiguration: close the pool after the server is shut down.
func (p *Pool) Spawn(serve func()) {
	if p.closed.Load() {
		panic("tophat: Spawn on a closed Pool")
	}
	p.tasks <- serve
}

// Close stops the pool's goroutines once they finish what they serve.
func (p *Pool) Close() {
	if p.closed.CompareAndSwap(false, true) {
		close(p.tasks)
		p.workers.Wait()
	}
}
