package conformance

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tophat-go/tophat/core"
)

var long = flag.Bool("long", false, "run the long form of the differential test (also TOPHAT_DIFF_LONG=1)")

// A seed is a valid exchange the differential test mutates: requests is
// how many requests its bytes hold, and framing lists the byte ranges
// (framing header lines and chunk lines) that are mutated.
type seed struct {
	name     string
	raw      string
	requests int
	framing  [][2]int
}

// newSeed marks as framing every line of raw that starts with one of
// prefixes (its CRLF included), and the empty line that ends the head.
func newSeed(name, raw string, requests int, prefixes ...string) seed {
	s := seed{name: name, raw: raw, requests: requests}
	at := 0
	for line := range strings.SplitAfterSeq(raw, "\n") {
		for _, p := range prefixes {
			if strings.HasPrefix(line, p) {
				s.framing = append(s.framing, [2]int{at, at + len(line)})
				break
			}
		}
		at += len(line)
	}
	return s
}

// seeds hold no bytes in their bodies that could parse as a request, so a
// one-byte mutation cannot turn them into more requests than they hold.
var seeds = []seed{
	newSeed("CL", "POST /p?q=1 HTTP/1.1\r\nHost: h\r\nX-A: b\r\nContent-Length: 5\r\n\r\nhello", 1, "Content-Length", "\r\n"),
	newSeed("chunked", "POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nX-A: b\r\n\r\n5;e=1\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n", 1,
		"Transfer-Encoding", "\r\n", "5;", "hello\r", "6\r", " world\r", "0\r", "X-T"),
	newSeed("CL then GET", "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabcGET /b HTTP/1.1\r\nHost: h\r\n\r\n", 2, "Content-Length", "\r\n", "abcGET"),
	newSeed("chunked then GET", "POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n", 2,
		"Transfer-Encoding", "\r\n", "3\r", "abc\r", "0\r"),
	newSeed("GET", "GET /g HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\n\r\n", 1, "GET", "Host", "Connection", "\r\n"),
	newSeed("HTTP/1.0", "POST /o HTTP/1.0\r\nContent-Length: 2\r\n\r\nok", 1, "POST", "Content-Length", "\r\n"),
}

// mutationBytes are inserted and substituted at every position of the
// framing: line ends, whitespace, separators, digits, hex letters, case,
// controls and non-ASCII.
var mutationBytes = []byte{0x00, '\t', '\n', '\v', '\f', '\r', ' ', '"', ',', '+', '-', '0', '1', '9', ':', ';', '=', 'A', 'a', 'f', 'g', 'x', 'E', 0x7f, 0x80, 0xff}

// shortBytes are the ones the short form uses.
var shortBytes = []byte{0x00, '\t', '\n', '\r', ' ', ',', '0', '9', ';', 'a', 'x', 0x7f}

type variant struct {
	seed seed
	what string
	raw  []byte
}

// variants returns the seed itself and every insertion, substitution and
// removal of one byte at every position of its framing ranges, each
// distinct byte string once.
func (s *seed) variants(alphabet []byte) []variant {
	out := []variant{{*s, "as is", []byte(s.raw)}}
	seen := map[string]bool{s.raw: true}
	add := func(v variant) {
		if !seen[string(v.raw)] {
			seen[string(v.raw)] = true
			out = append(out, v)
		}
	}
	for _, r := range s.framing {
		for p := r[0]; p <= r[1] && p <= len(s.raw); p++ {
			for _, b := range alphabet {
				raw := []byte(s.raw[:p] + string([]byte{b}) + s.raw[p:])
				add(variant{*s, fmt.Sprintf("insert %q at %d", b, p), raw})
				if p < r[1] && s.raw[p] != b {
					raw := []byte(s.raw[:p] + string([]byte{b}) + s.raw[p+1:])
					add(variant{*s, fmt.Sprintf("replace %d by %q", p, b), raw})
				}
			}
			if p < r[1] {
				raw := []byte(s.raw[:p] + s.raw[p+1:])
				add(variant{*s, fmt.Sprintf("remove %d", p), raw})
			}
		}
	}
	return out
}

// A reply is one response as the differential compares it.
type reply struct {
	status int
	echo   map[string][]string // echo lines by key; header lines normalized
}

