package core_test

import (
	"testing"
	"time"

	"github.com/tophat-go/tophat/core"
)

// TestReceivedPlacesTheReceiptOnTheClock checks that Request.Received is
// the instant the receipt's times count from: before the handler ran,
// with Received + Duration no later than the handler's return, and zero
// once the handler returned.
func TestReceivedPlacesTheReceiptOnTheClock(t *testing.T) {
	var kept *core.Request
	var received, handlerStart, returned time.Time
	var rw core.ResponseWritten
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		handlerStart = time.Now()
		received = req.Received()
		kept = req
		rw = w.SendString(200, "ok")
		returned = time.Now()
		return rw
	})
	x := serve(t, nil, h)
	before := time.Now()
	x.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	x.response("GET")
	switch {
	case received.IsZero():
		t.Fatal("Received is zero inside the handler")
	case received.Before(before) || received.After(handlerStart):
		t.Errorf("received %v, want between the send %v and the handler's start %v", received, before, handlerStart)
	case received.Add(rw.Duration()).After(returned):
		t.Errorf("received + duration %v is after the handler returned %v", received.Add(rw.Duration()), returned)
	}
	x.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n") // the handler of the first has certainly returned
	x.response("GET")
	if got := kept.Received(); !got.IsZero() {
		t.Errorf("a dead request still reports %v", got)
	}
}
