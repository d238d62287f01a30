package bench

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/nethttp"
	"github.com/tophat-go/tophat/core/router"
	"github.com/valyala/fasthttp"
)

// getRequest is what a browser sends for a page: the head core's own
// BenchmarkServeKeepAlive replays.
const getRequest = "GET /plaintext HTTP/1.1\r\n" +
	"Host: localhost:8080\r\n" +
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/120.0\r\n" +
	"Accept: text/plain,text/html;q=0.9,*/*;q=0.8\r\n" +
	"Accept-Language: en-US,en;q=0.5\r\n" +
	"Accept-Encoding: gzip, deflate, br\r\n" +
	"Connection: keep-alive\r\n" +
	"\r\n"

// postBodySize is a small form or JSON upload: big enough that reading the
// body is part of the cost, small enough to arrive with its head.
const postBodySize = 1 << 10

var postRequest = "POST /submit HTTP/1.1\r\n" +
	"Host: localhost:8080\r\n" +
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/120.0\r\n" +
	"Accept: */*\r\n" +
	"Accept-Language: en-US,en;q=0.5\r\n" +
	"Accept-Encoding: gzip, deflate, br\r\n" +
	"Content-Type: application/octet-stream\r\n" +
	"Content-Length: 1024\r\n" +
	"Connection: keep-alive\r\n" +
	"\r\n" +
	strings.Repeat("x", postBodySize)

const (
	helloBody = "Hello, World!"
	// shortBody answers a POST whose body was not read whole; its length
	// differs from helloBody so verify's byte count catches it.
	shortBody = "body not read whole"
)

// A server serves every request on c until c ends, answering helloBody;
// with post it first reads each request's body whole.
type server struct {
	name  string
	serve func(c *memConn, post bool) error
}

// servers is the order benchmarks run in, so implementations alternate.
var servers = []server{
	{"tophat", serveTophat},
	{"tophat-router", serveTophatRouter},
	{"tophat-nethttp", serveTophatBridge},
	{"nethttp", serveNetHTTP},
	{"fasthttp", serveFasthttp},
}

// readAll reads r to its end through buf, without allocating, and returns
// how many bytes it read.
func readAll(r io.Reader, buf []byte) (int, error) {
	total := 0
	for {
		n, err := r.Read(buf)
		total += n
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

func serveTophat(c *memConn, post bool) error {
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		w.Header().Set("Content-Type", "text/plain")
		return w.SendString(200, helloBody)
	})
	if post {
		buf := make([]byte, 4<<10)
		h = func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
			w.Header().Set("Content-Type", "text/plain")
			if n, err := readAll(req.Body(), buf); n != postBodySize || err != nil {
				return w.SendString(400, shortBody)
			}
			return w.SendString(200, helloBody)
		}
	}
	return core.ServeConn(c, h, nil)
}

// serveTophatRouter is serveTophat's handler behind core/router, among a
// few other routes, as a service has them: the router's cost over a bare
// handler.
func serveTophatRouter(c *memConn, post bool) error {
	r := router.New()
	other := func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return w.SendString(404, "other")
	}
	r.HandleFunc("GET /users/{id}", other)
	r.HandleFunc("GET /users/{id}/posts", other)
	r.HandleFunc("POST /users", other)
	r.HandleFunc("GET /static/{path...}", other)
	buf := make([]byte, 4<<10)
	r.HandleFunc("GET /plaintext", func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		w.Header().Set("Content-Type", "text/plain")
		return w.SendString(200, helloBody)
	})
	r.HandleFunc("POST /submit", func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		w.Header().Set("Content-Type", "text/plain")
		if n, err := readAll(req.Body(), buf); n != postBodySize || err != nil {
			return w.SendString(400, shortBody)
		}
		return w.SendString(200, helloBody)
	})
	return core.ServeConn(c, r, nil)
}

// serveTophatBridge serves net/http's handler (the one serveNetHTTP runs)
// through core/nethttp: what a net/http handler costs on tophat.
func serveTophatBridge(c *memConn, post bool) error {
	return core.ServeConn(c, nethttp.Handler(netHTTPHandler(post)), nil)
}

func serveNetHTTP(c *memConn, post bool) error {
	srv := &http.Server{Handler: netHTTPHandler(post)}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(newOneShotListener(c)) }()
	<-c.closed
	srv.Close()
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// netHTTPHandler answers helloBody the net/http way; with post it first
// reads the request body whole.
func netHTTPHandler(post bool) http.Handler {
	body := []byte(helloBody)
	if !post {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.Write(body) //nolint:errcheck // memConn writes never fail
		})
	}
	buf := make([]byte, 4<<10)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		if n, err := readAll(r.Body, buf); n != postBodySize || err != nil {
			w.WriteHeader(400)
			io.WriteString(w, shortBody) //nolint:errcheck // memConn writes never fail
			return
		}
		w.Write(body) //nolint:errcheck // memConn writes never fail
	})
}

// serveFasthttp leaves fasthttp's defaults alone, as the others'; that
// includes its "Server: fasthttp" header, a few bytes more per response.
func serveFasthttp(c *memConn, post bool) error {
	h := func(ctx *fasthttp.RequestCtx) {
		ctx.SetContentType("text/plain")
		ctx.SetBodyString(helloBody)
	}
	if post {
		h = func(ctx *fasthttp.RequestCtx) {
			ctx.SetContentType("text/plain")
			if len(ctx.PostBody()) != postBodySize {
				ctx.SetStatusCode(400)
				ctx.SetBodyString(shortBody)
				return
			}
			ctx.SetBodyString(helloBody)
		}
	}
	srv := &fasthttp.Server{Handler: h}
	return srv.ServeConn(c)
}

// TestServersAnswer runs each benchmark's exchange for a few requests, so
// a plain go test catches a server that stopped answering correctly.
func TestServersAnswer(t *testing.T) {
	for _, sc := range scenarios {
		for _, s := range servers {
			t.Run(sc.name+"/"+s.name, func(t *testing.T) {
				const n = 5
				c := newMemConn(sc.request, n, min(sc.perRead, 2))
				if err := s.serve(c, sc.post); err != nil {
					t.Fatal(err)
				}
				if err := verify(c, n, helloBody); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

// TestVerifyCatchesShortBody makes sure a server that fails the POST check
// cannot pass verify.
func TestVerifyCatchesShortBody(t *testing.T) {
	truncated := strings.Replace(postRequest, "Content-Length: 1024", "Content-Length: 1000", 1)
	truncated = truncated[:len(truncated)-24]
	for _, s := range servers {
		t.Run(s.name, func(t *testing.T) {
			c := newMemConn(truncated, 3, 1)
			if err := s.serve(c, true); err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(c.captured, []byte("HTTP/1.1 400 ")) {
				t.Fatalf("first response %q, want a 400", c.captured)
			}
			if err := verify(c, 3, helloBody); !errors.Is(err, errBadResponse) {
				t.Fatalf("verify = %v, want errBadResponse", err)
			}
		})
	}
}
