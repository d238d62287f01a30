package metrics

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"

	"github.com/tophat-go/tophat/core"
)

// NoRoute is the route label of a request no router matched: a router's
// own 404 or 405, or every request of a server without a router. The raw
// path is never a label, so the number of label values stays bounded by
// the routes a program declares.
const NoRoute = "unrouted"

// OtherMethod is the method label of a method outside RFC 9110's and
// PATCH, the name OpenTelemetry's HTTP conventions use: a client sending
// random methods cannot grow the label set.
const OtherMethod = "_OTHER"

// Route returns the route label of req: the pattern its router recorded
// (such as "GET /users/{id}"), or NoRoute.
func Route(req *core.Request) string {
	if p := req.Pattern(); p != "" {
		return p
	}
	return NoRoute
}

// Method returns the method label of req: the method if it is one of GET,
// HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, TRACE and PATCH, else
// OtherMethod. It does not allocate.
func Method(req *core.Request) string {
	switch m := req.Method(); m {
	case "GET":
		return "GET"
	case "HEAD":
		return "HEAD"
	case "POST":
		return "POST"
	case "PUT":
		return "PUT"
	case "DELETE":
		return "DELETE"
	case "CONNECT":
		return "CONNECT"
	case "OPTIONS":
		return "OPTIONS"
	case "TRACE":
		return "TRACE"
	case "PATCH":
		return "PATCH"
	}
	return OtherMethod
}

// Transport returns the transport label of a stream, the scheme it would
// have in a transports address: "tcp", "unix", "kcp" (a stream over UDP),
// "pipe", with "tls+" in front when the stream is TLS; "other" when the
// stream does not say (no LocalAddr method).
func Transport(stream io.ReadWriteCloser) string {
	_, isTLS := stream.(interface{ ConnectionState() tls.ConnectionState })
	network := "other"
	if a, ok := stream.(interface{ LocalAddr() net.Addr }); ok {
		if addr := a.LocalAddr(); addr != nil {
			network = addr.Network()
		}
	}
	switch network {
	case "tcp", "tcp4", "tcp6":
		network = "tcp"
	case "unix", "unixpacket":
		network = "unix"
	case "udp", "udp4", "udp6":
		network = "kcp"
	case "pipe":
	default:
		network = "other"
	}
	if isTLS {
		return "tls+" + network
	}
	return network
}

// WriteCause returns the label of why a response did not go out whole,
// from its receipt's Err: "" for a complete response, "timeout" when a
// write timed out (the client stopped reading), "client_gone" when the
// stream failed (the client left), "misuse" when the handler broke the
// rules (ErrContentLength, ErrInvalidHeader, ErrBodyNotAllowed and the
// like), "panic" for a handler that panicked, "request_body" when the
// request body failed to arrive (a *core.ProtocolError: the core answered
// it or cut the response), "other" otherwise.
func WriteCause(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, core.ErrTimeout), errors.Is(err, os.ErrDeadlineExceeded):
		return "timeout"
	case errors.Is(err, core.ErrHandlerPanic):
		return "panic"
	case errors.Is(err, core.ErrContentLength), errors.Is(err, core.ErrInvalidHeader),
		errors.Is(err, core.ErrBodyNotAllowed), errors.Is(err, core.ErrInvalidStatus),
		errors.Is(err, core.ErrAlreadySent), errors.Is(err, core.ErrResponseOver),
		errors.Is(err, core.ErrNoResponse):
		return "misuse"
	case errors.As(err, new(*core.ProtocolError)):
		return "request_body"
	case errors.Is(err, core.ErrClientGone), errors.Is(err, io.ErrClosedPipe),
		errors.Is(err, net.ErrClosed), isNetError(err):
		return "client_gone"
	}
	return "other"
}

func isNetError(err error) bool {
	var ne net.Error
	var op *net.OpError
	return errors.As(err, &ne) || errors.As(err, &op)
}
