// Package cowmap is the copy-on-write map that core/metrics and its
// OpenTelemetry adapter keep their per-label state in.
package cowmap

import (
	"sync"
	"sync/atomic"
)

// A Map maps a small comparable key to a value. Reads take no lock and
// allocate nothing: a published map is never changed, and adding a key
// publishes a copy. That suits keys made of bounded labels, which are all
// seen within a server's first requests; from then on every access is a
// read (a sync.Map would box a struct key into an interface on every Load,
// which allocates). The zero Map is empty and unbounded.
type Map[K comparable, V any] struct {
	// Max bounds the entries, 0 for no bound. Set it before first use.
	Max int

	m  atomic.Pointer[map[K]V]
	mu sync.Mutex // serializes writers
}

// Load returns the value of k.
func (c *Map[K, V]) Load(k K) (V, bool) {
	if m := c.m.Load(); m != nil {
		v, ok := (*m)[k]
		return v, ok
	}
	var zero V
	return zero, false
}

// LoadOrCreate returns the value of k, made by create and added when k is
// new. When the map is full it makes nothing and returns false.
func (c *Map[K, V]) LoadOrCreate(k K, create func(K) V) (V, bool) {
	if v, ok := c.Load(k); ok {
		return v, true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.Load(k); ok {
		return v, true
	}
	if c.full() {
		var zero V
		return zero, false
	}
	v := create(k)
	c.add(k, v)
	return v, true
}

// Store adds v for k unless k has a value already, and returns the value
// k has: v, or the one another goroutine stored first. When the map is
// full, v is returned and not kept.
func (c *Map[K, V]) Store(k K, v V) V {
	c.mu.Lock()
	defer c.mu.Unlock()
	if had, ok := c.Load(k); ok {
		return had
	}
	if !c.full() {
		c.add(k, v)
	}
	return v
}

// Range calls f for every entry, in no order, over the map as it was
// when Range began.
func (c *Map[K, V]) Range(f func(K, V)) {
	if m := c.m.Load(); m != nil {
		for k, v := range *m {
			f(k, v)
		}
	}
}

// Len returns the number of entries.
func (c *Map[K, V]) Len() int {
	if m := c.m.Load(); m != nil {
		return len(*m)
	}
	return 0
}

func (c *Map[K, V]) full() bool { return c.Max > 0 && c.Len() >= c.Max }

// add publishes a copy of the map with k added; c.mu is held.
func (c *Map[K, V]) add(k K, v V) {
	old := c.m.Load()
	next := make(map[K]V, c.Len()+1)
	if old != nil {
		for key, val := range *old {
			next[key] = val
		}
	}
	next[k] = v
	c.m.Store(&next)
}
