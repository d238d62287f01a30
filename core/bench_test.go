package core_test

import (
	"io"
	"testing"

	"github.com/tophat-go/tophat/core"
)

// replayStream is an in-memory stream that sends the same request n times,
// one per Read, and discards what the server writes: it costs nearly
// nothing, so a benchmark over it measures the engine alone.
type replayStream struct {
	request []byte
	left    int
	written int64
}

func (s *replayStream) Read(p []byte) (int, error) {
	if s.left == 0 {
		return 0, io.EOF
	}
	s.left--
	return copy(p, s.request), nil
}

func (s *replayStream) Write(p []byte) (int, error) {
	s.written += int64(len(p))
	return len(p), nil
}

func (s *replayStream) Close() error { return nil }

const benchRequest = "GET /plaintext HTTP/1.1\r\n" +
	"Host: localhost:8080\r\n" +
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/120.0\r\n" +
	"Accept: text/plain,text/html;q=0.9,*/*;q=0.8\r\n" +
	"Accept-Language: en-US,en;q=0.5\r\n" +
	"Accept-Encoding: gzip, deflate, br\r\n" +
	"Connection: keep-alive\r\n" +
	"\r\n"

var hello = core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
	w.Header().Set("Content-Type", "text/plain")
	return w.SendString(200, "Hello, World!")
})

// BenchmarkServeKeepAlive serves one keep-alive request and response per
// iteration over an in-memory stream.
func BenchmarkServeKeepAlive(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchRequest)))
	s := &replayStream{request: []byte(benchRequest), left: b.N}
	b.ResetTimer()
	if err := core.ServeConn(s, hello, nil); err != nil {
		b.Fatal(err)
	}
	if s.written == 0 {
		b.Fatal("no response written")
	}
}
