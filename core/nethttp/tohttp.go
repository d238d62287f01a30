package nethttp

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"

	"github.com/tophat-go/tophat/core"
)

// HTTPHandler returns an http.Handler that serves every request with the
// tophat handler h, for a program moving to tophat that keeps its
// http.Server (or mounts tophat handlers under a ServeMux) for a while. opts
// configure the engine as for core.ServeConn (nil for the defaults); their
// BaseContext is replaced by each request's context.
//
// A tophat handler needs a real *core.Request and *core.ResponseWriter, and
// only the core's engine makes them, so each request runs the engine on an
// in-memory stream:
//
//	http.Request ──► HTTP/1.1 bytes ──► core.ServeConn ──► h
//	                 (body streamed,      (own goroutine)   │
//	                  chunked if unknown)                   ▼
//	http.ResponseWriter ◄── http.ReadResponse ◄── bytes the engine writes
//	                        (flushed whenever the engine's writes pause)
//
// The request head is written out again and parsed again, the response
// head likewise, a goroutine and a pipe carry the response, and the body
// crosses one extra copy: see BenchmarkHTTPHandler for the cost beside a plain
// net/http handler. Bodies stream both ways, and the engine's flushes reach
// the client, so server-sent events work.
//
// Limits: the handler sees HTTP/1.1 whatever the client spoke (HTTP/2 too);
// the engine's limits apply on top of the http.Server's; RemoteAddr, TLS and
// the local address come from the http.Request. Upgrade and Hijack need the
// client's connection, which the engine never has here: they are answered
// 501 Not Implemented (serve WebSocket routes with a net/http handler, or
// move them to a tophat server). 1xx responses other than 100 reach the
// client through WriteHeader.
func HTTPHandler(h core.Handler, opts *core.Options) http.Handler {
	var base core.Options
	if opts != nil {
		base = *opts
	}
	return &httpHandler{h: h, opts: base}
}

type httpHandler struct {
	h    core.Handler
	opts core.Options
}

func (hh *httpHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	opts := hh.opts
	opts.BaseContext = r.Context()
	pr, pw := io.Pipe()
	s := &stream{in: requestReader(r), out: pw}
	var rwc io.ReadWriteCloser = s
	if r.TLS != nil {
		rwc = &tlsStream{stream: s, state: *r.TLS}
	}
	s.remote = addrOf(r.RemoteAddr)
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		s.local = a
	}
	served := make(chan error, 1)
	go func() { served <- core.ServeConn(rwc, refuseUpgrades(hh.h), &opts) }()
	err := copyResponse(w, bufio.NewReader(pr), r)
	pr.CloseWithError(errResponseDone) // the engine's next write, if any, fails
	<-served
	if err != nil && !errors.Is(err, io.EOF) {
		// The head is out: net/http cuts the response off, so the client
		// sees a truncated body rather than a whole one.
		panic(http.ErrAbortHandler)
	}
}

var errResponseDone = errors.New("nethttp: response copied")

// refuseUpgrades answers 501 where h would upgrade or hijack: the engine's
// stream here is a pipe, not the client's connection.
func refuseUpgrades(h core.Handler) core.Handler {
	return core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		if req.WantsUpgrade() || req.Method() == "CONNECT" {
			return w.SendString(501, "nethttp: protocol upgrades need a tophat server\n")
		}
		return h.Serve(req, w)
	})
}

// copyResponse parses what the engine writes and replays it on w,
// interim responses included, flushing whenever the engine's output
// pauses so that streamed bodies stream.
func copyResponse(w http.ResponseWriter, br *bufio.Reader, r *http.Request) error {
	var resp *http.Response
	for {
		var err error
		resp, err = http.ReadResponse(br, r)
		if err != nil {
			http.Error(w, "tophat handler sent no valid response", http.StatusBadGateway)
			return nil
		}
		if resp.StatusCode >= 200 || resp.StatusCode == 101 {
			break
		}
		copyHeader(w.Header(), resp.Header)
		if resp.StatusCode != 100 {
			w.WriteHeader(resp.StatusCode)
		}
	}
	defer resp.Body.Close()
	copyHeader(w.Header(), resp.Header)
	if resp.ContentLength >= 0 && !hasTransferEncoding(resp) {
		w.Header().Set("Content-Length", strconv.FormatInt(resp.ContentLength, 10))
	}
	w.WriteHeader(resp.StatusCode)
	rc := http.NewResponseController(w)
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := (*bp)[:cap(*bp)]
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if br.Buffered() == 0 {
			rc.Flush() //nolint:errcheck // a failed flush fails the next write
		}
	}
	for k, vs := range resp.Trailer {
		for _, v := range vs {
			w.Header().Add(http.TrailerPrefix+k, v)
		}
	}
	return nil
}

