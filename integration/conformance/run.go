package conformance

import (
	"log/slog"
	"net"
	"sync"

	"github.com/tophat-go/tophat/core"
)

// TophatOptions are the options the suite serves tophat with: the
// defaults, with the body limit every server under test shares.
func TophatOptions() core.Options {
	return core.Options{MaxBodyBytes: BodyLimit, ErrorLog: slog.New(slog.DiscardHandler)}
}

// RunAll plays every case with at most parallel connections at once and
// returns the outcomes in the order of cases.
func RunAll(dial func() (net.Conn, error), cases []Case, parallel int) []Outcome {
	out := make([]Outcome, len(cases))
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i := range cases {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			out[i] = Run(dial, &cases[i])
		})
	}
	wg.Wait()
	return out
}
