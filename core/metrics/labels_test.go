package metrics_test

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/metrics"
	"github.com/tophat-go/tophat/transports/pipe"
)

type addrStream struct {
	io.ReadWriteCloser
	network string
}

func (s addrStream) LocalAddr() net.Addr { return fakeAddr(s.network) }

type fakeAddr string

func (a fakeAddr) Network() string { return string(a) }
func (a fakeAddr) String() string  { return "x" }

type tlsStream struct{ addrStream }

func (tlsStream) ConnectionState() tls.ConnectionState { return tls.ConnectionState{} }

func TestTransport(t *testing.T) {
	server, client := pipe.New(nil)
	defer server.Close()
	defer client.Close()
	cases := []struct {
		stream io.ReadWriteCloser
		want   string
	}{
		{server, "pipe"},
		{addrStream{server, "tcp"}, "tcp"},
		{addrStream{server, "tcp6"}, "tcp"},
		{addrStream{server, "unix"}, "unix"},
		{addrStream{server, "udp"}, "kcp"},
		{addrStream{server, "ip+net"}, "other"},
		{tlsStream{addrStream{server, "tcp"}}, "tls+tcp"},
		{tlsStream{addrStream{server, "unix"}}, "tls+unix"},
		{struct{ io.ReadWriteCloser }{server}, "other"},
	}
	for _, tc := range cases {
		if got := metrics.Transport(tc.stream); got != tc.want {
			t.Errorf("Transport(%T %v) = %q, want %q", tc.stream, tc.stream, got, tc.want)
		}
	}
}

func TestWriteCause(t *testing.T) {
	cases := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{core.ErrTimeout, "timeout"},
		{core.ErrContentLength, "misuse"},
		{fmt.Errorf("wrapped: %w", core.ErrInvalidHeader), "misuse"},
		{core.ErrHandlerPanic, "panic"},
		{core.ErrBodyTooLarge, "request_body"},
		{&net.OpError{Op: "write", Net: "tcp", Err: syscall.EPIPE}, "client_gone"},
		{core.ErrClientGone, "client_gone"},
		{errors.New("something"), "other"},
	}
	for _, tc := range cases {
		if got := metrics.WriteCause(tc.err); got != tc.want {
			t.Errorf("WriteCause(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestMethodAndRoute(t *testing.T) {
	ln, err := pipe.Listen("labels", nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		route := metrics.Route(req)
		req.SetPattern("GET /things/{id}")
		got = append(got, metrics.Method(req)+" "+route+" "+metrics.Route(req))
		return w.SendString(200, "")
	})
	srv := &core.Server{Handler: h}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	defer func() { srv.Close(); <-done }()
	client := ln.Client()
	defer client.CloseIdleConnections()
	for _, method := range []string{"GET", "PATCH", "BREW"} {
		req, _ := newRequest(method, "http://labels/things/7")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	want := []string{
		"GET unrouted GET /things/{id}",
		"PATCH unrouted GET /things/{id}",
		"_OTHER unrouted GET /things/{id}",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("labels %q, want %q", got, want)
	}
}
