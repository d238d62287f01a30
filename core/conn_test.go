package core_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports/pipe"
)

func TestPipeliningThreeRequestsInOneWrite(t *testing.T) {
	x := serve(t, nil, echo)
	x.send("POST /1 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc" +
		"POST /2 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\ndef\r\n0\r\n\r\n" +
		"GET /3 HTTP/1.1\r\nHost: h\r\n\r\n")
	for i, want := range []string{"path=/1\n", "path=/2\n", "path=/3\n"} {
		resp := x.response("GET")
		if !strings.Contains(resp.body, want) {
			t.Fatalf("response %d: %q does not contain %q", i, resp.body, want)
		}
	}
	x.expectOpen()
}

func TestPipelinedBytesSurviveUnreadBodies(t *testing.T) {
	// The handler reads nothing; the core drains each body and finds the
	// next request behind it.
	ignore := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return w.SendString(200, req.Path())
	})
	x := serve(t, nil, ignore)
	x.send("POST /1 HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123456789" +
		"POST /2 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\nX: y\r\n\r\n" +
		"GET /3 HTTP/1.1\r\nHost: h\r\n\r\n")
	for _, want := range []string{"/1", "/2", "/3"} {
		if resp := x.response("GET"); resp.body != want {
			t.Fatalf("got %q, want %q", resp.body, want)
		}
	}
	x.expectOpen()
}

func TestKeepAliveAcrossManyRequests(t *testing.T) {
	x := serve(t, nil, echo)
	for i := range 50 {
		x.send("POST /k HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\n" + string(rune('a'+i%26)))
		resp := x.response("POST")
		if resp.StatusCode != 200 || resp.Close {
			t.Fatalf("request %d: status %d close %v", i, resp.StatusCode, resp.Close)
		}
	}
	if err := x.result(); err != nil {
		t.Fatalf("ServeConn: %v", err)
	}
}

func TestLargeUnreadBodyClosesInsteadOfDraining(t *testing.T) {
	ignore := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return w.SendString(200, "ignored")
	})
	x := serve(t, &core.Options{MaxDrainBytes: 10}, ignore)
	x.send("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n01234567890")
	// A response sent whole while more body is unread than the drain takes
	// says it closes the stream (RFC 9112 section 9.6).
	if resp := x.response("POST"); resp.body != "ignored" || !resp.Close {
		t.Fatalf("body %q close=%v", resp.body, resp.Close)
	}
	x.expectClosed()
}

func TestUnreadChunkedBodyPastDrainLimitCloses(t *testing.T) {
	ignore := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return w.SendString(200, "ignored")
	})
	x := serve(t, &core.Options{MaxDrainBytes: 10}, ignore)
	x.send("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"a\r\n0123456789\r\na\r\n0123456789\r\n0\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n")
	if resp := x.response("POST"); resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	x.expectClosed()
}

func TestExpectContinueSentOnFirstRead(t *testing.T) {
	x := serve(t, nil, echo)
	x.send("POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
	// Nothing is sent before the handler reads; it reads at once, so the
	// interim response comes first.
	interim := x.response("POST")
	if interim.StatusCode != 100 {
		t.Fatalf("status %d, want 100", interim.StatusCode)
	}
	x.send("hello")
	resp := x.response("POST")
	if !strings.Contains(resp.body, "body=hello\n") || resp.Close {
		t.Fatalf("final response %d %q close=%v", resp.StatusCode, resp.body, resp.Close)
	}
	x.expectOpen()
}

func TestExpectContinueNotSentWhenBodyUnread(t *testing.T) {
	reject := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return w.SendString(403, "no")
	})
	x := serve(t, nil, reject)
	x.send("POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
	resp := x.response("POST")
	if resp.StatusCode != 403 {
		t.Fatalf("status %d, want 403 with no 100 before it", resp.StatusCode)
	}
	if !resp.Close {
		t.Error("a body announced and never asked for must close the stream")
	}
	x.expectClosed()
}

