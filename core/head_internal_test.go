package core

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

// TestStatusLineOfEveryCode: the precomputed status lines say what the
// line composed on the spot says, for codes with a reason phrase and
// without one.
func TestStatusLineOfEveryCode(t *testing.T) {
	for code := 0; code < 1000; code++ {
		want := fmt.Sprintf("HTTP/1.1 %d %s\r\n", code, statusText(code))
		if got := string(appendStatusLine([]byte("x"), code)); got != "x"+want {
			t.Errorf("status %d: %q, want %q", code, got, want)
		}
	}
}

// TestDateField: the cached Date line is the whole field, IMF-fixdate,
// for the second asked about.
func TestDateField(t *testing.T) {
	for _, now := range []time.Time{time.Now(), time.Now().Add(3 * time.Second), time.Date(2030, 2, 3, 4, 5, 6, 7, time.FixedZone("x", 3600))} {
		want := "xDate: " + now.UTC().Format(http.TimeFormat) + "\r\n"
		if got := string(appendDateField([]byte("x"), now)); got != want {
			t.Errorf("%v: %q, want %q", now, got, want)
		}
	}
}
