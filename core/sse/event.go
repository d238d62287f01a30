package sse

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// Errors of the event encoder. A field that would break the stream's framing
// is refused rather than repaired, so that what the client sees is what the
// server meant.
var (
	// ErrInvalidID is the error of an event whose ID holds a CR, LF or NUL:
	// a line break would end the field and start another, and a client
	// ignores an id field holding NUL.
	ErrInvalidID = errors.New("sse: event id contains CR, LF or NUL")
	// ErrInvalidEventType is the error of an event type holding a CR or LF.
	ErrInvalidEventType = errors.New("sse: event type contains CR or LF")
	// ErrInvalidRetry is the error of a negative reconnection time.
	ErrInvalidRetry = errors.New("sse: negative retry")
)

// An Event is one message of an event stream.
//
// Data may hold any text: it is split into one data line per line, at
// "\n", "\r\n" and "\r" alike, as the client splits it, so the client's
// MessageEvent.data is Data with its line ends turned into "\n". Every Event
// is sent with at least one data line, so the client dispatches it even when
// Data is empty.
type Event struct {
	// ID, if not empty, becomes the client's last event ID, which it sends
	// back in Last-Event-ID when it reconnects.
	ID string
	// Type is the event type ("event" field); empty means "message".
	Type string
	// Data is the payload.
	Data string
	// Retry, if positive, tells the client how long to wait before it
	// reconnects; it is sent in whole milliseconds.
	Retry time.Duration
}

// AppendEvent appends e in the event stream format to dst. It refuses
// fields that would inject lines of their own (see the errors above) and
// then leaves dst as it was.
func AppendEvent(dst []byte, e Event) ([]byte, error) {
	if strings.ContainsAny(e.ID, "\r\n\x00") {
		return dst, ErrInvalidID
	}
	if strings.ContainsAny(e.Type, "\r\n") {
		return dst, ErrInvalidEventType
	}
	if e.Retry < 0 {
		return dst, ErrInvalidRetry
	}
	if e.ID != "" {
		dst = appendField(dst, "id", e.ID)
	}
	if e.Type != "" {
		dst = appendField(dst, "event", e.Type)
	}
	if e.Retry > 0 {
		dst = appendRetry(dst, e.Retry)
	}
	dst = appendLines(dst, "data", e.Data)
	return append(dst, '\n'), nil
}

// AppendComment appends text as comment lines, one per line of text. Clients
// ignore comments; they keep a quiet connection alive through proxies.
func AppendComment(dst []byte, text string) []byte {
	return appendLines(dst, "", text)
}

func appendRetry(dst []byte, d time.Duration) []byte {
	dst = append(dst, "retry: "...)
	dst = strconv.AppendInt(dst, d.Milliseconds(), 10)
	return append(dst, '\n')
}

// appendField writes "name: value\n". The space after the colon is the one
// the client strips, so a value that starts with a space keeps it.
func appendField(dst []byte, name, value string) []byte {
	dst = append(dst, name...)
	dst = append(dst, ':', ' ')
	dst = append(dst, value...)
	return append(dst, '\n')
}

// appendLines writes one field per line of text, breaking at CRLF, LF and CR
// as the client does; a name of "" makes comment lines.
func appendLines(dst []byte, name, text string) []byte {
	for {
		i := strings.IndexAny(text, "\r\n")
		if i < 0 {
			return appendField(dst, name, text)
		}
		dst = appendField(dst, name, text[:i])
		if text[i] == '\r' && i+1 < len(text) && text[i+1] == '\n' {
			i++
		}
		text = text[i+1:]
	}
}