func TestExpectContinueIgnoredOnHTTP10(t *testing.T) {
	x := serve(t, nil, echo)
	x.send("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi")
	resp := x.response("POST")
	if resp.StatusCode != 200 || !strings.Contains(resp.body, "body=hi\n") {
		t.Fatalf("status %d body %q", resp.StatusCode, resp.body)
	}
}

func TestHTTP10(t *testing.T) {
	streamed := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		s := w.Begin(200)
		io.WriteString(s, "streamed ")
		io.WriteString(s, "body")
		return s.Finish()
	})
	t.Run("close-delimited stream", func(t *testing.T) {
		x := serve(t, nil, streamed)
		x.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
		resp := x.response("GET")
		if resp.body != "streamed body" || resp.ContentLength != -1 || len(resp.TransferEncoding) != 0 {
			t.Fatalf("body %q length %d TE %v", resp.body, resp.ContentLength, resp.TransferEncoding)
		}
		if !resp.Close {
			t.Error("a close-delimited body must close")
		}
	})
	t.Run("keep-alive answered", func(t *testing.T) {
		x := serve(t, nil, echo)
		x.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
		resp := x.response("GET")
		if resp.Header.Get("Connection") != "keep-alive" {
			t.Errorf("Connection %q, want keep-alive", resp.Header.Get("Connection"))
		}
		x.expectOpen()
		x.send("GET /again HTTP/1.0\r\n\r\n")
		resp = x.response("GET")
		if !strings.Contains(resp.body, "path=/again") {
			t.Fatalf("second response %q", resp.body)
		}
		x.expectClosed()
	})
}

func TestHeadResponse(t *testing.T) {
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		w.Header().Set("Content-Type", "text/plain")
		return w.SendString(200, "the body a GET gets")
	})
	x := serve(t, nil, h)
	x.send("HEAD / HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n")
	head := x.response("HEAD")
	if head.ContentLength != int64(len("the body a GET gets")) || head.body != "" {
		t.Fatalf("HEAD: Content-Length %d body %q", head.ContentLength, head.body)
	}
	get := x.response("GET")
	if get.body != "the body a GET gets" {
		t.Fatalf("GET after HEAD: %q (HEAD must send no body bytes)", get.body)
	}
}

func TestBodilessStatuses(t *testing.T) {
	for _, status := range []int{204, 304} {
		h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
			w.Header().Set("Transfer-Encoding", "chunked")
			rw := w.SendString(status, "not allowed")
			if !errors.Is(rw.Err(), core.ErrBodyNotAllowed) {
				t.Errorf("%d: Err %v, want ErrBodyNotAllowed", status, rw.Err())
			}
			return rw
		})
		x := serve(t, nil, h)
		x.send("GET / HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n")
		for range 2 {
			resp := x.response("GET")
			if resp.StatusCode != status || resp.body != "" || len(resp.TransferEncoding) != 0 || resp.Header.Get("Content-Length") != "" {
				t.Fatalf("%d: got %d body %q TE %v CL %q", status, resp.StatusCode, resp.body, resp.TransferEncoding, resp.Header.Get("Content-Length"))
			}
		}
	}
}

func TestStreamChunkedWithTrailers(t *testing.T) {
	big := strings.Repeat("0123456789", 3000)
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		w.Header().Set("Trailer", "X-Checksum")
		s := w.Begin(200)
		io.WriteString(s, "small ")
		if err := s.Flush(); err != nil {
			t.Error(err)
		}
		io.WriteString(s, big)
		io.Copy(s, strings.NewReader(" copied"))
		s.Trailer().Set("X-Checksum", "abc")
		return s.Finish()
	})
	x := serve(t, nil, h)
	x.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
	resp := x.response("GET")
	if want := "small " + big + " copied"; resp.body != want {
		t.Fatalf("body of %d bytes, want %d", len(resp.body), len(want))
	}
	if len(resp.TransferEncoding) != 1 || resp.TransferEncoding[0] != "chunked" {
		t.Fatalf("Transfer-Encoding %v", resp.TransferEncoding)
	}
	if got := resp.Trailer.Get("X-Checksum"); got != "abc" {
		t.Fatalf("trailer %q", got)
	}
	x.expectOpen()
}

