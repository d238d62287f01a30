package core

import (
	"bytes"
	"testing"
)

// sizedReader serves data and records the room each Read offered.
type sizedReader struct {
	data  []byte
	rooms []int
}

func (r *sizedReader) Read(p []byte) (int, error) {
	r.rooms = append(r.rooms, len(p))
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

// TestPipelinedInputMovesOnlyWhenRoomRunsShort: between requests the
// unread input stays where it is (moving it after every request copies a
// pipelined batch over and over); it moves down when the room behind it
// runs short, so the next read takes in as much as the buffer holds.
func TestPipelinedInputMovesOnlyWhenRoomRunsShort(t *testing.T) {
	src := &sizedReader{data: bytes.Repeat([]byte("x"), 200)}
	cr := connReader{buf: make([]byte, 64)}
	cr.reset(src)
	if err := cr.fill(1); err != nil || cr.w != 64 {
		t.Fatalf("first fill: %v, %d bytes", err, cr.w)
	}
	cr.r, cr.floor = 20, 20 // a 20-byte head was parsed and is pinned
	cr.unpin()
	if cr.r != 20 || cr.w != 64 {
		t.Fatalf("unpin moved the unread input: r=%d w=%d, want 20 and 64", cr.r, cr.w)
	}
	cr.r = 56 // more requests served from the buffer; 8 bytes left
	cr.unpin()
	if err := cr.fill(1); err != nil {
		t.Fatal(err)
	}
	if cr.r != 0 || cr.w != 64 {
		t.Fatalf("fill with no room left: r=%d w=%d, want the 8 unread bytes moved down and the rest filled", cr.r, cr.w)
	}
	if room := src.rooms[len(src.rooms)-1]; room != 56 {
		t.Fatalf("the read after the move was offered %d bytes, want 56", room)
	}
	cr.r = 10 // a full buffer, 10 bytes of it read
	cr.unpin()
	if err := cr.fill(1); err != nil || cr.r != 0 || cr.w != 64 {
		t.Fatalf("fill of a full buffer: %v, r=%d w=%d, want 0 and 64", err, cr.r, cr.w)
	}
}
