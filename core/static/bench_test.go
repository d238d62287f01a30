package static_test

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"net/http"
	"strconv"
	"testing"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports/pipe"
)

// The benchmarks serve the same files with static and with net/http's
// FileServer, each over one kept-alive in-memory pipe, and read the
// responses with the same minimal client, so the difference is the
// server's. Allocations counted are the whole process's, client included.

// netListener adapts a pipe Listener to net.Listener for http.Server.
type netListener struct{ *pipe.Listener }

func (l netListener) Accept() (net.Conn, error) { return l.AcceptConn() }

// wireClient sends one request and reads one response over a kept-alive
// stream, without allocating per response.
type wireClient struct {
	conn    net.Conn
	r       *bufio.Reader
	request []byte
}

func dialBench(b *testing.B, name string, request string) *wireClient {
	conn, err := pipe.Dial(context.Background(), name, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close() })
	return &wireClient{conn: conn, r: bufio.NewReaderSize(conn, 64<<10), request: []byte(request)}
}

var contentLengthField = []byte("content-length:")

// roundTrip returns the status and body length of one exchange.
func (c *wireClient) roundTrip(b *testing.B) (status int, bodyLen int64) {
	if _, err := c.conn.Write(c.request); err != nil {
		b.Fatal(err)
	}
	length := int64(0)
	for first := true; ; first = false {
		line, err := c.r.ReadSlice('\n')
		if err != nil {
			b.Fatal(err)
		}
		if first {
			status, _ = strconv.Atoi(string(line[9:12]))
			continue
		}
		if len(line) <= 2 {
			break
		}
		if len(line) > len(contentLengthField) && bytes.EqualFold(line[:len(contentLengthField)], contentLengthField) {
			length, _ = strconv.ParseInt(string(bytes.TrimSpace(line[len(contentLengthField):])), 10, 64)
		}
	}
	if _, err := c.r.Discard(int(length)); err != nil {
		b.Fatal(err)
	}
	return status, length
}

func benchTophat(b *testing.B, request string, wantStatus int) {
	h := dirHandler(b, nil)
	l, err := pipe.Listen("", nil)
	if err != nil {
		b.Fatal(err)
	}
	srv := &core.Server{Handler: h}
	go srv.Serve(l)
	b.Cleanup(func() { srv.Close() })
	benchRoundTrips(b, dialBench(b, l.Addr().String(), request), wantStatus)
}

func benchNetHTTP(b *testing.B, request string, wantStatus int) {
	root := tree(b)
	l, err := pipe.Listen("", nil)
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: http.FileServer(http.Dir(root))}
	go srv.Serve(netListener{l})
	b.Cleanup(func() { srv.Close() })
	benchRoundTrips(b, dialBench(b, l.Addr().String(), request), wantStatus)
}

func benchRoundTrips(b *testing.B, c *wireClient, wantStatus int) {
	status, n := c.roundTrip(b)
	if status != wantStatus {
		b.Fatalf("status %d, want %d", status, wantStatus)
	}
	b.SetBytes(n)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		c.roundTrip(b)
	}
}

const (
	smallFile = "GET /hello.txt HTTP/1.1\r\nHost: bench\r\n\r\n"
	largeFile = "GET /data.bin HTTP/1.1\r\nHost: bench\r\n\r\n"
	rangeReq  = "GET /data.bin HTTP/1.1\r\nHost: bench\r\nRange: bytes=1000-4999\r\n\r\n"
	notMod    = "GET /hello.txt HTTP/1.1\r\nHost: bench\r\nIf-Modified-Since: Mon, 06 May 2024 07:08:09 GMT\r\n\r\n"
)

func BenchmarkSmallFile(b *testing.B) {
	b.Run("tophat", func(b *testing.B) { benchTophat(b, smallFile, 200) })
	b.Run("net-http", func(b *testing.B) { benchNetHTTP(b, smallFile, 200) })
}

func BenchmarkLargeFile(b *testing.B) {
	b.Run("tophat", func(b *testing.B) { benchTophat(b, largeFile, 200) })
	b.Run("net-http", func(b *testing.B) { benchNetHTTP(b, largeFile, 200) })
}

func BenchmarkRange(b *testing.B) {
	b.Run("tophat", func(b *testing.B) { benchTophat(b, rangeReq, 206) })
	b.Run("net-http", func(b *testing.B) { benchNetHTTP(b, rangeReq, 206) })
}

func BenchmarkNotModified(b *testing.B) {
	b.Run("tophat", func(b *testing.B) { benchTophat(b, notMod, 304) })
	b.Run("net-http", func(b *testing.B) { benchNetHTTP(b, notMod, 304) })
}
