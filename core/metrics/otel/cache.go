package tophatotel

import (
	"sync"
	"sync/atomic"
)

// maxCached bounds each cache of attribute sets. The keys are bounded
// labels (methods, route patterns, statuses, causes, transports), so a
// program stays far below it; past it, sets are built for each use instead
// of growing the cache without end.
const maxCached = 2048

// A cache maps a key of bounded labels to what is precomputed for it. Reads
// load an immutable map with one atomic load and allocate nothing; a miss
// copies the map under a lock. The copies stop once the label sets are all
// seen, which on a running server is within its first requests.
type cache[K comparable, V any] struct {
	m  atomic.Pointer[map[K]V]
	mu sync.Mutex
}

func (c *cache[K, V]) load(k K) (V, bool) {
	if m := c.m.Load(); m != nil {
		v, ok := (*m)[k]
		return v, ok
	}
	var zero V
	return zero, false
}

// store adds v for k unless another goroutine got there first, and returns
// what the cache holds for k (v when the cache is full).
func (c *cache[K, V]) store(k K, v V) V {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.m.Load()
	if old != nil {
		if had, ok := (*old)[k]; ok {
			return had
		}
		if len(*old) >= maxCached {
			return v
		}
	}
	next := make(map[K]V, 1+lenOf(old))
	if old != nil {
		for key, val := range *old {
			next[key] = val
		}
	}
	next[k] = v
	c.m.Store(&next)
	return v
}

func lenOf[K comparable, V any](m *map[K]V) int {
	if m == nil {
		return 0
	}
	return len(*m)
}