// exchange sends raw on a fresh connection, half-closes it and reads
// every response until the server closes.
func exchange(addr string, raw []byte) ([]reply, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	conn.(*net.TCPConn).SetLinger(0) // no TIME_WAIT for thousands of connections
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Write(raw); err != nil {
		return nil, err
	}
	conn.(*net.TCPConn).CloseWrite()
	return readReplies(bufio.NewReader(conn))
}

func readReplies(br *bufio.Reader) ([]reply, error) {
	var out []reply
	for {
		if _, err := br.Peek(1); err == io.EOF {
			return out, nil
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			return out, err
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return out, err
		}
		out = append(out, reply{resp.StatusCode, parseEcho(string(body))})
		if resp.Close {
			return out, nil
		}
	}
}

// parseEcho reads an echo body. net/http keeps Host and Transfer-Encoding
// out of its header map, so those header lines are dropped for both
// servers; proto lines differ by design (tophat serves HTTP/1.x as 1.1).
func parseEcho(body string) map[string][]string {
	m := map[string][]string{}
	for line := range strings.Lines(body) {
		k, v, _ := strings.Cut(strings.TrimSuffix(line, "\n"), "=")
		switch {
		case k == "proto", k == "header host", k == "header transfer-encoding", strings.HasPrefix(k, "trailer "):
			continue
		}
		m[k] = append(m[k], v)
	}
	for _, v := range m {
		slices.Sort(v)
	}
	return m
}

func startNetHTTP(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: EchoNetHTTP(), ErrorLog: log.New(io.Discard, "", 0)}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	return ln.Addr().String()
}

func tcpAddr(dial func() (net.Conn, error)) string {
	c, err := dial()
	if err != nil {
		return ""
	}
	defer c.Close()
	return c.RemoteAddr().String()
}

// TestDifferential mutates the framing of each seed at every position and
// sends every variant to tophat and to net/http. Where both accept a
// request, they must agree on its method, target, host, header fields and
// body; tophat must never answer more requests than the seed holds, nor
// more than one error; and tophat's answers must not change when the bytes
// arrive in pieces split at every CR and LF.
func TestDifferential(t *testing.T) {
	// The short form mutates the framing with a few bytes; the long form
	// mutates every position of every seed with the whole alphabet.
	alphabet, whole := shortBytes, false
	if *long || os.Getenv("TOPHAT_DIFF_LONG") == "1" {
		alphabet, whole = mutationBytes, true
	}
	var all []variant
	for i := range seeds {
		s := seeds[i]
		if whole {
			s.framing = [][2]int{{0, len(s.raw)}}
		}
		all = append(all, s.variants(alphabet)...)
	}
	tophat := tcpAddr(startTophat(t, TophatOptions()))
	nethttp := startNetHTTP(t)

	type result struct {
		tophat, nethttp []reply
		terr, nerr      error
		split           string // a difference between whole and split delivery
	}
	results := make([]result, len(all))
	var wg sync.WaitGroup
	next := make(chan int)
	for range 8 {
		wg.Go(func() {
			for i := range next {
				r := &results[i]
				r.tophat, r.terr = exchange(tophat, all[i].raw)
				r.nethttp, r.nerr = exchange(nethttp, all[i].raw)
				r.split = splitDiffers(all[i].raw)
			}
		})
	}
	for i := range all {
		next <- i
	}
	close(next)
	wg.Wait()

	var bothAccepted, disagreements, overAnswered, splitDiffs, tophatAccepted, netAccepted, onlyTophat int
	report := func(v variant, format string, args ...any) {
		t.Errorf("%s, %s: %s\n%q", v.seed.name, v.what, fmt.Sprintf(format, args...), v.raw)
	}
	for i, v := range all {
		r := results[i]
		if r.terr != nil {
			report(v, "tophat: %v", r.terr)
			continue
		}
		if r.split != "" {
			splitDiffs++
			report(v, "tophat answers differently when the bytes come split at CR and LF: %s", r.split)
		}
		ok, errors := 0, 0
		for _, rep := range r.tophat {
			if rep.status < 400 {
				ok++
			} else {
				errors++
			}
		}
		if ok > v.seed.requests || errors > 1 || len(r.tophat) > v.seed.requests+1 {
			overAnswered++
			report(v, "tophat sent %d answers (%d errors) to %d requests", len(r.tophat), errors, v.seed.requests)
		}
		tophatOK := len(r.tophat) > 0 && r.tophat[0].status == 200
		netOK := r.nerr == nil && len(r.nethttp) > 0 && r.nethttp[0].status == 200
		if tophatOK {
			tophatAccepted++
		}
		if v.what == "as is" && strings.Count(serveBytes([][]byte{[]byte(v.seed.raw)}), " 200 OK\r\n") != v.seed.requests {
			report(v, "the seed is not served whole through ServeConn: the split comparison would be empty")
		}
		if v.what == "as is" && (!tophatOK || !netOK || len(r.tophat) != v.seed.requests) {
			report(v, "the seed itself is not served by both: tophat %v, net/http %v %v", r.tophat, r.nethttp, r.nerr)
		}
		// tophat is the stricter server: what it accepts, net/http accepts.
		if tophatOK && !netOK {
			onlyTophat++
			report(v, "tophat accepts what net/http refuses: net/http %v %v", r.nethttp, r.nerr)
		}
		if netOK {
			netAccepted++
		}
		if r.nerr != nil {
			continue
		}
		for j := 0; j < len(r.tophat) && j < len(r.nethttp); j++ {
			a, b := r.tophat[j], r.nethttp[j]
			if a.status != 200 || b.status != 200 {
				break
			}
			if j == 0 {
				bothAccepted++
			}
			if d := echoDiff(a.echo, b.echo); d != "" {
				disagreements++
				report(v, "request %d: tophat and net/http disagree: %s", j+1, d)
				break
			}
		}
	}
	if bothAccepted == 0 {
		t.Error("no variant was accepted by both servers: nothing was compared")
	}
	fmt.Printf("differential: %d variants of %d seeds; tophat accepts %d, net/http %d, both %d; %d disagreements, %d over-answered, %d split differences, %d accepted by tophat alone\n",
		len(all), len(seeds), tophatAccepted, netAccepted, bothAccepted, disagreements, overAnswered, splitDiffs, onlyTophat)
}