func hasTransferEncoding(resp *http.Response) bool { return len(resp.TransferEncoding) > 0 }

// copyHeader copies the engine's fields to w, leaving out the framing and
// connection fields, which net/http decides for its own connection.
func copyHeader(dst, src http.Header) {
	for k, vs := range src {
		switch k {
		case "Connection", "Keep-Alive", "Transfer-Encoding", "Content-Length", "Trailer":
			continue
		}
		dst[k] = vs
	}
}

// requestReader returns the request as HTTP/1.1 bytes: its head, then its
// body (chunked when its length is unknown, with its trailers).
func requestReader(r *http.Request) io.Reader {
	var b strings.Builder
	target := r.RequestURI
	if target == "" {
		target = r.URL.RequestURI()
	}
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", r.Method, target, r.Host)
	for k, vs := range r.Header {
		switch k {
		case "Host", "Content-Length", "Transfer-Encoding", "Expect", "Trailer":
			// Framing is rewritten below; net/http has answered any Expect.
			continue
		}
		for _, v := range vs {
			b.WriteString(k)
			b.WriteString(": ")
			b.WriteString(v)
			b.WriteString("\r\n")
		}
	}
	var body io.Reader
	switch {
	case r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0:
	case r.ContentLength > 0:
		fmt.Fprintf(&b, "Content-Length: %d\r\n", r.ContentLength)
		body = io.LimitReader(r.Body, r.ContentLength)
	default:
		b.WriteString("Transfer-Encoding: chunked\r\n")
		body = &chunkedReader{body: r.Body, r: r}
	}
	b.WriteString("\r\n")
	head := strings.NewReader(b.String())
	if body == nil {
		return head
	}
	return io.MultiReader(head, body)
}

// chunkedReader encodes a body of unknown length with chunked framing,
// ending with the request's trailers.
type chunkedReader struct {
	body    io.Reader
	r       *http.Request
	pending []byte
	done    bool
}

func (c *chunkedReader) Read(p []byte) (int, error) {
	for len(c.pending) == 0 {
		if c.done {
			return 0, io.EOF
		}
		buf := make([]byte, 16<<10)
		n, err := c.body.Read(buf)
		if n > 0 {
			c.pending = fmt.Appendf(nil, "%x\r\n%s\r\n", n, buf[:n])
		}
		if err == io.EOF {
			c.done = true
			c.pending = append(c.pending, "0\r\n"...)
			for k, vs := range c.r.Trailer {
				for _, v := range vs {
					c.pending = fmt.Appendf(c.pending, "%s: %s\r\n", k, v)
				}
			}
			c.pending = append(c.pending, "\r\n"...)
		} else if err != nil {
			return 0, err
		}
	}
	n := copy(p, c.pending)
	c.pending = c.pending[n:]
	return n, nil
}

// stream is the engine's side of one request: it reads the request and
// writes into the pipe copyResponse reads. Reads end with io.EOF after the
// request, which ends ServeConn once the response is written.
type stream struct {
	in            io.Reader
	out           *io.PipeWriter
	remote, local net.Addr
	closeOnce     sync.Once
}

func (s *stream) Read(p []byte) (int, error)  { return s.in.Read(p) }
func (s *stream) Write(p []byte) (int, error) { return s.out.Write(p) }

func (s *stream) Close() error {
	s.closeOnce.Do(func() { s.out.Close() })
	return nil
}

// RemoteAddr and LocalAddr give the core the http.Request's addresses.
func (s *stream) RemoteAddr() net.Addr { return s.remote }
func (s *stream) LocalAddr() net.Addr  { return s.local }

// tlsStream is a stream whose request came over TLS: the core finds the
// state through ConnectionState, as on a tls.Conn.
type tlsStream struct {
	*stream
	state tls.ConnectionState
}

func (s *tlsStream) ConnectionState() tls.ConnectionState { return s.state }

// addrOf parses net/http's RemoteAddr ("ip:port"); anything else is
// kept as a string.
func addrOf(s string) net.Addr {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return net.TCPAddrFromAddrPort(ap)
	}
	if s == "" {
		return nil
	}
	return stringAddr(s)
}

type stringAddr string

func (a stringAddr) Network() string { return "http" }
func (a stringAddr) String() string  { return string(a) }

// The core looks for these by assertion.
var (
	_ interface{ RemoteAddr() net.Addr }                 = (*stream)(nil)
	_ interface{ ConnectionState() tls.ConnectionState } = (*tlsStream)(nil)
)
