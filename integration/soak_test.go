package integration

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports/pipe"
)

// The soak: many requests over 256 kept-alive streams, pipelined in batches
// of mixed depth, with bodies of mixed sizes in both directions, some
// uploads chunked and some downloads streamed. Every response is checked
// byte for byte against its request, no request may fail, and goroutines and
// the live heap must not grow between the first and the last tenth.

const (
	soakConns    = 256
	maxSoakBody  = 64 << 10 // largest download
	maxSoakUload = 16 << 10 // largest upload
)

// soakTable holds every download: /gen?n=N&s=S is soakTable[S%256:][:N].
var soakTable = func() []byte {
	b := make([]byte, maxSoakBody+256)
	for i := range b {
		b[i] = byte(i*131 + i>>8)
	}
	return b
}()

func soakGen(n, s int) []byte { return soakTable[s%256:][:n] }

// soakHandler serves:
//
//	GET  /gen?n=N&s=S&id=I   soakGen(N, S); Content-Length for even S, streamed for odd
//	POST /echo?id=I          the body back
//
// and answers every request with X-Id: I.
func soakHandler() core.Handler {
	return core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		q := req.Query()
		w.Header().Set("X-Id", q.Get("id"))
		switch req.Path() {
		case "/gen":
			n, err1 := strconv.Atoi(q.Get("n"))
			s, err2 := strconv.Atoi(q.Get("s"))
			if err1 != nil || err2 != nil || n < 0 || n > maxSoakBody || s < 0 {
				return w.SendString(400, "bad n or s")
			}
			if s%2 == 0 {
				return w.Send(200, soakGen(n, s))
			}
			bw := w.Begin(200)
			body := soakGen(n, s)
			for len(body) > 0 {
				k := min(len(body), 1+s%9000)
				if _, err := bw.Write(body[:k]); err != nil {
					break
				}
				body = body[k:]
			}
			return bw.Finish()
		case "/echo":
			body, err := io.ReadAll(io.LimitReader(req.Body(), maxSoakUload+1))
			if err != nil {
				return w.SendString(400, err.Error())
			}
			return w.Send(200, body)
		}
		return w.SendString(404, "no route")
	})
}

// soakRequest is one request of a batch and what its response must be.
type soakRequest struct {
	id   string
	want []byte
}

// soakFigures are what one soak run measured.
type soakFigures struct {
	requests, errors        int64
	bytesIn, bytesOut       int64
	took                    time.Duration
	goroutines              [2]int    // at the first and the last tenth, every stream quiet
	heap                    [2]uint64 // live heap then
	depths                  [17]int64 // batches per pipelining depth
	chunkedUps, streamDowns int64
}

func soakTotal() int { return scale(20_000, 1_000_000) }

// TestSoak runs the soak over TCP and the in-memory pipe.
func TestSoak(t *testing.T) {
	needFiles(t, 4*soakConns+256)
	for _, r := range []row{{name: "tcp", listen: tcpEndpoint}, {name: "pipe", listen: pipeEndpoint}} {
		t.Run(r.name, func(t *testing.T) {
			ep := r.listen(t)
			srv := &core.Server{Handler: soakHandler()}
			served := make(chan error, 1)
			go func() { served <- srv.Serve(ep.ln) }()
			defer func() {
				ctx, cancel := context.WithTimeout(context.Background(), shutdownWait)
				defer cancel()
				if err := srv.Shutdown(ctx); err != nil {
					t.Errorf("Shutdown: %v", err)
					srv.Close()
				}
				<-served
			}()
			f := soak(t, ep, soakTotal())
			figure(t, "%d requests over %d streams in %v (%.0f req/s), %d errors; %d MiB up, %d MiB down; %d chunked uploads, %d streamed downloads; batches by depth %v",
				f.requests, soakConns, f.took.Round(time.Millisecond), float64(f.requests)/f.took.Seconds(), f.errors,
				f.bytesOut>>20, f.bytesIn>>20, f.chunkedUps, f.streamDowns, depthList(f.depths))
			figure(t, "goroutines %d at the first tenth, %d at the last; live heap %.1f MiB, %.1f MiB",
				f.goroutines[0], f.goroutines[1], float64(f.heap[0])/(1<<20), float64(f.heap[1])/(1<<20))
			if f.errors != 0 {
				t.Errorf("%d requests failed", f.errors)
			}
			if f.requests != int64(soakTotal()) {
				t.Errorf("%d requests answered, want %d", f.requests, soakTotal())
			}
			// The Server keeps up to 128 goroutines whose streams ended
			// waiting for new ones (see Server.Spawn); as streams come and
			// go more of them may be waiting by the last tenth.
			const waiting = 128
			if f.goroutines[1] > f.goroutines[0]+waiting+8 {
				t.Errorf("goroutines grew from %d to %d between the first and the last tenth", f.goroutines[0], f.goroutines[1])
			}
			// A pipe's buffers grow to their bound with the largest burst
			// and stay (as a socket's kernel buffers would, outside the
			// heap): over a short soak the last tenth may find more of
			// them grown. In the long form they are all grown by the first.
			slack := max(f.heap[0]/4, 4<<20)
			if r.name == "pipe" && !long() {
				slack += soakConns * 2 * pipe.DefaultBufferSize
			}
			if limit := f.heap[0] + slack; f.heap[1] > limit {
				t.Errorf("live heap grew from %d to %d bytes between the first and the last tenth", f.heap[0], f.heap[1])
			}
		})
	}
}

