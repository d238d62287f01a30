package coretest

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/tophat-go/tophat/core"
)

// DefaultHost is the Host a Request carries when its Header sets none,
// the host httptest.NewRequest uses too.
const DefaultHost = "example.com"

// DefaultRemoteAddr is the peer address of a Request whose RemoteAddr is
// empty: an address from TEST-NET-1 (RFC 5737), never a real client.
const DefaultRemoteAddr = "192.0.2.1:1234"

// A Request is a request to serve with Serve. Its fields are written out
// as an HTTP/1.1 request; set them directly or start from NewRequest.
type Request struct {
	// Method is the request method; "" means GET.
	Method string
	// Target is the request-target as sent: "/path?query", an absolute URL,
	// "*" or host:port. "" means "/".
	Target string
	// Proto is "HTTP/1.1" (when empty) or "HTTP/1.0".
	Proto string
	// Header holds the header fields. Host defaults to DefaultHost, and
	// Content-Length is added for a body unless Header sets Content-Length
	// or Transfer-Encoding itself (to test how malformed framing is met).
	// Fields are written with Host first, then in name order.
	Header http.Header
	// Body is the request body.
	Body []byte
	// Chunked sends Body with chunked framing, followed by Trailer.
	Chunked bool
	// Trailer holds trailer fields sent after a chunked body.
	Trailer http.Header
	// RemoteAddr is the peer address the stream reports, "ip:port";
	// "" means DefaultRemoteAddr.
	RemoteAddr string
	// TLS, if set, is the TLS state the stream reports, so Request.TLS
	// returns it.
	TLS *tls.ConnectionState
	// Options configure the engine (nil for the defaults), as for
	// core.ServeConn.
	Options *core.Options
}

// NewRequest returns a Request for method and target with body (nil for
// none). The body is read at once; a body whose read fails is a mistake in
// the test, and NewRequest panics, as httptest.NewRequest does.
func NewRequest(method, target string, body io.Reader) *Request {
	r := &Request{Method: method, Target: target, Header: http.Header{}}
	if body != nil {
		b, err := io.ReadAll(body)
		if err != nil {
			panic("coretest: reading the request body: " + err.Error())
		}
		r.Body = b
	}
	return r
}

// A Response is what the engine wrote in answer to a Request.
type Response struct {
	// Status is the status code, 0 if no response could be parsed (the
	// handler hijacked the stream, or nothing was written).
	Status int
	// Proto is the protocol of the status line.
	Proto string
	// Header holds the header fields, including the Content-Length,
	// Transfer-Encoding and Date the engine set.
	Header http.Header
	// Body is the body, with chunked framing removed.
	Body []byte
	// Trailer holds the trailer fields of a chunked body.
	Trailer http.Header
	// Close reports that the response said Connection: close (which net/http's
	// parser takes out of Header) or was HTTP/1.0 without keep-alive.
	Close bool
	// Written is the receipt the handler returned; IsZero when the handler
	// never ran (the core rejected the request) or returned no response.
	Written core.ResponseWritten
	// Handled reports whether the handler was called.
	Handled bool
	// Raw is every byte the engine wrote, interim 1xx responses included.
	Raw []byte
	// Err is what core.ServeConn returned: nil, or a *core.ProtocolError
	// when the request was rejected.
	Err error
	// ParseErr says why Raw could not be parsed as a response, if it
	// could not.
	ParseErr error
}

// Serve serves r with h through core.ServeConn and returns what was
// written. It runs on the calling goroutine.
func (r *Request) Serve(h core.Handler) *Response {
	res := &Response{}
	capture := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		res.Handled = true
		res.Written = h.Serve(req, w)
		return res.Written
	})
	s := &stream{in: bytes.NewReader(r.wire()), remote: remoteAddr(r.RemoteAddr)}
	var rwc io.ReadWriteCloser = s
	if r.TLS != nil {
		rwc = &tlsStream{stream: s, state: *r.TLS}
	}
	res.Err = core.ServeConn(rwc, capture, r.Options)
	res.Raw = s.out.Bytes()
	res.ParseErr = res.parse(r.method())
	return res
}

// Serve is a shorthand for NewRequest(method, target, body).Serve(h).
func Serve(h core.Handler, method, target string, body io.Reader) *Response {
	return NewRequest(method, target, body).Serve(h)
}

func (r *Request) method() string {
	if r.Method == "" {
		return "GET"
	}
	return r.Method
}

