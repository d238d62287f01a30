package static

import (
	"strings"
	"testing"
)

func TestParseRange(t *testing.T) {
	tests := []struct {
		field string
		size  int64
		want  []byteRange
		err   error
	}{
		{"bytes=0-0", 10, []byteRange{{0, 1}}, nil},
		{"bytes=0-", 10, []byteRange{{0, 10}}, nil},
		{"bytes=-3", 10, []byteRange{{7, 3}}, nil},
		{"bytes=2-4,6-", 10, []byteRange{{2, 3}, {6, 4}}, nil},
		{"bytes=5-100", 10, []byteRange{{5, 5}}, nil},
		{"bytes=0-999999999999999999", 10, []byteRange{{0, 10}}, nil},
		{"bytes=0-9999999999999999999", 10, nil, errInvalidRange},
		{"bytes=10-", 10, nil, errUnsatisfiable},
		{"bytes=0-", 0, nil, errUnsatisfiable},
		{"bytes=-1", 0, nil, errUnsatisfiable},
		{"bytes=1-0", 10, nil, errInvalidRange},
		{"bytes=-", 10, nil, errInvalidRange},
		{"bytes=1", 10, nil, errInvalidRange},
		{"bytes=1-2-3", 10, nil, errInvalidRange},
		{"bytes=0x1-2", 10, nil, errInvalidRange},
		{"bytes= ,", 10, nil, errInvalidRange},
		{"lines=1-2", 10, nil, nil},
		{"bytes=" + strings.Repeat("0-0,", maxRangeSpecs+1), 10, nil, errInvalidRange},
	}
	for _, tt := range tests {
		got, err := parseRange(tt.field, tt.size)
		if err != tt.err || len(got) != len(tt.want) {
			t.Errorf("parseRange(%q, %d) = %v, %v; want %v, %v", tt.field, tt.size, got, err, tt.want, tt.err)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("parseRange(%q, %d) = %v; want %v", tt.field, tt.size, got, tt.want)
			}
		}
	}
}

// FuzzParseRange checks that every range parseRange returns lies within
// the representation and that the three outcomes exclude each other.
func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"bytes=0-1", "bytes=-5", "bytes=3-", "bytes=0-1,5-9,-2", "bytes=,,", "BYTES=1-1",
		"bytes=1-0", "bytes=-0", "x=1-2", "bytes=99999999999999999999-", "bytes=0-1, 0-1", "bytes=\t1-2\t"} {
		f.Add(s, int64(10))
	}
	f.Add("bytes=0-", int64(0))
	f.Fuzz(func(t *testing.T, field string, size int64) {
		if size < 0 {
			size = -size
		}
		if size < 0 { // math.MinInt64
			size = 0
		}
		ranges, err := parseRange(field, size)
		if err != nil && ranges != nil {
			t.Fatalf("error %v with ranges %v", err, ranges)
		}
		if len(ranges) > maxRangeSpecs {
			t.Fatalf("%d ranges", len(ranges))
		}
		for _, r := range ranges {
			if r.start < 0 || r.length < 1 || r.start+r.length > size || r.start+r.length < r.start {
				t.Fatalf("parseRange(%q, %d): range %+v outside the representation", field, size, r)
			}
			if cr := r.contentRange(size); !strings.HasPrefix(cr, "bytes ") {
				t.Fatalf("Content-Range %q", cr)
			}
		}
	})
}
