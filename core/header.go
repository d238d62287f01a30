package core

import "iter"

// A RequestHeader is the header section (or the trailer section) of a
// request as it arrived: fields in their order and their original case,
// looked up case-insensitively with a linear scan that allocates nothing.
//
// The byte slices it returns are borrowed from the stream's read buffer and
// are valid only until the handler returns; Get and Values return copies.
type RequestHeader struct {
	src    []byte      // the bytes the fields are in: the head, or the trailer lines
	fields []fieldSpan // where each field is in src
}

// A fieldSpan locates a field's name and value in RequestHeader.src.
// Offsets rather than slices: a table without pointers is appended to and
// cleared at a fraction of the cost, which is most of what a head of ten
// fields costs to parse.
type fieldSpan struct {
	nameStart, nameEnd, valueStart, valueEnd uint32
}

func (h *RequestHeader) name(i int) []byte {
	f := &h.fields[i]
	return h.src[f.nameStart:f.nameEnd:f.nameEnd]
}

func (h *RequestHeader) value(i int) []byte {
	f := &h.fields[i]
	return h.src[f.valueStart:f.valueEnd:f.valueEnd]
}

// add appends the field whose name is src[nameStart:nameEnd] and value
// src[valueStart:valueEnd].
func (h *RequestHeader) add(nameStart, nameEnd, valueStart, valueEnd int) {
	h.fields = append(h.fields, fieldSpan{uint32(nameStart), uint32(nameEnd), uint32(valueStart), uint32(valueEnd)})
}

// Len returns the number of fields.
func (h *RequestHeader) Len() int { return len(h.fields) }

// Field returns the i-th field as received (borrowed).
func (h *RequestHeader) Field(i int) (name, value []byte) {
	return h.name(i), h.value(i)
}

// Peek returns the value of the first field named name, or nil. The slice
// is borrowed: valid until the handler returns, never to be modified.
func (h *RequestHeader) Peek(name string) []byte {
	for i := range h.fields {
		if equalFold(h.name(i), name) {
			return h.value(i)
		}
	}
	return nil
}

// Has reports whether a field named name is present.
func (h *RequestHeader) Has(name string) bool {
	for i := range h.fields {
		if equalFold(h.name(i), name) {
			return true
		}
	}
	return false
}

// Get returns a copy of the value of the first field named name, or "".
func (h *RequestHeader) Get(name string) string {
	return string(h.Peek(name))
}

// Values returns copies of the values of every field named name, in order.
func (h *RequestHeader) Values(name string) []string {
	var vs []string
	for i := range h.fields {
		if equalFold(h.name(i), name) {
			vs = append(vs, string(h.value(i)))
		}
	}
	return vs
}

// All iterates over the fields in the order they arrived (borrowed slices).
func (h *RequestHeader) All() iter.Seq2[[]byte, []byte] {
	return func(yield func([]byte, []byte) bool) {
		for i := range h.fields {
			if !yield(h.name(i), h.value(i)) {
				return
			}
		}
	}
}

// reset empties h, keeping its table; the reference to the old bytes goes.
func (h *RequestHeader) reset() {
	h.src, h.fields = nil, h.fields[:0]
}

// A Header holds the fields of a response. Names keep the case they are
// given in; lookups ignore case. It is a slice, not a map, so setting the
// same fields on every response allocates nothing.
type Header struct {
	fields []responseField
}

type responseField struct {
	name, value string
}

// Set replaces every field named name with one field name: value.
func (h *Header) Set(name, value string) {
	for i := range h.fields {
		if equalFold(h.fields[i].name, name) {
			h.fields[i].value = value
			h.delFrom(name, i+1)
			return
		}
	}
	h.fields = append(h.fields, responseField{name, value})
}

// Add appends a field, keeping any others with the same name.
func (h *Header) Add(name, value string) {
	h.fields = append(h.fields, responseField{name, value})
}

// Get returns the value of the first field named name, or "".
func (h *Header) Get(name string) string {
	for i := range h.fields {
		if equalFold(h.fields[i].name, name) {
			return h.fields[i].value
		}
	}
	return ""
}

// Has reports whether a field named name is set.
func (h *Header) Has(name string) bool {
	for i := range h.fields {
		if equalFold(h.fields[i].name, name) {
			return true
		}
	}
	return false
}

// Values returns the values of every field named name, in order.
func (h *Header) Values(name string) []string {
	var vs []string
	for i := range h.fields {
		if equalFold(h.fields[i].name, name) {
			vs = append(vs, h.fields[i].value)
		}
	}
	return vs
}

// Del removes every field named name.
func (h *Header) Del(name string) { h.delFrom(name, 0) }

func (h *Header) delFrom(name string, from int) {
	kept := h.fields[:from]
	for _, f := range h.fields[from:] {
		if !equalFold(f.name, name) {
			kept = append(kept, f)
		}
	}
	clear(h.fields[len(kept):])
	h.fields = kept
}

// All iterates over the fields in the order they were set.
func (h *Header) All() iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		for _, f := range h.fields {
			if !yield(f.name, f.value) {
				return
			}
		}
	}
}

// Len returns the number of fields.
func (h *Header) Len() int { return len(h.fields) }

// Reset removes every field.
func (h *Header) Reset() {
	clear(h.fields)
	h.fields = h.fields[:0]
}

// lowerTable maps each byte to its ASCII lower case: a lookup per byte
// instead of two comparisons and a branch.
var lowerTable = func() (t [256]byte) {
	for i := range t {
		t[i] = byte(i)
		if 'A' <= i && i <= 'Z' {
			t[i] += 'a' - 'A'
		}
	}
	return t
}()

// equalFold compares ASCII case-insensitively, as field names are compared.
func equalFold[T []byte | string](b T, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		if lowerTable[b[i]] != lowerTable[s[i]] {
			return false
		}
	}
	return true
}
