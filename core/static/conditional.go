package static

import (
	"net/http"
	"strings"
	"time"

	"github.com/tophat-go/tophat/core"
)

// checkPreconditions evaluates the conditional fields in the order of RFC
// 9110 section 13.2.2 and returns 412, 304, or 0 to go on.
func checkPreconditions(req *core.Request, etag string, modtime time.Time) int {
	h := req.Header()
	getOrHead := req.Method() == "GET" || req.Method() == "HEAD"
	if im := h.Peek("If-Match"); im != nil {
		if !etagListMatches(string(im), etag, false) {
			return 412
		}
	} else if ius := h.Peek("If-Unmodified-Since"); ius != nil && !isZeroTime(modtime) {
		if t, err := http.ParseTime(string(ius)); err == nil && modtime.Truncate(time.Second).After(t) {
			return 412
		}
	}
	if inm := h.Peek("If-None-Match"); inm != nil {
		if etagListMatches(string(inm), etag, true) {
			if getOrHead {
				return 304
			}
			return 412
		}
	} else if ims := h.Peek("If-Modified-Since"); ims != nil && getOrHead && !isZeroTime(modtime) {
		if t, err := http.ParseTime(string(ims)); err == nil && !modtime.Truncate(time.Second).After(t) {
			return 304
		}
	}
	return 0
}

// ifRangeHolds reports whether a Range may be honoured: there is no
// If-Range, or it names the current representation by a strong ETag or by
// its exact Last-Modified date (RFC 9110 section 13.1.5).
func ifRangeHolds(req *core.Request, etag string, modtime time.Time) bool {
	ir := strings.TrimSpace(req.Header().Get("If-Range"))
	if ir == "" {
		return true
	}
	if ir[0] == '"' || strings.HasPrefix(ir, "W/") {
		return etag != "" && !strings.HasPrefix(ir, "W/") && !strings.HasPrefix(etag, "W/") && ir == etag
	}
	if isZeroTime(modtime) {
		return false
	}
	t, err := http.ParseTime(ir)
	return err == nil && modtime.Truncate(time.Second).Equal(t)
}

// etagListMatches reports whether the If-Match or If-None-Match value list
// ("*" or entity-tags) matches etag: strong comparison for If-Match, weak
// for If-None-Match. An entity-tag's opaque part may hold commas, so the
// list is scanned tag by tag rather than split.
func etagListMatches(list, etag string, weak bool) bool {
	if strings.TrimSpace(list) == "*" {
		return etag != ""
	}
	if etag == "" {
		return false
	}
	for list != "" {
		list = strings.TrimLeft(list, " \t,")
		isWeak := strings.HasPrefix(list, "W/")
		if isWeak {
			list = list[2:]
		}
		if list == "" || list[0] != '"' {
			return false // malformed: match nothing
		}
		end := strings.IndexByte(list[1:], '"')
		if end < 0 {
			return false
		}
		tag := list[:end+2]
		list = list[end+2:]
		if weak {
			if tag == strings.TrimPrefix(etag, "W/") {
				return true
			}
		} else if !isWeak && !strings.HasPrefix(etag, "W/") && tag == etag {
			return true
		}
	}
	return false
}
