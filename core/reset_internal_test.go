package core

import (
	"context"
	"errors"
	"io"
	"reflect"
	"testing"
)

// TestResetClearsEveryField: Request.reset and ResponseWriter.reset clear
// their structs field by field, so a field added later and forgotten there
// would carry one request's state into the next. Every field is set here,
// and the field counts make adding one fail until it is added here (and,
// most likely, to reset).
func TestResetClearsEveryField(t *testing.T) {
	if n := reflect.TypeOf(ResponseWriter{}).NumField(); n != 29 {
		t.Fatalf("ResponseWriter has %d fields: clear the new one in reset and set it here", n)
	}
	if n := reflect.TypeOf(Request{}).NumField(); n != 24 {
		t.Fatalf("Request has %d fields: clear the new one in reset and set it here", n)
	}
	s := newSlot(new(slot))
	buf := []byte("GET /p?q HTTP/1.1")

	w := &s.w
	w.header.Set("A", "b")
	w.trailer.Set("C", "d")
	w.state, w.seq, w.status, w.framing, w.declared, w.noBody, w.pending = writerDone, 9, 200, framingChunked, 5, true, 3
	w.headEnd, w.headLeft, w.bodyLeft, w.onWire, w.headBytes, w.bodyBytes = 4, 5, 6, true, 7, 8
	w.ttfb, w.ttlb, w.timed, w.err = 1, 2, true, errors.New("x")
	w.writeFailed, w.buffered, w.whole, w.closing, w.userConnection = true, true, true, true, true
	w.body.w = nil
	w.filter = func(int, *Header, int64, io.Writer) io.WriteCloser { return nil }
	w.fw, w.raw.w = nopCloser{}, w
	w.reset(10)
	want := ResponseWriter{s: s, header: w.header, trailer: w.trailer, seq: 10, declared: -1, pending: -1, headEnd: -1}
	want.body.w = w
	if w.header.Len() != 0 || w.trailer.Len() != 0 {
		t.Error("reset kept the response's header or trailer fields")
	}
	w.filter = nil // funcs do not compare
	if !reflect.DeepEqual(*w, want) {
		t.Errorf("reset left\n%+v\nwant\n%+v", *w, want)
	}

	r := &s.req
	r.method, r.target, r.path, r.rawQuery, r.host = buf[:3], buf[4:8], buf[4:6], buf[7:8], buf[:1]
	r.form, r.minor, r.contentLength = AbsoluteForm, 1, 5
	r.header.src = buf
	r.header.add(0, 3, 4, 8)
	trailer := r.trailerTable()
	trailer.src = buf
	trailer.add(0, 3, 4, 8)
	r.chunked, r.closeAfter, r.keepAlive10, r.expectContinue, r.upgrade = true, true, true, true, true
	r.body.s = nil
	r.methodString, r.pathString, r.query = "GET", "/p", map[string][]string{"q": nil}
	r.ctx, r.cancel = context.Background(), func(error) {}
	r.pattern, r.pathValues = "/p", append(r.pathValues, pathValue{"a", "b"})
	r.reset()
	if r.header.Len() != 0 || r.Trailer().Len() != 0 || len(r.pathValues) != 0 ||
		r.header.src != nil || r.trailer != trailer || trailer.src != nil {
		t.Error("reset kept request header, trailer or path values, or dropped the trailer table")
	}
	if r.cancel != nil {
		t.Error("reset kept the cancel func")
	}
	wantReq := Request{s: s, header: r.header, trailer: trailer, body: Body{s: s}, pathValues: r.pathValues}
	if !reflect.DeepEqual(*r, wantReq) {
		t.Errorf("reset left\n%+v\nwant\n%+v", *r, wantReq)
	}
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }
