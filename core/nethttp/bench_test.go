package nethttp_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"testing"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/nethttp"
	"github.com/tophat-go/tophat/transports/pipe"
)

// BenchmarkBridge measures one keep-alive request and response over the
// same in-memory connection, served three ways: a native core handler, the
// same answer from a net/http handler through the bridge, and that net/http
// handler on net/http's own server. The client side is the same hand-written
// reader in all three, which allocates nothing.
//
//	go test -run XXX -bench Bridge -benchmem ./core/nethttp/
func BenchmarkBridge(b *testing.B) {
	const body = "Hello, World!"
	native := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		w.Header().Set("Content-Type", "text/plain")
		return w.SendString(200, body)
	})
	std := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, body)
	})
	b.Run("native", func(b *testing.B) {
		benchConn(b, func(c net.Conn) func() {
			done := make(chan struct{})
			go func() { core.ServeConn(c, native, nil); close(done) }()
			return func() { <-done }
		})
	})
	b.Run("bridge", func(b *testing.B) {
		h := nethttp.Handler(std)
		benchConn(b, func(c net.Conn) func() {
			done := make(chan struct{})
			go func() { core.ServeConn(c, h, nil); close(done) }()
			return func() { <-done }
		})
	})
	b.Run("net-http", func(b *testing.B) {
		benchConn(b, func(c net.Conn) func() {
			srv := &http.Server{Handler: std}
			done := make(chan struct{})
			go func() { srv.Serve(&oneConnListener{conn: c}); close(done) }()
			return func() {
				srv.Shutdown(context.Background())
				<-done
			}
		})
	})
}

// BenchmarkHTTPHandler measures the other direction: net/http's server
// answering with a net/http handler, and with the same answer from a tophat
// handler through HTTPHandler, over the same in-memory connection.
//
//	go test -run XXX -bench HTTPHandler -benchmem ./core/nethttp/
func BenchmarkHTTPHandler(b *testing.B) {
	const body = "Hello, World!"
	native := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		w.Header().Set("Content-Type", "text/plain")
		return w.SendString(200, body)
	})
	std := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, body)
	})
	for _, c := range []struct {
		name string
		h    http.Handler
	}{{"net-http", std}, {"tophat-in-net-http", nethttp.HTTPHandler(native, nil)}} {
		b.Run(c.name, func(b *testing.B) {
			benchConn(b, func(conn net.Conn) func() {
				srv := &http.Server{Handler: c.h}
				done := make(chan struct{})
				go func() { srv.Serve(&oneConnListener{conn: conn}); close(done) }()
				return func() {
					srv.Shutdown(context.Background())
					<-done
				}
			})
		})
	}
}

// benchConn serves one pipe with start and sends b.N requests on it.
func benchConn(b *testing.B, start func(server net.Conn) (wait func())) {
	client, server := pipe.New(nil)
	wait := start(server)
	req := []byte("GET /hello HTTP/1.1\r\nHost: bench.test\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n")
	br := bufio.NewReaderSize(client, 4096)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := client.Write(req); err != nil {
			b.Fatal(err)
		}
		if err := readResponse(br); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	client.Close()
	wait()
}

// readResponse reads one response with a Content-Length body, without
// allocating.
func readResponse(br *bufio.Reader) error {
	n := -1
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(line) <= 2 {
			break
		}
		if v, ok := bytes.CutPrefix(line, []byte("Content-Length: ")); ok {
			n, err = strconv.Atoi(string(bytes.TrimSpace(v)))
			if err != nil {
				return err
			}
		}
	}
	if n < 0 {
		return io.ErrUnexpectedEOF
	}
	_, err := br.Discard(n)
	return err
}

// oneConnListener hands net/http's server one connection, then waits
// until closed.
type oneConnListener struct {
	conn   net.Conn
	once   sync.Once
	closed chan struct{}
	mu     sync.Mutex
}

func (l *oneConnListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	if l.closed == nil {
		l.closed = make(chan struct{})
	}
	closed := l.closed
	c := l.conn
	l.conn = nil
	l.mu.Unlock()
	if c != nil {
		return c, nil
	}
	<-closed
	return nil, net.ErrClosed
}

func (l *oneConnListener) Close() error {
	l.mu.Lock()
	if l.closed == nil {
		l.closed = make(chan struct{})
	}
	l.once.Do(func() { close(l.closed) })
	l.mu.Unlock()
	return nil
}

func (l *oneConnListener) Addr() net.Addr { return pipe.Addr("bench") }
