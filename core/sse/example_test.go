package sse_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/sse"
	"github.com/tophat-go/tophat/transports/pipe"
)

func ExampleAppendEvent() {
	b, _ := sse.AppendEvent(nil, sse.Event{ID: "42", Type: "greeting", Data: "hello\nworld"})
	fmt.Print(string(b))
	// Output:
	// id: 42
	// event: greeting
	// data: hello
	// data: world
}

// serveExample serves h on an in-process pipe and prints the body of one GET.
func serveExample(h core.Handler, header string) {
	l, _ := pipe.Listen("", nil)
	srv := &core.Server{Handler: h}
	done := make(chan struct{})
	go func() { srv.Serve(l); close(done) }()
	defer func() { srv.Shutdown(context.Background()); <-done }()

	client := l.Client()
	defer client.CloseIdleConnections()
	req, _ := http.NewRequest("GET", "http://example/events", nil)
	if header != "" {
		req.Header.Set("Last-Event-ID", header)
	}
	resp, err := client.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	fmt.Println(resp.Header.Get("Content-Type"))
	body, _ := io.ReadAll(resp.Body)
	fmt.Print(string(body))
}

func ExampleOpen() {
	countdown := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		s, err := sse.Open(req, w, nil)
		if err != nil {
			return w.SendString(500, err.Error())
		}
		// Resume after the last event the client saw.
		from := 3
		if id, err := strconv.Atoi(s.LastEventID()); err == nil {
			from = id - 1
		}
		for i := from; i > 0; i-- {
			select {
			case <-s.Done(): // client gone or server shutting down
				return s.Close()
			default:
			}
			s.Send(sse.Event{ID: strconv.Itoa(i), Data: strconv.Itoa(i) + "..."})
		}
		return s.Close()
	})
	serveExample(countdown, "3")
	// Output:
	// text/event-stream
	// id: 2
	// data: 2...
	//
	// id: 1
	// data: 1...
}

func ExampleBroadcaster() {
	subscribed := make(chan struct{})
	b, _ := sse.NewBroadcaster(&sse.BroadcasterConfig{
		OnOpen: func(s *sse.Stream) error { close(subscribed); return nil },
	})
	go func() {
		<-subscribed
		b.Publish(sse.Event{Type: "news", Data: "first"})
		b.Publish(sse.Event{Type: "news", Data: "second"})
		b.Close() // ends every stream once its queue is sent
	}()
	serveExample(b, "")
	// Output:
	// text/event-stream
	// event: news
	// data: first
	//
	// event: news
	// data: second
}
