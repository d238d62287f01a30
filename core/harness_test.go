package core_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports/pipe"
)

// exchange drives one stream served by core.ServeConn with raw bytes and
// reads what comes back with net/http's response parser.
type exchange struct {
	t      *testing.T
	client *pipe.Conn
	br     *bufio.Reader
	done   chan error
}

func serve(t *testing.T, opts *core.Options, h core.Handler) *exchange {
	t.Helper()
	server, client := pipe.New(nil)
	return serveStream(t, opts, h, server, client)
}

func serveStream(t *testing.T, opts *core.Options, h core.Handler, server interface {
	Read([]byte) (int, error)
	Write([]byte) (int, error)
	Close() error
}, client *pipe.Conn) *exchange {
	x := &exchange{t: t, client: client, br: bufio.NewReader(client), done: make(chan error, 1)}
	go func() { x.done <- core.ServeConn(server, h, opts) }()
	t.Cleanup(func() {
		client.Close()
		select {
		case <-x.done:
		case <-time.After(10 * time.Second):
			t.Error("ServeConn did not return after the client closed")
		}
	})
	return x
}

func (x *exchange) send(raw string) {
	x.t.Helper()
	if _, err := io.WriteString(x.client, raw); err != nil {
		x.t.Fatalf("send: %v", err)
	}
}

// response reads one response and its whole body.
type response struct {
	*http.Response
	body string
}

func (x *exchange) response(method string) response {
	x.t.Helper()
	x.client.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(x.br, &http.Request{Method: method})
	if err != nil {
		x.t.Fatalf("reading response: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		x.t.Fatalf("reading response body: %v", err)
	}
	return response{resp, string(body)}
}

// expectClosed checks that the server closes the stream after what was read.
func (x *exchange) expectClosed() {
	x.t.Helper()
	x.client.SetReadDeadline(time.Now().Add(10 * time.Second))
	extra, err := io.ReadAll(x.br)
	if err != nil {
		x.t.Fatalf("stream not closed: %v", err)
	}
	if len(extra) > 0 {
		x.t.Fatalf("unexpected bytes before close: %q", extra)
	}
}

// expectOpen checks that the server keeps the stream open and quiet.
func (x *exchange) expectOpen() {
	x.t.Helper()
	x.client.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	b, err := x.br.Peek(1)
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		x.t.Fatalf("stream not open and quiet: read %q, %v", b, err)
	}
}

// result closes the client end and returns what ServeConn returned.
func (x *exchange) result() error {
	x.t.Helper()
	x.client.Close()
	select {
	case err := <-x.done:
		x.done <- err
		return err
	case <-time.After(10 * time.Second):
		x.t.Fatal("ServeConn did not return")
		return nil
	}
}

// serverResult waits for ServeConn to return on its own.
func (x *exchange) serverResult() error {
	x.t.Helper()
	select {
	case err := <-x.done:
		x.done <- err
		return err
	case <-time.After(10 * time.Second):
		x.t.Fatal("ServeConn did not return")
		return nil
	}
}

// echo answers with what it saw of the request, one fact per line.
var echo = core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
	body, err := io.ReadAll(req.Body())
	if err != nil {
		var pe *core.ProtocolError
		if errors.As(err, &pe) {
			return w.SendString(pe.Status, err.Error())
		}
		return w.SendString(500, err.Error())
	}
	var b strings.Builder
	b.WriteString("method=" + req.Method() + "\n")
	b.WriteString("path=" + req.Path() + "\n")
	b.WriteString("query=" + req.RawQuery() + "\n")
	b.WriteString("host=" + req.Host() + "\n")
	b.WriteString("proto=" + req.Proto() + "\n")
	b.WriteString("body=" + string(body) + "\n")
	for name, value := range req.Trailer().All() {
		b.WriteString("trailer " + string(name) + "=" + string(value) + "\n")
	}
	return w.SendString(200, b.String())
})

// bareStream hides a stream's deadlines and other methods, leaving the
// bare io.ReadWriteCloser the core must serve with nothing else.
type bareStream struct{ s *pipe.Conn }

func (b bareStream) Read(p []byte) (int, error)  { return b.s.Read(p) }
func (b bareStream) Write(p []byte) (int, error) { return b.s.Write(p) }
func (b bareStream) Close() error                { return b.s.Close() }

// serveTCP serves h with opts on a loopback TCP listener, one stream at a
// time on one goroutine, and returns a connected client; the test's
// cleanup closes both and waits for the serving goroutine.
func serveTCP(t *testing.T, h core.Handler, opts *core.Options) net.Conn {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			core.ServeConn(c, h, opts)
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		ln.Close()
		<-done
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Close()
		ln.Close()
		<-done
	})
	return c
}
