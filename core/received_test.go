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

// TestPipelinedRequestCountsFromThePreviousResponse: a request whose head
// was buffered whole behind the previous response counts from the moment
// that response was done (its wait behind it included), which costs no
// clock read; one that arrives later counts from its arrival.
func TestPipelinedRequestCountsFromThePreviousResponse(t *testing.T) {
	type seen struct {
		received time.Time
		rw       core.ResponseWritten
	}
	results := make(chan seen, 3)
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		rw := w.SendString(200, "ok")
		results <- seen{req.Received(), rw}
		return rw
	})
	x := serve(t, nil, h)
	x.send("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n")
	x.response("GET")
	x.response("GET")
	first, second := <-results, <-results
	if !first.rw.Buffered() {
		t.Fatal("the first response did not wait for the pipelined one behind it")
	}
	if done := first.received.Add(first.rw.Duration()); !second.received.Equal(done) {
		t.Errorf("the pipelined request was received at %v, want %v, when the response before it was done",
			second.received, done)
	}
	time.Sleep(10 * time.Millisecond)
	sent := time.Now()
	x.send("GET /3 HTTP/1.1\r\nHost: x\r\n\r\n")
	x.response("GET")
	if third := <-results; third.received.Before(sent) {
		t.Errorf("a request sent at %v was received at %v, before it was sent", sent, third.received)
	}
}