func TestStreamWithDeclaredLength(t *testing.T) {
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		w.Header().Set("Content-Length", "10")
		s := w.Begin(200)
		io.WriteString(s, "01234")
		io.WriteString(s, "56789")
		if _, err := io.WriteString(s, "x"); !errors.Is(err, core.ErrContentLength) {
			t.Errorf("write past the declared length: %v", err)
		}
		return s.Finish()
	})
	x := serve(t, nil, h)
	x.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
	resp := x.response("GET")
	if resp.body != "0123456789" || resp.ContentLength != 10 {
		t.Fatalf("body %q length %d", resp.body, resp.ContentLength)
	}
}

func TestSendReader(t *testing.T) {
	data := strings.Repeat("abcdefgh", 10000)
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		switch req.Path() {
		case "/known":
			return w.SendReader(200, strings.NewReader(data), int64(len(data)))
		case "/short":
			return w.SendReader(200, strings.NewReader("abc"), 10)
		case "/short-after-flush":
			return w.SendReader(200, strings.NewReader(data), int64(len(data)+10))
		default:
			return w.SendReader(200, strings.NewReader(data), -1)
		}
	})
	x := serve(t, nil, h)
	x.send("GET /known HTTP/1.1\r\nHost: h\r\n\r\nGET /unknown HTTP/1.1\r\nHost: h\r\n\r\n")
	known := x.response("GET")
	if known.body != data || known.ContentLength != int64(len(data)) {
		t.Fatalf("known: %d bytes, length %d", len(known.body), known.ContentLength)
	}
	unknown := x.response("GET")
	if unknown.body != data || unknown.TransferEncoding[0] != "chunked" {
		t.Fatalf("unknown: %d bytes, TE %v", len(unknown.body), unknown.TransferEncoding)
	}
	// A reader that ends before anything left: the core answers 500 in
	// place of the response it could not complete.
	x.send("GET /short HTTP/1.1\r\nHost: h\r\n\r\n")
	if short := x.response("GET"); short.StatusCode != 500 || !short.Close {
		t.Fatalf("short reader: %d close=%v", short.StatusCode, short.Close)
	}
	x.expectClosed()

	// One that ends after part of the body left: the client sees it cut off.
	y := serve(t, nil, h)
	y.send("GET /short-after-flush HTTP/1.1\r\nHost: h\r\n\r\n")
	y.client.SetReadDeadline(time.Now().Add(5 * time.Second))
	rest, _ := io.ReadAll(y.br)
	if !bytes.Contains(rest, []byte(fmt.Sprintf("Content-Length: %d\r\n", len(data)+10))) ||
		!bytes.HasSuffix(rest, []byte(data)) {
		t.Fatalf("a reader that ends early must cut the response off: %d bytes", len(rest))
	}
}

func TestHandlerFramingHeadersAreChecked(t *testing.T) {
	var logs bytes.Buffer
	opts := &core.Options{ErrorLog: slog.New(slog.NewTextHandler(&logs, nil))}
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		switch req.Path() {
		case "/wrong-length":
			w.Header().Set("Content-Length", "100")
			rw := w.SendString(200, "short")
			if !errors.Is(rw.Err(), core.ErrContentLength) {
				t.Errorf("Err %v", rw.Err())
			}
			return rw
		case "/splitting":
			w.Header().Set("X-Evil", "a\r\nSet-Cookie: b=c")
			return w.SendString(200, "x")
		default:
			w.Header().Set("Content-Length", "2")
			w.Header().Set("Transfer-Encoding", "gzip")
			return w.SendString(200, "ok")
		}
	})
	x := serve(t, opts, h)
	x.send("GET /wrong-length HTTP/1.1\r\nHost: h\r\n\r\nGET /splitting HTTP/1.1\r\nHost: h\r\n\r\nGET /ok HTTP/1.1\r\nHost: h\r\n\r\n")
	if resp := x.response("GET"); resp.StatusCode != 500 {
		t.Fatalf("wrong length: %d", resp.StatusCode)
	}
	resp := x.response("GET")
	if resp.StatusCode != 500 || resp.Header.Get("Set-Cookie") != "" || resp.Header.Get("X-Evil") != "" {
		t.Fatalf("splitting: %d %v", resp.StatusCode, resp.Header)
	}
	resp = x.response("GET")
	if resp.StatusCode != 200 || resp.body != "ok" || len(resp.TransferEncoding) != 0 {
		t.Fatalf("ok: %d %q TE %v", resp.StatusCode, resp.body, resp.TransferEncoding)
	}
	if !strings.Contains(logs.String(), "invalid response header") {
		t.Errorf("no log line for the refused header: %s", logs.String())
	}
}

