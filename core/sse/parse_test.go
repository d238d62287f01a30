package sse_test

import (
	"bufio"
	"io"
	"strconv"
	"strings"
)

// eventReader is an independent client for the tests: it follows the HTML
// standard's "interpreting an event stream" step by step, so that the
// encoder is checked against the rules a browser applies, not against
// itself.
type eventReader struct {
	r *bufio.Reader

	lastID  string
	typ     string
	data    strings.Builder
	retry   int // -1 until a retry field is seen
	fields  []string
	pending []item
}

// An item is what the reader found: a dispatched event or a comment.
type item struct {
	comment bool
	text    string // the comment
	id      string
	typ     string
	data    string
}

func newEventReader(r io.Reader) *eventReader {
	return &eventReader{r: bufio.NewReader(r), retry: -1}
}

// line reads one line, ended by CRLF, LF or CR. A CR is followed by a peek,
// which the tests' streams never block on: the server never sends CR.
func (p *eventReader) line() (string, error) {
	var b strings.Builder
	for {
		c, err := p.r.ReadByte()
		if err != nil {
			return b.String(), err
		}
		switch c {
		case '\n':
			return b.String(), nil
		case '\r':
			if n, err := p.r.Peek(1); err == nil && n[0] == '\n' {
				p.r.ReadByte()
			}
			return b.String(), nil
		}
		b.WriteByte(c)
	}
}

// next returns the next event or comment. At the end of the stream it
// returns io.EOF (a partial event is discarded, as the standard says), or
// the read error.
func (p *eventReader) next() (item, error) {
	for len(p.pending) == 0 {
		l, err := p.line()
		if err != nil {
			if err == io.EOF && l != "" {
				err = io.ErrUnexpectedEOF // a line cut off: the stream did not end cleanly
			}
			return item{}, err
		}
		p.process(l)
	}
	it := p.pending[0]
	p.pending = p.pending[1:]
	return it, nil
}

func (p *eventReader) process(l string) {
	if l == "" {
		if p.data.Len() == 0 {
			p.typ = ""
			return
		}
		data := strings.TrimSuffix(p.data.String(), "\n")
		typ := p.typ
		if typ == "" {
			typ = "message"
		}
		p.pending = append(p.pending, item{id: p.lastID, typ: typ, data: data})
		p.data.Reset()
		p.typ = ""
		return
	}
	if l[0] == ':' {
		p.pending = append(p.pending, item{comment: true, text: strings.TrimPrefix(l[1:], " ")})
		return
	}
	field, value := l, ""
	if i := strings.IndexByte(l, ':'); i >= 0 {
		field, value = l[:i], strings.TrimPrefix(l[i+1:], " ")
	}
	p.fields = append(p.fields, field)
	switch field {
	case "event":
		p.typ = value
	case "data":
		p.data.WriteString(value)
		p.data.WriteByte('\n')
	case "id":
		if !strings.Contains(value, "\x00") {
			p.lastID = value
		}
	case "retry":
		if n, err := strconv.Atoi(value); err == nil && strings.Trim(value, "0123456789") == "" {
			p.retry = n
		}
	}
}

// events reads every event of a whole stream, skipping comments.
func events(s string) ([]item, *eventReader, error) {
	p := newEventReader(strings.NewReader(s))
	var out []item
	for {
		it, err := p.next()
		if err == io.EOF {
			return out, p, nil
		}
		if err != nil {
			return out, p, err
		}
		if !it.comment {
			out = append(out, it)
		}
	}
}
