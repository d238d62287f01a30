package pipe

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"sync"

	"github.com/tophat-go/tophat/core"
)

// DefaultBacklog is how many dialed connections a Listener queues for Accept
// when Config.Backlog is zero: enough for a test that opens connections in a
// burst before the server starts accepting, and a bound so that a server that
// stopped accepting makes dialers wait instead of piling up memory.
const DefaultBacklog = 128

// Errors returned (wrapped in *net.OpError) by this package.
var (
	// ErrNameInUse is returned by Listen when a Listener with that name is open.
	ErrNameInUse = errors.New("pipe: listener name already in use")

	// ErrNoListener is returned by Dial when no Listener has the name, or it
	// closed while Dial waited for room in its queue; it plays the part of
	// "connection refused".
	ErrNoListener = errors.New("pipe: no listener with that name")

	// ErrWriteShutdown is returned by Write after CloseWrite.
	ErrWriteShutdown = errors.New("pipe: write after CloseWrite")
)

// registry is the process-wide table of open listeners by name.
var registry = struct {
	sync.Mutex
	listeners map[string]*Listener
	unnamed   uint64 // last number used to name a Listener opened with ""
}{listeners: make(map[string]*Listener)}

// Listener accepts pipes dialed to its name. It satisfies core.Listener; its
// streams are *Conn values.
type Listener struct {
	name    Addr
	cfg     Config
	mu      sync.Mutex
	queue   []*Conn // dialed, not yet accepted; at most cfg.backlog() long
	closed  bool
	changed chan struct{} // made by a waiter, closed by the next state change
}

var _ core.Listener = (*Listener)(nil)

// Listen opens a Listener under name, which must not be in use by another open
// Listener. The empty name picks a fresh unique one, as port 0 does for TCP;
// Addr().String() reports it.
func Listen(name string, cfg *Config) (*Listener, error) {
	l := &Listener{}
	if cfg != nil {
		l.cfg = *cfg
	}
	registry.Lock()
	defer registry.Unlock()
	if name == "" {
		for name == "" || registry.listeners[name] != nil {
			registry.unnamed++
			name = "pipe-" + strconv.FormatUint(registry.unnamed, 10)
		}
	}
	l.name = Addr(name)
	if registry.listeners[name] != nil {
		return nil, &net.OpError{Op: "listen", Net: "pipe", Addr: l.name, Err: ErrNameInUse}
	}
	registry.listeners[name] = l
	return l, nil
}

func lookup(name string) *Listener {
	registry.Lock()
	defer registry.Unlock()
	return registry.listeners[name]
}

func (l *Listener) notifyLocked() {
	if l.changed != nil {
		close(l.changed)
		l.changed = nil
	}
}

func (l *Listener) waitLocked() <-chan struct{} {
	if l.changed == nil {
		l.changed = make(chan struct{})
	}
	return l.changed
}

// Accept waits for the next dialed pipe and returns its server end. After
// Close it returns an error matching net.ErrClosed.
func (l *Listener) Accept() (io.ReadWriteCloser, error) {
	c, err := l.AcceptPipe()
	if err != nil {
		return nil, err // not a typed nil *Conn in the interface
	}
	return c, nil
}

// AcceptConn is Accept for callers that want a net.Conn.
func (l *Listener) AcceptConn() (net.Conn, error) {
	c, err := l.AcceptPipe()
	if err != nil {
		return nil, err
	}
	return c, nil
}

// AcceptPipe is Accept returning the concrete *Conn.
func (l *Listener) AcceptPipe() (*Conn, error) {
	l.mu.Lock()
	for {
		if len(l.queue) > 0 {
			c := l.queue[0]
			l.queue[0] = nil
			l.queue = l.queue[1:]
			l.notifyLocked() // room for a waiting Dial
			l.mu.Unlock()
			return c, nil
		}
		if l.closed {
			l.mu.Unlock()
			return nil, &net.OpError{Op: "accept", Net: "pipe", Addr: l.name, Err: net.ErrClosed}
		}
		wait := l.waitLocked()
		l.mu.Unlock()
		<-wait
		l.mu.Lock()
	}
}

// Close stops the Listener: its name is free again, Accept fails with
// net.ErrClosed, and the pipes still queued are closed, so their dialers read
// io.EOF. Pipes already accepted are not affected. Closing again does nothing.
func (l *Listener) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	queued := l.queue
	l.queue = nil
	l.notifyLocked()
	l.mu.Unlock()

	registry.Lock()
	if registry.listeners[string(l.name)] == l {
		delete(registry.listeners, string(l.name))
	}
	registry.Unlock()

	for _, c := range queued {
		c.Close()
	}
	return nil
}

// Addr returns the Listener's name.
func (l *Listener) Addr() net.Addr { return l.name }

// enqueue hands a new server end to Accept, waiting while the queue is full.
func (l *Listener) enqueue(ctx context.Context, server *Conn) error {
	l.mu.Lock()
	for {
		if l.closed {
			l.mu.Unlock()
			return ErrNoListener
		}
		if len(l.queue) < l.cfg.backlog() {
			l.queue = append(l.queue, server)
			l.notifyLocked()
			l.mu.Unlock()
			return nil
		}
		wait := l.waitLocked()
		l.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return ctx.Err()
		}
		l.mu.Lock()
	}
}

// Dial connects to the Listener named name and returns the client end. It
// returns as soon as the pipe is queued for Accept, like a TCP connect that
// completes in the kernel's listen queue; it waits only while that queue is
// full, until ctx is done. The client end buffers cfg.BufferSize bytes.
func Dial(ctx context.Context, name string, cfg *Config) (net.Conn, error) {
	c, err := DialPipe(ctx, name, cfg)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// DialPipe is Dial returning the concrete *Conn.
func DialPipe(ctx context.Context, name string, cfg *Config) (*Conn, error) {
	fail := func(err error) (*Conn, error) {
		return nil, &net.OpError{Op: "dial", Net: "pipe", Addr: Addr(name), Err: err}
	}
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	l := lookup(name)
	if l == nil {
		return fail(ErrNoListener)
	}
	client, server := newPair(name, cfg.bufferSize(), l.cfg.bufferSize())
	if err := l.enqueue(ctx, server); err != nil {
		return fail(err)
	}
	return client, nil
}
