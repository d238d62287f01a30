package cowmap

import (
	"sync"
	"testing"
)

// TestBoundAndConcurrent: concurrent LoadOrCreates of the same keys make
// one value each, and a full map adds nothing.
func TestBoundAndConcurrent(t *testing.T) {
	tb := Map[int, *int]{Max: 8}
	made := make(chan int, 100)
	create := func(k int) *int { made <- k; return &k }
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for k := range 10 {
				v, _ := tb.LoadOrCreate(k, create)
				if (k < 8) != (v != nil) || v != nil && *v != k {
					t.Errorf("get(%d) = %v", k, v)
				}
			}
		})
	}
	wg.Wait()
	close(made)
	if n := len(made); n != 8 {
		t.Errorf("%d series made, want 8", n)
	}
	n := 0
	tb.Range(func(int, *int) { n++ })
	if n != 8 {
		t.Errorf("all visits %d, want 8", n)
	}
}
