package compress_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/compress"
	"github.com/tophat-go/tophat/transports/pipe"
)

// The benchmarks serve the same bodies compressed by this package on
// tophat and by a hand-written gzip middleware of the usual kind (a pooled
// gzip.Writer behind an http.ResponseWriter wrapper) on net/http, each over
// one kept-alive in-memory pipe, read by the same minimal client that
// discards the bytes without decoding them. Allocations counted are the
// whole process's, client included.

// benchBody is a 16 KiB JSON-like body, a typical API response.
var benchBody = text(16 << 10)

// benchEvents are the events of a streamed response, one flush each.
var benchEvents = func() []string {
	ev := make([]string, 8)
	for i := range ev {
		ev[i] = "data: " + text(200) + "\n\n"
	}
	return ev
}()

func tophatBody(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
	w.Header().Set("Content-Type", "application/json")
	if req.Path() == "/events" {
		b := w.Begin(200)
		for _, ev := range benchEvents {
			b.WriteString(ev)
			b.Flush()
		}
		return b.Finish()
	}
	return w.SendString(200, benchBody)
}

func netHTTPBody(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.URL.Path == "/events" {
		for _, ev := range benchEvents {
			io.WriteString(w, ev)
			w.(http.Flusher).Flush()
		}
		return
	}
	io.WriteString(w, benchBody)
}

// gzipPool and gzipHandler are the net/http gzip middleware most services
// write by hand or take from a small library.
var gzipPool = sync.Pool{New: func() any { return gzip.NewWriter(io.Discard) }}

type gzipResponseWriter struct {
	http.ResponseWriter
	zw *gzip.Writer
}

func (g *gzipResponseWriter) Write(p []byte) (int, error) { return g.zw.Write(p) }

func (g *gzipResponseWriter) Flush() {
	g.zw.Flush()
	g.ResponseWriter.(http.Flusher).Flush()
}

func gzipHandler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Encoding", "gzip")
		h.Add("Vary", "Accept-Encoding")
		h.Del("Content-Length")
		zw := gzipPool.Get().(*gzip.Writer)
		zw.Reset(w)
		next.ServeHTTP(&gzipResponseWriter{w, zw}, r)
		zw.Close()
		gzipPool.Put(zw)
	})
}

// netListener adapts a pipe Listener to net.Listener for http.Server.
type netListener struct{ *pipe.Listener }

func (l netListener) Accept() (net.Conn, error) { return l.AcceptConn() }

// wireClient sends one request and reads one response over a kept-alive
// stream, discarding the body, without allocating per response.
type wireClient struct {
	conn    net.Conn
	r       *bufio.Reader
	request []byte
}

var (
	contentLengthField = []byte("content-length:")
	chunkedField       = []byte("transfer-encoding: chunked")
)

// roundTrip returns the status and the number of body bytes on the wire.
func (c *wireClient) roundTrip(b *testing.B) (status int, bodyLen int64) {
	if _, err := c.conn.Write(c.request); err != nil {
		b.Fatal(err)
	}
	length, chunked := int64(0), false
	for first := true; ; first = false {
		line, err := c.r.ReadSlice('\n')
		if err != nil {
			b.Fatal(err)
		}
		switch {
		case first:
			status, _ = strconv.Atoi(string(line[9:12]))
		case len(line) <= 2:
			if !chunked {
				if _, err := c.r.Discard(int(length)); err != nil {
					b.Fatal(err)
				}
				return status, length
			}
			return status, c.chunks(b)
		case len(line) >= len(chunkedField) && bytes.EqualFold(line[:len(chunkedField)], chunkedField):
			chunked = true
		case len(line) > len(contentLengthField) && bytes.EqualFold(line[:len(contentLengthField)], contentLengthField):
			length, _ = strconv.ParseInt(string(bytes.TrimSpace(line[len(contentLengthField):])), 10, 64)
		}
	}
}

// chunks discards a chunked body and returns its data's length.
func (c *wireClient) chunks(b *testing.B) int64 {
	var total int64
	for {
		line, err := c.r.ReadSlice('\n')
		if err != nil {
			b.Fatal(err)
		}
		size, err := strconv.ParseInt(string(bytes.TrimSpace(line)), 16, 64)
		if err != nil {
			b.Fatalf("chunk size %q", line)
		}
		if size == 0 {
			if _, err := c.r.Discard(2); err != nil { // no trailers: the final CRLF
				b.Fatal(err)
			}
			return total
		}
		if _, err := c.r.Discard(int(size) + 2); err != nil {
			b.Fatal(err)
		}
		total += size
	}
}

func benchTophat(b *testing.B, cfg compress.Config, path, accept string, size int) {
	mw, err := compress.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	l, err := pipe.Listen("", nil)
	if err != nil {
		b.Fatal(err)
	}
	srv := &core.Server{Handler: core.Chain(core.HandlerFunc(tophatBody), mw)}
	go srv.Serve(l)
	b.Cleanup(func() { srv.Close() })
	benchRoundTrips(b, l.Addr().String(), path, accept, size)
}

func benchNetHTTP(b *testing.B, path, accept string, size int) {
	l, err := pipe.Listen("", nil)
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: gzipHandler(http.HandlerFunc(netHTTPBody))}
	go srv.Serve(netListener{l})
	b.Cleanup(func() { srv.Close() })
	benchRoundTrips(b, l.Addr().String(), path, accept, size)
}

func benchRoundTrips(b *testing.B, name, path, accept string, size int) {
	conn, err := pipe.Dial(context.Background(), name, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close() })
	c := &wireClient{conn: conn, r: bufio.NewReaderSize(conn, 64<<10),
		request: []byte("GET " + path + " HTTP/1.1\r\nHost: bench\r\nAccept-Encoding: " + accept + "\r\n\r\n")}
	if status, n := c.roundTrip(b); status != 200 || n == 0 || n >= int64(size) {
		b.Fatalf("status %d, %d body bytes for %d: not compressed", status, n, size)
	}
	b.SetBytes(int64(size)) // the uncompressed size: MB/s of content served
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		c.roundTrip(b)
	}
}

// BenchmarkGzip compresses a 16 KiB body with gzip at its default level.
func BenchmarkGzip(b *testing.B) {
	b.Run("tophat", func(b *testing.B) { benchTophat(b, compress.Config{}, "/", "gzip", len(benchBody)) })
	b.Run("net-http", func(b *testing.B) { benchNetHTTP(b, "/", "gzip", len(benchBody)) })
}

// BenchmarkGzipStreamed streams eight events with a flush after each.
func BenchmarkGzipStreamed(b *testing.B) {
	size := 0
	for _, ev := range benchEvents {
		size += len(ev)
	}
	b.Run("tophat", func(b *testing.B) { benchTophat(b, compress.Config{}, "/events", "gzip", size) })
	b.Run("net-http", func(b *testing.B) { benchNetHTTP(b, "/events", "gzip", size) })
}

// BenchmarkEncodings compresses the 16 KiB body in each coding at its
// default level, as a browser's Accept-Encoding with one coding would get.
func BenchmarkEncodings(b *testing.B) {
	for _, enc := range encodings {
		b.Run(enc, func(b *testing.B) { benchTophat(b, compress.Config{}, "/", enc, len(benchBody)) })
	}
}
