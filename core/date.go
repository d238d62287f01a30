package core

import (
	"sync/atomic"
	"time"
)

// The Date field changes once a second, so it is formatted once a second
// and shared by every stream (RFC 9110 section 6.6.1 asks for one per
// response; the format is IMF-fixdate).
type dateEntry struct {
	unix  int64
	field [len("Date: " + imfFixdate + "\r\n")]byte // the whole field line
}

const imfFixdate = "Mon, 02 Jan 2006 15:04:05 GMT"

var currentDate atomic.Pointer[dateEntry]

// appendDateField appends the Date field line for now.
func appendDateField(b []byte, now time.Time) []byte {
	sec := now.Unix()
	d := currentDate.Load()
	if d == nil || d.unix != sec {
		d = &dateEntry{unix: sec}
		n := copy(d.field[:], "Date: ")
		n += len(now.UTC().AppendFormat(d.field[n:n], imfFixdate))
		copy(d.field[n:], "\r\n")
		currentDate.Store(d)
	}
	return append(b, d.field[:]...)
}
