package compare

import (
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/integration/conformance"
	"github.com/tophat-go/tophat/transports/tcp"
	"github.com/valyala/fasthttp"
)

// A server under test: a name and a dialer, served until the test ends.
type server struct {
	name string
	dial func() (net.Conn, error)
	// router: the server has a router for the router cases.
	router bool
}

func dialer(addr string) func() (net.Conn, error) {
	return func() (net.Conn, error) { return net.Dial("tcp", addr) }
}

func startTophat(t *testing.T) server {
	ln, err := tcp.Listen("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := &core.Server{Handler: conformance.EchoTophat(), Options: conformance.TophatOptions()}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close(); <-done })
	return server{"tophat", dialer(ln.Addr().String()), true}
}

func startNetHTTP(t *testing.T) server {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: conformance.EchoNetHTTP(), ErrorLog: log.New(io.Discard, "", 0)}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close(); <-done })
	return server{"net/http", dialer(ln.Addr().String()), true}
}

func startFasthttp(t *testing.T) server {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &fasthttp.Server{Handler: echoFasthttp, MaxRequestBodySize: conformance.BodyLimit, Logger: discard{}}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() { srv.Shutdown(); <-done })
	return server{"fasthttp", dialer(ln.Addr().String()), false}
}

type discard struct{}

func (discard) Printf(string, ...any) {}

// echoFasthttp is the echo format of package conformance for fasthttp,
// which has no router: the router cases do not count for it.
func echoFasthttp(ctx *fasthttp.RequestCtx) {
	var e conformance.Echo
	e.Line("method", string(ctx.Method()))
	e.Line("target", string(ctx.RequestURI()))
	e.Line("host", string(ctx.Host()))
	e.Line("proto", string(ctx.Request.Header.Protocol()))
	for name, value := range ctx.Request.Header.AllInOrder() {
		e.Field("header", string(name), string(value))
	}
	e.Body(ctx.PostBody())
	ctx.SetContentType("text/plain; charset=utf-8")
	ctx.SetBodyString(e.String())
}

// TestCompare plays every case against the three servers and prints the
// score of each, per group and in all. The table counts whole passes
// (Case.Check); the last lines also count answers alone (CheckAnswers),
// since net/http sends its own 400s without a Date field. It fails only if tophat fails a
// case that is not one of conformance.KnownFailures.
func TestCompare(t *testing.T) {
	servers := []server{startTophat(t), startNetHTTP(t), startFasthttp(t)}
	cases := conformance.Cases
	pass := make([][]bool, len(servers))
	answers := make([][]bool, len(servers))
	outcomes := make([][]conformance.Outcome, len(servers))
	for i, s := range servers {
		// Other servers stall on some cases; many at once keeps the run short.
		outcomes[i] = conformance.RunAll(s.dial, cases, 64)
		pass[i] = make([]bool, len(cases))
		answers[i] = make([]bool, len(cases))
		for j := range cases {
			pass[i][j] = cases[j].Check(outcomes[i][j]) == nil
			answers[i][j] = cases[j].CheckAnswers(outcomes[i][j]) == nil
		}
	}
	for j, c := range cases {
		if !pass[0][j] {
			if _, known := conformance.KnownFailures[c.Name]; !known {
				t.Errorf("tophat fails %q: %v", c.Name, c.Check(outcomes[0][j]))
			}
		}
	}

	var groups []string
	seen := map[string]bool{}
	for _, c := range cases {
		if !seen[c.Group] {
			seen[c.Group] = true
			groups = append(groups, c.Group)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-20s %6s", "group", "cases")
	for _, s := range servers {
		fmt.Fprintf(&b, " %10s", s.name)
	}
	b.WriteByte('\n')
	row := func(label string, in func(c *conformance.Case) bool) {
		n := 0
		counts := make([]int, len(servers))
		for j := range cases {
			if !in(&cases[j]) {
				continue
			}
			n++
			for i := range servers {
				if pass[i][j] {
					counts[i]++
				}
			}
		}
		fmt.Fprintf(&b, "%-20s %6d", label, n)
		for i, s := range servers {
			if !s.router && label == "router" {
				fmt.Fprintf(&b, " %10s", "n/a")
				continue
			}
			fmt.Fprintf(&b, " %10d", counts[i])
		}
		b.WriteByte('\n')
	}
	for _, g := range groups {
		row(g, func(c *conformance.Case) bool { return c.Group == g })
	}
	row("all", func(*conformance.Case) bool { return true })
	row("all but router", func(c *conformance.Case) bool { return !c.Router })
	fmt.Print(b.String())
	for i, s := range servers {
		n, a, total := 0, 0, 0
		for j, c := range cases {
			if c.Router && !s.router {
				continue
			}
			total++
			if pass[i][j] {
				n++
			}
			if answers[i][j] {
				a++
			}
		}
		fmt.Printf("conformance: %s: %d/%d cases pass (%d/%d counting statuses, echo and close alone)\n", s.name, n, total, a, total)
	}
	if testing.Verbose() {
		for j, c := range cases {
			var line []string
			for i, s := range servers[1:] {
				if !pass[i+1][j] && (s.router || !c.Router) {
					line = append(line, fmt.Sprintf("%s %v", s.name, outcomes[i+1][j]))
				}
			}
			if len(line) > 0 {
				t.Logf("%-50s want %s; %s", c.Name, wantOf(&c), strings.Join(line, "; "))
			}
		}
	}
}

func wantOf(c *conformance.Case) string {
	var s []string
	for _, a := range c.Want {
		s = append(s, fmt.Sprint(a.Status))
	}
	state := "open"
	if c.Close {
		state = "closed"
	}
	return "[" + strings.Join(s, " ") + "] " + state
}