func depthList(d [17]int64) string {
	var b bytes.Buffer
	for i, n := range d {
		if n > 0 {
			fmt.Fprintf(&b, "%d:%d ", i, n)
		}
	}
	return string(bytes.TrimSpace(b.Bytes()))
}

// soak sends total requests over soakConns streams of ep.
func soak(t *testing.T, ep *endpoint, total int) *soakFigures {
	f := &soakFigures{}
	var done atomic.Int64
	// Streams claim batches from one count, so all of them stay busy
	// until the last batch is claimed. When the claims reach the first and
	// the last tenth, every stream stops at its next claim (its batches all
	// answered), and with the server quiet and every stream still open,
	// goroutines and the live heap are measured; then the soak resumes.
	var claimed atomic.Int64
	g := &soakGate{marks: []int64{int64(total) / 10, int64(total) * 9 / 10}, active: soakConns}
	g.cond = sync.NewCond(&g.mu)
	claim := func(d int) int {
		g.mu.Lock()
		for g.paused {
			g.waiting++
			g.cond.Broadcast()
			g.cond.Wait()
			g.waiting--
		}
		start := claimed.Add(int64(d)) - int64(d)
		for len(g.marks) > 0 && start+int64(d) >= g.marks[0] {
			g.marks = g.marks[1:]
			g.paused = true // the sampler waits for every stream to stop
			g.pauses++
		}
		g.mu.Unlock()
		return int(max(0, min(int64(d), int64(total)-start)))
	}
	var samples []sample
	var sampler sync.WaitGroup
	sampler.Go(func() {
		for taken := 0; taken < 2; {
			g.mu.Lock()
			for !g.paused || g.waiting < g.active {
				if g.quit {
					g.mu.Unlock()
					return
				}
				g.cond.Wait()
			}
			g.mu.Unlock()
			time.Sleep(2 * bufferHold) // idle streams give their buffers back
			s := sample{goroutines: runtime.NumGoroutine(), heap: liveBytes()}
			samples = append(samples, s)
			taken++
			g.mu.Lock()
			if g.pauses == taken {
				g.paused = false
			}
			g.cond.Broadcast()
			g.mu.Unlock()
		}
	})

	// Each stream is dialed just before its first batch: a stream left
	// silent for ReadHeaderTimeout is rightly closed by the server.
	conns := make([]net.Conn, soakConns)
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	begin := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i := range conns {
		wg.Go(func() {
			defer g.leave()
			ctx, cancel := context.WithTimeout(context.Background(), smallTimeout)
			c, err := ep.dial(ctx)
			cancel()
			if err != nil {
				t.Errorf("dial stream %d: %v", i, err)
				mu.Lock()
				f.errors++
				mu.Unlock()
				return
			}
			conns[i] = c
			cf := soakConn(t, c, i, claim, &done)
			mu.Lock()
			defer mu.Unlock()
			f.requests += cf.requests
			f.errors += cf.errors
			f.bytesIn += cf.bytesIn
			f.bytesOut += cf.bytesOut
			f.chunkedUps += cf.chunkedUps
			f.streamDowns += cf.streamDowns
			for d, n := range cf.depths {
				f.depths[d] += n
			}
		})
	}
	wg.Wait()
	f.took = time.Since(begin)
	// A stream that failed never stops at the gate: release the sampler.
	g.mu.Lock()
	g.quit = true
	g.cond.Broadcast()
	g.mu.Unlock()
	sampler.Wait()
	if len(samples) != 2 {
		t.Errorf("took %d quiet samples, want 2", len(samples))
		return f
	}
	for i, s := range samples {
		f.goroutines[i], f.heap[i] = s.goroutines, s.heap
	}
	return f
}

type sample struct {
	goroutines int
	heap       uint64
}

// A soakGate stops every stream at its next claim while the sampler
// measures.
type soakGate struct {
	mu      sync.Mutex
	cond    *sync.Cond
	marks   []int64 // claim counts that call for a sample
	paused  bool    // streams wait at their next claim
	pauses  int     // samples asked for so far
	waiting int     // streams waiting
	active  int     // streams that have not ended
	quit    bool    // the soak is over: the sampler stops
}

// leave is called when a stream ends, so that the sampler does not wait
// for a stream that failed.
func (g *soakGate) leave() {
	g.mu.Lock()
	g.active--
	g.cond.Broadcast()
	g.mu.Unlock()
}

// bufferHold is the core's wait before an idle stream gives its buffers
// back to the pool (bufferHoldTime, 200 ms).
const bufferHold = 200 * time.Millisecond

