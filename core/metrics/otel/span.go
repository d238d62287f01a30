package tophatotel

import (
	"net"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/metrics"
)

// headerCarrier lets a propagator read a request's header fields where they
// lie: a value is copied only when the propagator asks for a field that is
// there (traceparent, tracestate, baggage).
type headerCarrier struct{ h *core.RequestHeader }

var (
	_ propagation.TextMapCarrier = headerCarrier{}
	_ propagation.ValuesGetter   = headerCarrier{}
)

func (c headerCarrier) Get(key string) string { return string(c.h.Peek(key)) }

// Values returns every field named key, for propagators that join them
// (baggage may come in several fields).
func (c headerCarrier) Values(key string) []string { return c.h.Values(key) }

// Set does nothing: a request's header is read-only.
func (headerCarrier) Set(string, string) {}

// Keys returns the names of the fields, for propagators that look for a
// prefix.
func (c headerCarrier) Keys() []string {
	keys := make([]string, 0, c.h.Len())
	for i := range c.h.Len() {
		name, _ := c.h.Field(i)
		keys = append(keys, string(name))
	}
	return keys
}

// requestAttributes are the attributes a span starts with, those a sampler
// may decide on: method, path, scheme, server and client addresses,
// protocol version and user agent.
func requestAttributes(req *core.Request, method string, tls bool) []attribute.KeyValue {
	attrs := make([]attribute.KeyValue, 0, 10)
	attrs = append(attrs, semconv.HTTPRequestMethodKey.String(method))
	if method == metrics.OtherMethod {
		attrs = append(attrs, semconv.HTTPRequestMethodOriginal(req.Method()))
	}
	if p := req.Path(); p != "" {
		attrs = append(attrs, semconv.URLPath(p))
	}
	attrs = append(attrs, scheme(tls), protocolVersion(req.ProtoMinor()))
	if host, port := splitHostPort(req.Host()); host != "" {
		attrs = append(attrs, semconv.ServerAddress(host))
		if port > 0 {
			attrs = append(attrs, semconv.ServerPort(port))
		}
	}
	if host, port := peer(req.RemoteAddr()); host != "" {
		attrs = append(attrs, semconv.ClientAddress(host))
		if port > 0 {
			attrs = append(attrs, semconv.ClientPort(port))
		}
	}
	if ua := req.Header().Peek("User-Agent"); len(ua) > 0 {
		attrs = append(attrs, semconv.UserAgentOriginal(string(ua)))
	}
	return attrs
}

// splitHostPort splits a Host value ("example.com", "example.com:8080",
// "[::1]:8080"); port is 0 when absent or malformed.
func splitHostPort(hostport string) (host string, port int) {
	if h, p, err := net.SplitHostPort(hostport); err == nil {
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 || n > 65535 {
			n = 0
		}
		return h, n
	}
	if len(hostport) > 1 && hostport[0] == '[' && hostport[len(hostport)-1] == ']' {
		return hostport[1 : len(hostport)-1], 0
	}
	return hostport, 0
}

// peer returns the client's address and port from a stream's RemoteAddr.
func peer(addr net.Addr) (host string, port int) {
	switch a := addr.(type) {
	case nil:
		return "", 0
	case *net.TCPAddr:
		return a.IP.String(), a.Port
	case *net.UDPAddr:
		return a.IP.String(), a.Port
	case *net.UnixAddr:
		return a.Name, 0 // usually "" or "@": the client socket is unnamed
	}
	return splitHostPort(addr.String())
}
