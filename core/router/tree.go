package router

import "github.com/tophat-go/tophat/core"

// A route is a registered pattern with the handler it serves, already
// wrapped in its group's middleware.
type route struct {
	pat     *pattern
	handler core.Handler
}

// A node is one segment position in a tree of patterns that share a method.
// Matching tries, at each segment, the literal children, then the single
// wildcard, then the multi wildcard, backtracking on failure. Because
// conflicting patterns are refused, the first match in that order is the
// most specific pattern that matches (a literal is more specific than a
// wildcard in the same place, a single wildcard than a multi one).
type node struct {
	key      string // the literal this child matches
	route    *route // the pattern that ends at this node
	literals []*node
	index    map[string]*node // literals by key, once there are many of them
	wild     *node            // {name}
	end      *route           // {$}
	multi    *route           // {name...} or a trailing slash
}

// indexAbove is the number of literal children past which a map beats a
// linear scan of short keys.
const indexAbove = 8

func (n *node) add(segs []segment, r *route) {
	if len(segs) == 0 {
		n.route = r
		return
	}
	switch s := segs[0]; s.kind {
	case multi:
		n.multi = r
	case end:
		n.end = r
	case single:
		if n.wild == nil {
			n.wild = &node{}
		}
		n.wild.add(segs[1:], r)
	default:
		c := n.literal(s.s)
		if c == nil {
			c = &node{key: s.s}
			n.literals = append(n.literals, c)
			if len(n.literals) > indexAbove {
				if n.index == nil {
					n.index = make(map[string]*node)
					for _, l := range n.literals {
						n.index[l.key] = l
					}
				}
				n.index[c.key] = c
			}
		}
		c.add(segs[1:], r)
	}
}

func (n *node) literal(key string) *node {
	for _, c := range n.literals {
		if c.key == key {
			return c
		}
	}
	return nil
}

// A span is the position of a wildcard's value in the escaped path.
type span struct{ start, end int }

// captures records a match's wildcard values in path order; it lives on
// the matching goroutine's stack, so matching allocates nothing.
type captures struct {
	spans [maxWildcards]span
	n     int
	// inexact is set when a multi wildcard matched a non-empty rest, the
	// case in which a trailing-slash redirect may apply (as in ServeMux).
	inexact bool
}

// lookup matches the escaped path p from offset i, which is len(p) when
// the path is consumed or the offset of the slash that opens the next
// segment. It returns nil, with c as it found it, when nothing matches.
func (n *node) lookup(p []byte, i int, c *captures) *route {
	if i == len(p) {
		return n.route
	}
	j := i + 1
	for j < len(p) && p[j] != '/' {
		j++
	}
	seg := p[i+1 : j]
	if len(seg) == 0 {
		if j == len(p) && n.end != nil {
			return n.end
		}
	} else {
		if child := n.child(seg); child != nil {
			if r := child.lookup(p, j, c); r != nil {
				return r
			}
		}
		if n.wild != nil && c.n < maxWildcards {
			c.spans[c.n] = span{i + 1, j}
			c.n++
			if r := n.wild.lookup(p, j, c); r != nil {
				return r
			}
			c.n--
		}
	}
	if n.multi != nil && c.n < maxWildcards {
		c.spans[c.n] = span{i + 1, len(p)}
		c.n++
		c.inexact = i+1 < len(p)
		return n.multi
	}
	return nil
}

// child finds the literal child for an escaped segment. Without escapes the
// bytes are the key; string(seg) in a comparison or map index does not
// allocate.
func (n *node) child(seg []byte) *node {
	if !hasEscape(seg) {
		if n.index != nil {
			return n.index[string(seg)]
		}
		for _, c := range n.literals {
			if c.key == string(seg) {
				return c
			}
		}
		return nil
	}
	for _, c := range n.literals {
		if equalEscaped(seg, c.key) {
			return c
		}
	}
	return nil
}
