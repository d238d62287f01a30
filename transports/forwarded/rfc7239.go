package forwarded

import "strings"

// maxElements bounds the hops read from one request, so that a header of
// a few kilobytes of commas costs no more than a few kilobytes of nodes.
const maxElements = 64

// parseForwarded reads RFC 7239 fields: elements separated by commas, each
// a list of name=value pairs separated by semicolons, where a value is a
// token or a quoted string (which may itself hold commas and semicolons).
// The for parameter of each element is its node; an element without one,
// or with two, or one that does not parse, is a node that is not ok.
func parseForwarded(fields []string) []node {
	var nodes []node
	for _, f := range fields {
		for len(f) > 0 && len(nodes) < maxElements {
			el, rest, good := parseElement(f)
			nodes = append(nodes, el)
			if !good {
				// The rest of this field cannot be split reliably; the
				// broken element already stops the walk.
				break
			}
			f = rest
		}
	}
	return nodes
}

// parseElement parses one element at the start of s and returns its node
// and what follows the comma that ends it. good is false when s is
// malformed beyond this element's end.
func parseElement(s string) (el node, rest string, good bool) {
	var forValue string
	var forCount int
	malformed := false
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" || s[0] == ',' {
			break
		}
		if s[0] == ';' {
			s = s[1:]
			continue
		}
		name, after, ok := cutToken(s)
		if !ok || len(after) == 0 || after[0] != '=' {
			return node{}, "", false
		}
		value, after, ok := cutValue(after[1:])
		if !ok {
			return node{}, "", false
		}
		if strings.EqualFold(name, "for") {
			forValue = value
			forCount++
		}
		s = strings.TrimLeft(after, " \t")
		if s != "" && s[0] != ';' && s[0] != ',' {
			malformed = true
			break
		}
	}
	if malformed {
		return node{}, "", false
	}
	s = strings.TrimPrefix(s, ",")
	if forCount == 1 {
		el = parseNode(forValue, false)
	}
	return el, s, true
}

// cutToken splits a token (RFC 9110 5.6.2) off the start of s.
func cutToken(s string) (token, rest string, ok bool) {
	i := 0
	for i < len(s) && isTchar(s[i]) {
		i++
	}
	return s[:i], s[i:], i > 0
}

// cutValue splits a token or a quoted string off the start of s and
// returns the value with quoting undone.
func cutValue(s string) (value, rest string, ok bool) {
	if len(s) == 0 || s[0] != '"' {
		return cutToken(s)
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			return b.String(), s[i+1:], true
		case c == '\\' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		case c == '\t' || (c >= 0x20 && c != 0x7f):
			b.WriteByte(c)
		default:
			return "", "", false
		}
	}
	return "", "", false // unterminated
}

func isTchar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}