var soakDepths = []int{1, 1, 1, 2, 3, 4, 8, 16}

// soakConn sends requests on c, as many as claim grants, in pipelined
// batches: a writer goroutine
// makes each batch and sends it in one write while this one reads and
// checks the responses, and the next batch leaves when the last one is
// answered.
func soakConn(t *testing.T, c net.Conn, connID int, claim func(int) int, done *atomic.Int64) *soakFigures {
	f := &soakFigures{}
	batches := make(chan []soakRequest)
	answered := make(chan struct{}, 1)
	quit := make(chan struct{})
	var writeErr error // read after writer.Wait
	var writer sync.WaitGroup
	var out soakFigures // the writer's counts, read after writer.Wait
	writer.Go(func() {
		defer close(batches)
		rng := rand.New(rand.NewPCG(uint64(connID), 7))
		seq := 0
		for {
			d := claim(soakDepths[rng.IntN(len(soakDepths))])
			if d == 0 {
				return
			}
			out.depths[d]++
			// A fresh buffer per batch: one kept would grow to the
			// largest batch and look like the server's heap growing.
			var buf bytes.Buffer
			reqs := make([]soakRequest, d)
			for k := range reqs {
				seq++
				reqs[k].id = fmt.Sprintf("%d-%d", connID, seq)
				reqs[k].want = soakRequestBytes(&buf, rng, reqs[k].id, &out)
			}
			out.bytesOut += int64(buf.Len())
			select {
			case batches <- reqs:
			case <-quit:
				return
			}
			if _, err := c.Write(buf.Bytes()); err != nil {
				writeErr = err
				return
			}
			select {
			case <-answered:
			case <-quit:
				return
			}
		}
	})
	br := bufio.NewReaderSize(c, 16<<10)
	fail := func(format string, args ...any) {
		f.errors++
		if f.errors <= 3 {
			t.Errorf("stream %d: "+format, append([]any{connID}, args...)...)
		}
	}
	for reqs := range batches {
		_ = c.SetReadDeadline(time.Now().Add(smallTimeout))
		for _, r := range reqs {
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				close(quit)
				c.Close()
				writer.Wait()
				fail("request %s: %v (write: %v)", r.id, err, writeErr)
				return f
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			f.bytesIn += int64(len(body))
			switch {
			case err != nil:
				fail("request %s body: %v", r.id, err)
			case resp.StatusCode != 200 || resp.Header.Get("X-Id") != r.id:
				fail("request %s: status %d, X-Id %q", r.id, resp.StatusCode, resp.Header.Get("X-Id"))
			case !bytes.Equal(body, r.want):
				fail("request %s: %d body bytes differ from the %d expected", r.id, len(body), len(r.want))
			default:
				f.requests++
				done.Add(1)
			}
		}
		answered <- struct{}{}
	}
	writer.Wait()
	if writeErr != nil {
		fail("write: %v", writeErr)
	}
	f.depths, f.bytesOut, f.chunkedUps, f.streamDowns = out.depths, out.bytesOut, out.chunkedUps, out.streamDowns
	return f
}

// soakRequestBytes appends one random request to buf, counts its kind in
// f, and returns the body its response must carry.
func soakRequestBytes(buf *bytes.Buffer, rng *rand.Rand, id string, f *soakFigures) []byte {
	switch kind := rng.IntN(20); {
	case kind < 12: // download
		size := soakSize(rng, maxSoakBody)
		s := rng.IntN(1 << 20)
		if s%2 == 1 {
			f.streamDowns++
		}
		fmt.Fprintf(buf, "GET /gen?n=%d&s=%d&id=%s HTTP/1.1\r\nHost: soak\r\n\r\n", size, s, id)
		return soakGen(size, s)
	case kind < 17: // upload with Content-Length
		body := soakGen(soakSize(rng, maxSoakUload), rng.IntN(256))
		fmt.Fprintf(buf, "POST /echo?id=%s HTTP/1.1\r\nHost: soak\r\nContent-Length: %d\r\n\r\n", id, len(body))
		buf.Write(body)
		return body
	default: // chunked upload in random pieces
		f.chunkedUps++
		body := soakGen(soakSize(rng, maxSoakUload), rng.IntN(256))
		fmt.Fprintf(buf, "POST /echo?id=%s HTTP/1.1\r\nHost: soak\r\nTransfer-Encoding: chunked\r\n\r\n", id)
		for rest := body; len(rest) > 0; {
			k := min(len(rest), 1+rng.IntN(4096))
			fmt.Fprintf(buf, "%x\r\n", k)
			buf.Write(rest[:k])
			buf.WriteString("\r\n")
			rest = rest[k:]
		}
		buf.WriteString("0\r\n\r\n")
		return body
	}
}

// soakSize picks a body size: mostly small, sometimes empty, sometimes up
// to limit.
func soakSize(rng *rand.Rand, limit int) int {
	switch rng.IntN(10) {
	case 0:
		return 0
	case 1, 2:
		return rng.IntN(limit + 1)
	default:
		return rng.IntN(512)
	}
}
