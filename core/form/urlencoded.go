package form

import (
	"fmt"
	"io"
	"net/url"
	"strings"
)

func parseURLEncodedBody(body io.Reader, into url.Values, l *Limits) error {
	data, err := readAtMost(body, l.MaxValueBytes)
	if err != nil {
		return err
	}
	return parseURLEncoded(string(data), into, l.MaxFields)
}

// parseURLEncoded parses an application/x-www-form-urlencoded string into
// into, as url.ParseQuery does, but stopping at maxFields pairs (413) and
// at the first malformed escape or semicolon (400) rather than skipping
// it: a form a browser sends never has either.
func parseURLEncoded(s string, into url.Values, maxFields int) error {
	fields := 0
	for s != "" {
		var pair string
		pair, s, _ = strings.Cut(s, "&")
		if pair == "" {
			continue
		}
		if strings.Contains(pair, ";") {
			return glitchOf(400, "malformed form body", fmt.Errorf("%w: semicolon in %q", ErrMalformed, pair))
		}
		if fields++; fields > maxFields {
			return glitchOf(413, "too many fields", fmt.Errorf("%w: more than %d fields", ErrTooLarge, maxFields))
		}
		name, value, _ := strings.Cut(pair, "=")
		name, err1 := url.QueryUnescape(name)
		value, err2 := url.QueryUnescape(value)
		if err1 != nil || err2 != nil {
			return glitchOf(400, "malformed form body", fmt.Errorf("%w: bad escape in %q", ErrMalformed, pair))
		}
		into[name] = append(into[name], value)
	}
	return nil
}
