package sse_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tophat-go/tophat/core/sse"
)

func TestAppendEvent(t *testing.T) {
	tests := []struct {
		name string
		e    sse.Event
		want string
		err  error
	}{
		{"data only", sse.Event{Data: "hello"}, "data: hello\n\n", nil},
		{"empty data still dispatches", sse.Event{}, "data: \n\n", nil},
		{"all fields", sse.Event{ID: "7", Type: "tick", Data: "x", Retry: 1500 * time.Millisecond},
			"id: 7\nevent: tick\nretry: 1500\ndata: x\n\n", nil},
		{"LF splits", sse.Event{Data: "a\nb"}, "data: a\ndata: b\n\n", nil},
		{"CRLF splits once", sse.Event{Data: "a\r\nb"}, "data: a\ndata: b\n\n", nil},
		{"bare CR splits", sse.Event{Data: "a\rb"}, "data: a\ndata: b\n\n", nil},
		{"CR CR is two breaks", sse.Event{Data: "a\r\rb"}, "data: a\ndata: \ndata: b\n\n", nil},
		{"LF CR is two breaks", sse.Event{Data: "a\n\rb"}, "data: a\ndata: \ndata: b\n\n", nil},
		{"trailing newline kept", sse.Event{Data: "a\n"}, "data: a\ndata: \n\n", nil},
		{"leading space kept", sse.Event{Data: " a"}, "data:  a\n\n", nil},
		{"injection stays data", sse.Event{Data: "x\n\nid: 666\nevent: evil"},
			"data: x\ndata: \ndata: id: 666\ndata: event: evil\n\n", nil},
		{"id with LF", sse.Event{ID: "1\nevent: x"}, "", sse.ErrInvalidID},
		{"id with CR", sse.Event{ID: "1\r"}, "", sse.ErrInvalidID},
		{"id with NUL", sse.Event{ID: "1\x00"}, "", sse.ErrInvalidID},
		{"type with LF", sse.Event{Type: "a\nb"}, "", sse.ErrInvalidEventType},
		{"negative retry", sse.Event{Retry: -time.Second}, "", sse.ErrInvalidRetry},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := sse.AppendEvent([]byte("prefix"), tt.e)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if string(got) != "prefix"+tt.want {
				t.Fatalf("got %q, want %q", got, "prefix"+tt.want)
			}
		})
	}
}

func TestAppendComment(t *testing.T) {
	got := string(sse.AppendComment(nil, "one\ntwo\r\nthree\rfour"))
	if want := ": one\n: two\n: three\n: four\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	evs, _, err := events(got + "\n")
	if err != nil || len(evs) != 0 {
		t.Fatalf("a comment dispatched events %v (err %v)", evs, err)
	}
}

// normalize turns every line end into "\n", as the client does.
func normalize(s string) string {
	return strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(s)
}

// FuzzAppendEvent checks, against a client that follows the standard, that
// whatever an event holds, its encoding dispatches exactly that one event
// with its fields intact, and that no field but id, event, retry and data
// ever appears: data cannot inject fields.
func FuzzAppendEvent(f *testing.F) {
	f.Add("1", "tick", "hello", int64(0))
	f.Add("", "", "", int64(10))
	f.Add("", "", "a\r\n\r\nid: x\revent: y\n\ndata: z", int64(0))
	f.Add("é", "ü", "\r", int64(1000))
	f.Add("", "", "\n\n\n", int64(-1))
	f.Add("a\nb", "", "x", int64(0))
	f.Add("", "", ": not a comment\nretry: 5", int64(0))
	f.Fuzz(func(t *testing.T, id, typ, data string, retryMS int64) {
		e := sse.Event{ID: id, Type: typ, Data: data, Retry: time.Duration(retryMS) * time.Millisecond}
		b, err := sse.AppendEvent(nil, e)
		if err != nil {
			if len(b) != 0 {
				t.Fatalf("refused event wrote %q", b)
			}
			return
		}
		if strings.ContainsAny(id, "\r\n\x00") || strings.ContainsAny(typ, "\r\n") || retryMS < 0 {
			t.Fatalf("accepted invalid event %+v", e)
		}
		evs, p, err := events(string(b))
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 1 {
			t.Fatalf("%q dispatched %d events, want 1", b, len(evs))
		}
		want := typ
		if want == "" {
			want = "message"
		}
		if got := evs[0]; got.id != id || got.typ != want || got.data != normalize(data) {
			t.Fatalf("%q dispatched %+v, want id %q type %q data %q", b, got, id, want, normalize(data))
		}
		if e.Retry > 0 && p.retry != int(e.Retry.Milliseconds()) {
			t.Fatalf("retry = %d, want %d", p.retry, e.Retry.Milliseconds())
		}
		for _, f := range p.fields {
			switch f {
			case "id", "event", "retry", "data":
			default:
				t.Fatalf("%q has injected field %q", b, f)
			}
		}
	})
}

// FuzzAppendComment checks that no comment text dispatches an event or sets
// a field.
func FuzzAppendComment(f *testing.F) {
	f.Add("hello")
	f.Add("a\n\ndata: x\n\n")
	f.Add("\r\rid: 1\r\r")
	f.Fuzz(func(t *testing.T, text string) {
		b := sse.AppendComment(nil, text)
		evs, p, err := events(string(b) + "\n")
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 0 || len(p.fields) != 0 {
			t.Fatalf("comment %q dispatched %v, set %v", text, evs, p.fields)
		}
	})
}
