package negotiate

import "strings"

// element is one comma-separated member of a field: its value, its
// parameters before the weight (raw, without the leading ";"), and its
// weight in thousandths.
type element struct {
	value  string
	params string
	q      int
}

// nextElement splits the first element off field. ok is false for an
// empty or malformed element, which the caller skips.
func nextElement(field string) (e element, rest string, ok bool) {
	end := elementEnd(field)
	raw := field[:end]
	if end < len(field) {
		rest = field[end+1:]
	}
	value, params, _ := strings.Cut(raw, ";")
	e.value = strings.TrimSpace(value)
	if !isElementValue(e.value) {
		return e, rest, false
	}
	e.q = 1000
	paramsStart := -1
	for p := params; p != ""; {
		before := p
		var name, v string
		name, v, p = nextParam(p)
		if strings.EqualFold(name, "q") {
			// Parameters after the weight are accept-ext, which no
			// registry defines; ignore them.
			q, valid := parseQ(v)
			if !valid {
				return e, rest, false
			}
			e.q = q
			if paramsStart >= 0 {
				e.params = params[paramsStart : len(params)-len(before)]
			}
			return e, rest, true
		}
		if name == "" {
			return e, rest, false
		}
		if paramsStart < 0 {
			paramsStart = len(params) - len(before)
		}
	}
	if paramsStart >= 0 {
		e.params = params[paramsStart:]
	}
	return e, rest, true
}

// elementEnd returns the index of the comma ending the first element, or
// len(field); commas inside quoted strings do not count.
func elementEnd(field string) int {
	quoted := false
	for i := 0; i < len(field); i++ {
		switch c := field[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case c == ',' && !quoted:
			return i
		}
	}
	return len(field)
}

// nextParam splits "name=value" off a parameter list (without leading
// ";"), honouring quoted values. A malformed parameter yields name "".
func nextParam(params string) (name, value, rest string) {
	end := len(params)
	quoted := false
	for i := 0; i < len(params); i++ {
		c := params[i]
		if quoted && c == '\\' {
			i++
			continue
		}
		if c == '"' {
			quoted = !quoted
		} else if c == ';' && !quoted {
			end = i
			break
		}
	}
	raw := params[:end]
	if end < len(params) {
		rest = params[end+1:]
	}
	name, value, ok := strings.Cut(raw, "=")
	name, value = strings.TrimSpace(name), strings.TrimSpace(value)
	if !ok || !isToken(name) || value == "" {
		return "", "", rest
	}
	return name, value, rest
}

// parseQ parses a weight: "0", "0.5", "1", "1.000"; at most three decimals.
func parseQ(s string) (int, bool) {
	if s == "" || len(s) > 5 || (s[0] != '0' && s[0] != '1') {
		return 0, false
	}
	q := int(s[0]-'0') * 1000
	if len(s) == 1 {
		return q, true
	}
	if s[1] != '.' {
		return 0, false
	}
	scale := 100
	for _, c := range []byte(s[2:]) {
		if c < '0' || c > '9' {
			return 0, false
		}
		q += int(c-'0') * scale
		scale /= 10
	}
	if q > 1000 {
		return 0, false
	}
	return q, true
}

// unquote removes the quotes and escapes of a quoted-string.
func unquote(s string) string {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return s
	}
	s = s[1 : len(s)-1]
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// isElementValue reports whether s is a token, or two joined by one "/".
func isElementValue(s string) bool {
	a, b, found := strings.Cut(s, "/")
	if !found {
		return isToken(a)
	}
	return isToken(a) && isToken(b)
}

// isToken reports whether s is a non-empty RFC 9110 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x80 && tokenChars[c] {
			continue
		}
		return false
	}
	return true
}

var tokenChars = func() (t [128]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()