func TestResponseWrittenReportsTheWire(t *testing.T) {
	got := make(chan core.ResponseWritten, 1)
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		rw := w.SendString(201, "created!")
		got <- rw
		return rw
	})
	server, client := pipe.New(nil)
	var counted countingStream
	counted.s = server
	x := serveStream(t, nil, h, &counted, client)
	x.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
	x.response("GET")
	rw := <-got
	if rw.Status() != 201 || rw.BodyBytes() != 8 || rw.Err() != nil {
		t.Fatalf("status %d body %d err %v", rw.Status(), rw.BodyBytes(), rw.Err())
	}
	if rw.HeadBytes()+rw.BodyBytes() != counted.written.Load() {
		t.Fatalf("head %d + body %d != %d bytes written", rw.HeadBytes(), rw.BodyBytes(), counted.written.Load())
	}
	if rw.TimeToFirstByte() <= 0 || rw.Duration() < rw.TimeToFirstByte() {
		t.Fatalf("ttfb %v duration %v", rw.TimeToFirstByte(), rw.Duration())
	}
}

type countingStream struct {
	s       *pipe.Conn
	written atomic.Int64
}

func (c *countingStream) Read(p []byte) (int, error) { return c.s.Read(p) }
func (c *countingStream) Write(p []byte) (int, error) {
	n, err := c.s.Write(p)
	c.written.Add(int64(n))
	return n, err
}
func (c *countingStream) Close() error { return c.s.Close() }

func TestResponseWrittenReportsClientGone(t *testing.T) {
	got := make(chan core.ResponseWritten, 1)
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		s := w.Begin(200)
		for range 1000 {
			if _, err := s.Write(make([]byte, 4096)); err != nil {
				break
			}
		}
		rw := s.Finish()
		got <- rw
		return rw
	})
	server, client := pipe.New(&pipe.Config{BufferSize: 1024})
	x := serveStream(t, nil, h, server, client)
	x.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
	x.client.Close()
	rw := <-got
	if rw.Err() == nil {
		t.Fatal("no error reported for a client that went away")
	}
	if err := x.serverResult(); err != nil {
		t.Logf("ServeConn: %v", err)
	}
}

func TestAlreadySent(t *testing.T) {
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		rw := w.SendString(200, "first")
		if again := w.SendString(500, "second"); !errors.Is(again.Err(), core.ErrAlreadySent) {
			t.Errorf("second send: %v", again.Err())
		}
		return rw
	})
	x := serve(t, nil, h)
	x.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
	if resp := x.response("GET"); resp.body != "first" {
		t.Fatalf("%q", resp.body)
	}
	x.expectOpen()
}

func TestPanicsAreRecovered(t *testing.T) {
	var logs bytes.Buffer
	opts := &core.Options{ErrorLog: slog.New(slog.NewTextHandler(&logs, nil))}
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		if req.Path() == "/late" {
			s := w.Begin(200)
			io.WriteString(s, "partial")
			s.Flush()
		}
		panic("boom")
	})
	t.Run("before the response", func(t *testing.T) {
		x := serve(t, opts, h)
		x.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
		if resp := x.response("GET"); resp.StatusCode != 500 || !resp.Close {
			t.Fatalf("status %d close %v", resp.StatusCode, resp.Close)
		}
		x.expectClosed()
	})
	t.Run("mid-stream", func(t *testing.T) {
		x := serve(t, opts, h)
		x.send("GET /late HTTP/1.1\r\nHost: h\r\n\r\n")
		x.client.SetReadDeadline(time.Now().Add(5 * time.Second))
		raw, _ := io.ReadAll(x.br)
		if !bytes.Contains(raw, []byte("partial")) || bytes.HasSuffix(raw, []byte("0\r\n\r\n")) {
			t.Fatalf("a panic mid-stream must cut the body off without its last chunk: %q", raw)
		}
	})
	if !strings.Contains(logs.String(), "boom") {
		t.Errorf("panic not logged: %s", logs.String())
	}
}

