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
	type seen struct {
		received, handlerStart, returned time.Time
		rw                               core.ResponseWritten
		keptReceived                     time.Time // the first request's, read during the second
	}
	results := make(chan seen, 2)
	var kept *core.Request // touched by the serving goroutine alone
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		s := seen{handlerStart: time.Now(), received: req.Received()}
		if kept != nil {
			s.keptReceived = kept.Received()
		}
		kept = req
		s.rw = w.SendString(200, "ok")
		s.returned = time.Now()
		results <- s
		return s.rw
	})
	x := serve(t, nil, h)
	before := time.Now()
	x.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	x.response("GET")
	first := <-results
	switch {
	case first.received.IsZero():
		t.Fatal("Received is zero inside the handler")
	case first.received.Before(before) || first.received.After(first.handlerStart):
		t.Errorf("received %v, want between the send %v and the handler's start %v", first.received, before, first.handlerStart)
	case first.received.Add(first.rw.Duration()).After(first.returned):
		t.Errorf("received + duration %v is after the handler returned %v", first.received.Add(first.rw.Duration()), first.returned)
	}
	x.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	x.response("GET")
	if second := <-results; !second.keptReceived.IsZero() {
		t.Errorf("the first request, its handler returned, still reports %v", second.keptReceived)
	}
}