// wire renders the request as HTTP/1.1 bytes.
func (r *Request) wire() []byte {
	var b bytes.Buffer
	target, proto := r.Target, r.Proto
	if target == "" {
		target = "/"
	}
	if proto == "" {
		proto = "HTTP/1.1"
	}
	fmt.Fprintf(&b, "%s %s %s\r\n", r.method(), target, proto)
	host, hasHost := r.Header["Host"]
	if !hasHost {
		host = []string{DefaultHost}
	}
	for _, v := range host {
		fmt.Fprintf(&b, "Host: %s\r\n", v)
	}
	writeFields(&b, r.Header, "Host")
	framed := r.Header.Get("Content-Length") != "" || r.Header.Get("Transfer-Encoding") != ""
	switch {
	case framed:
	case r.Chunked:
		b.WriteString("Transfer-Encoding: chunked\r\n")
	case len(r.Body) > 0:
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(r.Body))
	}
	b.WriteString("\r\n")
	if !r.Chunked {
		b.Write(r.Body)
		return b.Bytes()
	}
	if len(r.Body) > 0 {
		fmt.Fprintf(&b, "%x\r\n", len(r.Body))
		b.Write(r.Body)
		b.WriteString("\r\n")
	}
	b.WriteString("0\r\n")
	writeFields(&b, r.Trailer, "")
	b.WriteString("\r\n")
	return b.Bytes()
}

// writeFields writes h in name order (a map has none), leaving out skip.
func writeFields(b *bytes.Buffer, h http.Header, skip string) {
	names := make([]string, 0, len(h))
	for name := range h {
		if name != skip {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		for _, v := range h[name] {
			fmt.Fprintf(b, "%s: %s\r\n", name, v)
		}
	}
}

// parse reads the final response out of Raw, skipping interim 1xx
// responses (100 Continue), whose fields net/http would not return.
func (res *Response) parse(method string) error {
	br := bufio.NewReader(bytes.NewReader(res.Raw))
	if len(res.Raw) == 0 {
		return errors.New("coretest: nothing was written")
	}
	for {
		resp, err := http.ReadResponse(br, &http.Request{Method: method})
		if err != nil {
			return fmt.Errorf("coretest: parsing the response: %w", err)
		}
		if resp.StatusCode >= 100 && resp.StatusCode < 200 && resp.StatusCode != 101 {
			continue
		}
		body, err := io.ReadAll(resp.Body)
		res.Status, res.Proto, res.Header, res.Body = resp.StatusCode, resp.Proto, resp.Header, body
		res.Trailer, res.Close = resp.Trailer, resp.Close
		if err != nil {
			return fmt.Errorf("coretest: reading the response body: %w", err)
		}
		if resp.ContentLength >= 0 && !strings.EqualFold(method, "HEAD") && int64(len(body)) != resp.ContentLength {
			return fmt.Errorf("coretest: body of %d bytes, Content-Length %d", len(body), resp.ContentLength)
		}
		return nil
	}
}

// BodyString returns Body as a string.
func (res *Response) BodyString() string { return string(res.Body) }

// ContentLength returns the declared Content-Length, or -1 if none.
func (res *Response) ContentLength() int64 {
	n, err := strconv.ParseInt(res.Header.Get("Content-Length"), 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// stream is the in-memory connection: reads return the request's bytes,
// then io.EOF, which ends ServeConn once the response is written; writes
// are recorded.
type stream struct {
	in     *bytes.Reader
	out    bytes.Buffer
	remote net.Addr
}

func (s *stream) Read(p []byte) (int, error)  { return s.in.Read(p) }
func (s *stream) Write(p []byte) (int, error) { return s.out.Write(p) }
func (s *stream) Close() error                { return nil }
func (s *stream) RemoteAddr() net.Addr        { return s.remote }
func (s *stream) LocalAddr() net.Addr         { return localAddr }

// tlsStream is a stream that reports a TLS state, as a *tls.Conn does.
type tlsStream struct {
	*stream
	state tls.ConnectionState
}

func (s *tlsStream) ConnectionState() tls.ConnectionState { return s.state }

var localAddr = &net.TCPAddr{IP: net.IPv4(192, 0, 2, 2), Port: 80}

// remoteAddr parses addr as a TCP address; anything else is reported as
// given, as a Unix socket's peer name is.
func remoteAddr(addr string) net.Addr {
	if addr == "" {
		addr = DefaultRemoteAddr
	}
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return stringAddr(addr)
	}
	return net.TCPAddrFromAddrPort(ap)
}

type stringAddr string

func (a stringAddr) Network() string { return "test" }
func (a stringAddr) String() string  { return string(a) }