func TestZeroResponseWritten(t *testing.T) {
	var logs bytes.Buffer
	opts := &core.Options{ErrorLog: slog.New(slog.NewTextHandler(&logs, nil))}
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return core.ResponseWritten{}
	})
	x := serve(t, opts, h)
	x.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
	if resp := x.response("GET"); resp.StatusCode != 500 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	x.expectOpen()
	if !strings.Contains(logs.String(), "without a response") {
		t.Errorf("not logged: %s", logs.String())
	}
}

func TestInvalidStatus(t *testing.T) {
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		rw := w.SendString(42, "nope")
		if !errors.Is(rw.Err(), core.ErrInvalidStatus) {
			t.Errorf("Err %v", rw.Err())
		}
		return rw
	})
	x := serve(t, &core.Options{ErrorLog: slog.New(slog.DiscardHandler)}, h)
	x.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
	if resp := x.response("GET"); resp.StatusCode != 500 {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

func TestUpgradeHandsOverStreamAndBufferedBytes(t *testing.T) {
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		if !req.WantsUpgrade() {
			return w.SendString(400, "upgrade expected")
		}
		w.Header().Set("Connection", "Upgrade")
		w.Header().Set("Upgrade", "echo")
		up, rw := w.Upgrade(101)
		if up == nil {
			return rw
		}
		defer up.Close()
		buf := make([]byte, 5)
		if _, err := io.ReadFull(up, buf); err != nil {
			t.Error(err)
			return rw
		}
		up.Write(bytes.ToUpper(buf))
		return rw
	})
	x := serve(t, nil, h)
	x.send("GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nhel")
	resp := x.response("GET")
	if resp.StatusCode != 101 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	x.send("lo")
	buf := make([]byte, 5)
	if _, err := io.ReadFull(x.br, buf); err != nil || string(buf) != "HELLO" {
		t.Fatalf("got %q %v", buf, err)
	}
	if err := x.serverResult(); err != nil {
		t.Fatalf("ServeConn after upgrade: %v", err)
	}
}

func TestHijack(t *testing.T) {
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		up, rw := w.Hijack()
		io.WriteString(up, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi")
		up.Close()
		return rw
	})
	x := serve(t, nil, h)
	x.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
	if resp := x.response("GET"); resp.body != "hi" {
		t.Fatalf("%q", resp.body)
	}
}

func TestTimeouts(t *testing.T) {
	short := &core.Options{IdleTimeout: 50 * time.Millisecond, ReadHeaderTimeout: 50 * time.Millisecond,
		BodyReadTimeout: 50 * time.Millisecond}
	streams := map[string]func() (io.ReadWriteCloser, *pipe.Conn){
		"deadlines": func() (io.ReadWriteCloser, *pipe.Conn) { s, c := pipe.New(nil); return s, c },
		"bare":      func() (io.ReadWriteCloser, *pipe.Conn) { s, c := pipe.New(nil); return bareStream{s}, c },
	}
	for name, newStream := range streams {
		t.Run(name+"/idle", func(t *testing.T) {
			s, c := newStream()
			x := serveStream(t, short, echo, s, c)
			x.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
			x.response("GET")
			x.expectClosed()
			if err := x.serverResult(); err != nil {
				t.Fatalf("an idle timeout is a normal end: %v", err)
			}
		})
		t.Run(name+"/silent new stream", func(t *testing.T) {
			s, c := newStream()
			x := serveStream(t, short, echo, s, c)
			x.expectClosed()
		})
		t.Run(name+"/header", func(t *testing.T) {
			s, c := newStream()
			x := serveStream(t, short, echo, s, c)
			x.send("GET / HTTP/1.1\r\nHo")
			if name == "bare" {
				x.expectClosed() // the timer closed the stream: nobody to answer
				return
			}
			resp := x.response("GET")
			if resp.StatusCode != 408 {
				t.Fatalf("status %d, want 408", resp.StatusCode)
			}
		})
		t.Run(name+"/body", func(t *testing.T) {
			s, c := newStream()
			x := serveStream(t, short, echo, s, c)
			x.send("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc")
			if name == "bare" {
				// The timer closed the stream: nobody can be answered.
				x.expectClosed()
				return
			}
			resp := x.response("POST")
			if resp.StatusCode != 500 || !strings.Contains(resp.body, "timeout") {
				t.Fatalf("status %d body %q", resp.StatusCode, resp.body)
			}
			x.expectClosed()
		})
	}
}

