package prometheus

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/metrics"
	"github.com/tophat-go/tophat/core/nethttp"
)

// Handler returns a handler that serves the exposition of rec, of the Go
// runtime and of the process (the collectors promhttp.Handler serves
// from the default registry), from a registry of its own.
func Handler(rec *metrics.Recorder) core.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		NewCollector(rec),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return HandlerFor(reg)
}

// HandlerFor returns a handler that serves the exposition of g with
// promhttp, which negotiates the format and the compression with the
// scraper. It runs on the core through the nethttp bridge: a scrape costs
// what it costs on net/http.
func HandlerFor(g prometheus.Gatherer) core.Handler {
	return nethttp.Handler(promhttp.HandlerFor(g, promhttp.HandlerOpts{}))
}
