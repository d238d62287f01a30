package core

import (
	"testing"
	"time"
)

func TestNextDue(t *testing.T) {
	now := time.Now()
	d := 8 * time.Second
	cases := []struct {
		name   string
		due    time.Time
		known  bool
		d      time.Duration
		want   time.Time
		change bool
	}{
		{"unknown: set with slack", time.Time{}, false, d, now.Add(10 * time.Second), true},
		{"none set: set with slack", time.Time{}, true, d, now.Add(10 * time.Second), true},
		{"ends within the slack: kept", now.Add(9 * time.Second), true, d, now.Add(9 * time.Second), false},
		{"ends exactly at d: kept", now.Add(d), true, d, now.Add(d), false},
		{"ends before d: moved", now.Add(d - time.Millisecond), true, d, now.Add(10 * time.Second), true},
		{"ends past the slack: moved", now.Add(11 * time.Second), true, d, now.Add(10 * time.Second), true},
		{"negative clears", now.Add(d), true, -1, time.Time{}, true},
		{"negative when none: nothing to do", time.Time{}, true, -1, time.Time{}, false},
		{"negative when unknown: cleared", now.Add(d), false, -1, time.Time{}, true},
	}
	for _, tc := range cases {
		got, change := nextDue(tc.due, tc.known, now, tc.d)
		if !got.Equal(tc.want) || change != tc.change {
			t.Errorf("%s: got %v %v, want %v %v", tc.name, got.Sub(now), change, tc.want.Sub(now), tc.change)
		}
		if tc.d >= 0 && got.Before(now.Add(tc.d)) {
			t.Errorf("%s: deadline %v fires before the timeout %v", tc.name, got.Sub(now), tc.d)
		}
	}
}

// TestStartTimeReadsTheWallClockEverySecond checks that a request's start
// is derived from the previous one's while the last full clock read is
// less than a second old, and read in full after that.
func TestStartTimeReadsTheWallClockEverySecond(t *testing.T) {
	c := &conn{}
	for i := range c.slots {
		c.slots[i] = newSlot(&c.slotMem[i])
	}
	c.seq = 2 // the current request's slot is 0, the previous one's 1
	prev := &c.slots[1].start

	*prev = time.Now().Add(-400 * time.Millisecond)
	got := c.startTime(false)
	if c.sinceFullRead < 400*time.Millisecond || got.Sub(*prev) != c.sinceFullRead {
		t.Fatalf("derived start %v after the previous one, %v since the full read; want 400ms or more for both",
			got.Sub(*prev), c.sinceFullRead)
	}

	*prev = time.Now().Add(-700 * time.Millisecond) // 1.1 s since the full read
	got = c.startTime(false)
	if c.sinceFullRead != 0 {
		t.Fatalf("%v since the full read after more than a second, want a full read", c.sinceFullRead)
	}
	if d := time.Since(got); d < 0 || d > time.Second {
		t.Fatalf("full read %v ago", d)
	}

	c.slots[1].start = time.Time{} // no previous request
	c.sinceFullRead = 5 * time.Millisecond
	c.startTime(false)
	if c.sinceFullRead != 0 {
		t.Fatal("a stream's first request did not read the clock in full")
	}
}