func TestSlowHandlerOnBareStreamIsNotCutByIdleTimer(t *testing.T) {
	slow := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		time.Sleep(150 * time.Millisecond)
		return w.SendString(200, "slow but fine")
	})
	s, c := pipe.New(nil)
	x := serveStream(t, &core.Options{IdleTimeout: 50 * time.Millisecond, ReadHeaderTimeout: 50 * time.Millisecond}, slow, bareStream{s}, c)
	x.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
	if resp := x.response("GET"); resp.body != "slow but fine" {
		t.Fatalf("%q", resp.body)
	}
}

func TestServeConnReturnsProtocolError(t *testing.T) {
	x := serve(t, nil, echo)
	x.send("GET / HTTP/3.0\r\nHost: h\r\n\r\n")
	x.response("GET")
	var pe *core.ProtocolError
	if err := x.serverResult(); !errors.As(err, &pe) || pe.Status != 505 {
		t.Fatalf("ServeConn returned %v", err)
	}
}

func TestRequestAccessors(t *testing.T) {
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		var b strings.Builder
		for name, value := range req.Cookies() {
			b.WriteString(string(name) + "=" + string(value) + ";")
		}
		v, ok := req.Cookie("b")
		hdr := req.Header()
		return w.SendString(200, b.String()+"|"+v+"|"+strings.Join(hdr.Values("x-multi"), ",")+"|"+
			req.Query().Get("q")+"|"+hdr.Get("X-CASE")+"|"+req.RemoteAddr().String()+"|"+
			map[bool]string{true: "ok", false: "missing"}[ok])
	})
	x := serve(t, nil, h)
	x.send("GET /?q=a+b&r=1 HTTP/1.1\r\nHost: h\r\nCookie: a=1; b=\"two\"\r\nX-Multi: 1\r\nCookie: c=3\r\nx-multi: 2\r\nX-Case: yes\r\n\r\n")
	if resp := x.response("GET"); resp.body != "a=1;b=two;c=3;|two|1,2|a b|yes|pipe|ok" {
		t.Fatalf("%q", resp.body)
	}
}

var _ net.Conn = (*pipe.Conn)(nil)

func TestWriteTimeout(t *testing.T) {
	for _, bare := range []bool{false, true} {
		t.Run(map[bool]string{false: "deadlines", true: "bare"}[bare], func(t *testing.T) {
			got := make(chan core.ResponseWritten, 1)
			h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
				rw := w.Send(200, make([]byte, 1<<20)) // far more than the pipe holds
				got <- rw
				return rw
			})
			server, client := pipe.New(&pipe.Config{BufferSize: 4096})
			var stream io.ReadWriteCloser = server
			if bare {
				stream = bareStream{server}
			}
			x := serveStream(t, &core.Options{WriteTimeout: 50 * time.Millisecond}, h, stream, client)
			x.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n") // and never read the response
			select {
			case rw := <-got:
				var ne net.Error
				if !errors.As(rw.Err(), &ne) || !ne.Timeout() {
					t.Fatalf("Err %v, want a timeout (net.Error)", rw.Err())
				}
			case <-time.After(5 * time.Second):
				t.Fatal("a write to a client that does not read was not timed out")
			}
			x.serverResult()
		})
	}
}
