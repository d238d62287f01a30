package bench

import "testing"

// pipelineDepth is how many requests arrive in one read in the pipelined
// benchmark: what a client that pipelines, or a proxy that batches, sends.
const pipelineDepth = 16

// A scenario is one kind of traffic, replayed over a memConn.
type scenario struct {
	name    string
	request string
	perRead int  // requests per Read
	post    bool // the handler reads the request body whole
}

var scenarios = []scenario{
	{"KeepAlive", getRequest, 1, false},
	{"PostKeepAlive", postRequest, 1, true},
	{"Pipelined", getRequest, pipelineDepth, false},
}

func benchScenario(b *testing.B, sc scenario) {
	for _, s := range servers {
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			c := newMemConn(sc.request, b.N, sc.perRead)
			b.ResetTimer()
			err := s.serve(c, sc.post)
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
			if err := verify(c, b.N, helloBody); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// BenchmarkKeepAlive serves one keep-alive GET and its "Hello, World!"
// per iteration, one request per read.
func BenchmarkKeepAlive(b *testing.B) { benchScenario(b, scenarios[0]) }

// BenchmarkPostKeepAlive serves one keep-alive POST whose 1 KiB body the
// handler reads whole, per iteration.
func BenchmarkPostKeepAlive(b *testing.B) { benchScenario(b, scenarios[1]) }

// BenchmarkPipelined serves keep-alive GETs that arrive pipelineDepth to a
// read; ns/op is still per request.
func BenchmarkPipelined(b *testing.B) { benchScenario(b, scenarios[2]) }
