package metrics_test

import (
	"context"
	"fmt"
	"io"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/metrics"
	"github.com/tophat-go/tophat/core/router"
	"github.com/tophat-go/tophat/transports/pipe"
)

// Instrument puts a server under measure in one line; Snapshot is what
// an exporter reads when it is scraped.
func Example() {
	rec, err := metrics.New(metrics.Config{})
	if err != nil {
		panic(err)
	}
	r := router.New()
	r.HandleFunc("GET /hello/{name}", func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return w.SendString(200, "hello "+req.PathValue("name"))
	})
	srv := &core.Server{Handler: r}
	rec.Instrument(srv) // before Serve

	ln, err := pipe.Listen("", nil)
	if err != nil {
		panic(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	client := ln.Client()
	for _, path := range []string{"/hello/ada", "/hello/grace", "/nowhere"} {
		resp, err := client.Get("http://example" + path)
		if err != nil {
			panic(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	client.CloseIdleConnections()
	srv.Shutdown(context.Background()) // waits for every request to be recorded
	<-served

	snap := rec.Snapshot()
	for _, s := range snap.Requests {
		fmt.Printf("%s %q %d: %d requests, %d body bytes, %d times to first byte\n",
			s.Method, s.Route, s.Status, s.Count, s.BodyBytes, s.TimeToFirstByte.Count)
	}
	for _, s := range snap.Streams {
		fmt.Printf("%s: %d stream accepted, %d active, %d requests\n", s.Transport, s.Accepted, s.Active, s.Requests)
	}
	// Output:
	// GET "GET /hello/{name}" 200: 2 requests, 20 body bytes, 2 times to first byte
	// GET "unrouted" 404: 1 requests, 19 body bytes, 1 times to first byte
	// pipe: 1 stream accepted, 0 active, 3 requests
}
