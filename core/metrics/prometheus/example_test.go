package prometheus_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/metrics"
	"github.com/tophat-go/tophat/core/metrics/prometheus"
	"github.com/tophat-go/tophat/core/router"
	"github.com/tophat-go/tophat/transports/pipe"
)

// A server that counts its requests and serves the counts at /metrics.
func Example() {
	rec, err := metrics.New(metrics.Config{})
	if err != nil {
		panic(err)
	}
	r := router.New()
	r.HandleFunc("GET /hello/{name}", func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return w.SendString(200, "hello "+req.PathValue("name"))
	})
	r.Handle("GET /metrics", prometheus.Handler(rec))
	srv := &core.Server{Handler: r}
	rec.Instrument(srv)

	ln, err := pipe.Listen("", nil)
	if err != nil {
		panic(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	defer func() {
		srv.Shutdown(context.Background())
		<-served
	}()
	client := ln.Client()
	defer client.CloseIdleConnections()
	get := func(path string) string {
		resp, err := client.Get("http://example" + path)
		if err != nil {
			panic(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	get("/hello/ada")
	get("/hello/grace")
	get("/nowhere")
	// A request is recorded once its handler returns, which can be just
	// after its client has the response: the scrape waits for the last one.
	for rec.Snapshot().InFlight > 0 {
		time.Sleep(time.Millisecond)
	}

	lines := bufio.NewScanner(strings.NewReader(get("/metrics")))
	for lines.Scan() {
		if strings.HasPrefix(lines.Text(), "tophat_http_requests_total") {
			fmt.Println(lines.Text())
		}
	}
	// Output:
	// tophat_http_requests_total{code="200",method="GET",route="GET /hello/{name}"} 2
	// tophat_http_requests_total{code="404",method="GET",route="unrouted"} 1
}
