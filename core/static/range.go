package static

import (
	"errors"
	"strconv"
	"strings"
)

// MaxRanges is the most ranges one request may ask for; past it the whole
// file is sent. Clients that fetch resumable downloads or PDF pages ask
// for a few; hundreds of tiny ranges only multiply the server's work.
const MaxRanges = 32

// maxRangeSpecs bounds how many elements of a Range field are looked at
// at all, empty and unsatisfiable ones included (CWE-400: the field is
// otherwise only bounded by the header limit).
const maxRangeSpecs = 4 * MaxRanges

var (
	errInvalidRange  = errors.New("static: invalid Range")
	errUnsatisfiable = errors.New("static: no satisfiable range")
)

// A byteRange is length bytes from start.
type byteRange struct{ start, length int64 }

func (r byteRange) contentRange(size int64) string {
	b := make([]byte, 0, 48)
	b = append(b, "bytes "...)
	b = strconv.AppendInt(b, r.start, 10)
	b = append(b, '-')
	b = strconv.AppendInt(b, r.start+r.length-1, 10)
	b = append(b, '/')
	b = strconv.AppendInt(b, size, 10)
	return string(b)
}

// parseRange parses a Range field value (RFC 9110 section 14.1.2) against
// a representation of size bytes. It returns nil ranges and a nil error for
// a range unit other than bytes (to be ignored), errInvalidRange for a
// malformed field (to be ignored too), and errUnsatisfiable when the field
// is valid but selects nothing (416). Ranges past the end are cut to it.
func parseRange(field string, size int64) ([]byteRange, error) {
	unit, set, ok := strings.Cut(field, "=")
	if !ok {
		return nil, errInvalidRange
	}
	if !strings.EqualFold(strings.TrimSpace(unit), "bytes") {
		return nil, nil
	}
	var ranges []byteRange
	specs := 0
	for spec := range strings.SplitSeq(set, ",") {
		spec = strings.Trim(spec, " \t")
		if spec == "" {
			continue // empty list elements are allowed (RFC 9110 section 5.6.1)
		}
		if specs++; specs > maxRangeSpecs {
			return nil, errInvalidRange
		}
		first, last, ok := strings.Cut(spec, "-")
		if !ok {
			return nil, errInvalidRange
		}
		if first == "" {
			// suffix-range: the last n bytes.
			n, ok := parseDigits(last)
			if !ok {
				return nil, errInvalidRange
			}
			if n == 0 || size == 0 {
				continue
			}
			n = min(n, size)
			ranges = append(ranges, byteRange{size - n, n})
			continue
		}
		start, ok := parseDigits(first)
		if !ok {
			return nil, errInvalidRange
		}
		end := size - 1
		if last != "" {
			e, ok := parseDigits(last)
			if !ok || e < start {
				return nil, errInvalidRange
			}
			end = min(e, size-1)
		}
		if start >= size {
			continue // unsatisfiable alone; others may still be
		}
		ranges = append(ranges, byteRange{start, end - start + 1})
	}
	if specs == 0 {
		return nil, errInvalidRange
	}
	if len(ranges) == 0 {
		return nil, errUnsatisfiable
	}
	return ranges, nil
}

// parseDigits parses 1*DIGIT without sign, refusing overflow.
func parseDigits(s string) (int64, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// tooCostly reports ranges that are better answered with the whole file:
// more than MaxRanges of them, or more bytes than the file holds (ranges
// that overlap, the amplification of CVE-2011-3192).
func tooCostly(ranges []byteRange, size int64) bool {
	if len(ranges) > MaxRanges {
		return true
	}
	var sum int64
	for _, r := range ranges {
		sum += r.length
	}
	return sum > size
}
