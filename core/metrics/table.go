package metrics

import (
	"sync"
	"sync/atomic"
)

// table maps a small comparable key to the counters of its series. Reads
// take no lock and allocate nothing: the map is never changed once
// published, and a new series publishes a copy (copy on write). Series
// are few and made once each, so the copies are cheap next to a lock or a
// sync.Map on every request (sync.Map's Load boxes a struct key into an
// interface, which allocates).
type table[K comparable, V any] struct {
	m   atomic.Pointer[map[K]*V]
	mu  sync.Mutex // serializes writers
	max int        // most entries; 0 for no bound
}

// get returns the series of k, made by create when new. When the table
// is full it returns nil and adds nothing.
func (t *table[K, V]) get(k K, create func(K) *V) *V {
	if m := t.m.Load(); m != nil {
		if v, ok := (*m)[k]; ok {
			return v
		}
	}
	return t.add(k, create)
}

func (t *table[K, V]) add(k K, create func(K) *V) *V {
	t.mu.Lock()
	defer t.mu.Unlock()
	old := t.m.Load()
	var n int
	if old != nil {
		if v, ok := (*old)[k]; ok {
			return v
		}
		n = len(*old)
	}
	if t.max > 0 && n >= t.max {
		return nil
	}
	m := make(map[K]*V, n+1)
	if old != nil {
		for k, v := range *old {
			m[k] = v
		}
	}
	v := create(k)
	m[k] = v
	t.m.Store(&m)
	return v
}

// all calls f for every entry, in no order.
func (t *table[K, V]) all(f func(K, *V)) {
	if m := t.m.Load(); m != nil {
		for k, v := range *m {
			f(k, v)
		}
	}
}