func echoDiff(a, b map[string][]string) string {
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var d []string
	for _, k := range keys {
		if !slices.Equal(a[k], b[k]) {
			d = append(d, fmt.Sprintf("%s: tophat %q, net/http %q", k, a[k], b[k]))
		}
	}
	return strings.Join(d, "; ")
}

// pieceStream is a stream whose reads return one piece at a time, then
// io.EOF, and whose writes are kept.
type pieceStream struct {
	pieces [][]byte
	out    bytes.Buffer
}

func (s *pieceStream) Read(p []byte) (int, error) {
	for len(s.pieces) > 0 && len(s.pieces[0]) == 0 {
		s.pieces = s.pieces[1:]
	}
	if len(s.pieces) == 0 {
		return 0, io.EOF
	}
	n := copy(p, s.pieces[0])
	s.pieces[0] = s.pieces[0][n:]
	return n, nil
}

func (s *pieceStream) Write(p []byte) (int, error) { return s.out.Write(p) }
func (s *pieceStream) Close() error                { return nil }

// serveBytes serves raw, delivered as pieces, with ServeConn and returns
// the responses with their Date fields taken out.
func serveBytes(pieces [][]byte) string {
	s := &pieceStream{pieces: pieces}
	opts := TophatOptions()
	core.ServeConn(s, EchoTophat(), &opts)
	var b strings.Builder
	for line := range strings.Lines(s.out.String()) {
		if !strings.HasPrefix(line, "Date: ") {
			b.WriteString(line)
		}
	}
	return b.String()
}

// splitAtLineBytes cuts raw before and after every CR and LF.
func splitAtLineBytes(raw []byte) [][]byte {
	var pieces [][]byte
	start := 0
	for i, c := range raw {
		if c == '\r' || c == '\n' {
			pieces = append(pieces, raw[start:i], raw[i:i+1])
			start = i + 1
		}
	}
	return append(pieces, raw[start:])
}

// splitDiffers serves raw whole and split at CR and LF, and describes the
// difference in tophat's answers, if any.
func splitDiffers(raw []byte) string {
	whole := serveBytes([][]byte{bytes.Clone(raw)})
	split := serveBytes(splitAtLineBytes(bytes.Clone(raw)))
	if whole != split {
		return fmt.Sprintf("whole %q, split %q", whole, split)
	}
	return ""
}
