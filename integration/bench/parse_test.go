package bench

import (
	"bufio"
	"net/http"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"
)

// Request parsing alone: the browser-like GET head, read from a buffered
// reader into each library's request type, with no handler and no
// response. tophat parses in place inside its serving loop and exports no
// parser, so its figure comes from core's own BenchmarkParse* when core has
// one (gobench.sh runs core's benchmarks beside these).
var parsers = []struct {
	name string
	// parse reads one request; with host it also returns its Host, which
	// the benchmark does not ask for (converting it may allocate).
	parse func(br *bufio.Reader, host bool) (string, error)
}{
	{"nethttp", func(br *bufio.Reader, _ bool) (string, error) {
		req, err := http.ReadRequest(br)
		if err != nil {
			return "", err
		}
		return req.Host, nil
	}},
	{"fasthttp", func() func(br *bufio.Reader, host bool) (string, error) {
		var req fasthttp.Request
		return func(br *bufio.Reader, host bool) (string, error) {
			req.Reset()
			if err := req.Read(br); err != nil || !host {
				return "", err
			}
			return string(req.Host()), nil
		}
	}()},
}

const wantHost = "localhost:8080"

func BenchmarkParse(b *testing.B) {
	for _, p := range parsers {
		b.Run(p.name, func(b *testing.B) {
			r := strings.NewReader(getRequest)
			br := bufio.NewReader(r)
			b.ReportAllocs()
			for b.Loop() {
				r.Reset(getRequest)
				br.Reset(r)
				if _, err := p.parse(br, false); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestParsers(t *testing.T) {
	for _, p := range parsers {
		host, err := p.parse(bufio.NewReader(strings.NewReader(getRequest)), true)
		if err != nil || host != wantHost {
			t.Errorf("%s: host %q, err %v", p.name, host, err)
		}
	}
}
