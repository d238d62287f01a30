package core_test

import (
	"bufio"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports/pipe"
)

// The promises of the package documentation, each checked the way a user
// would break it: handles kept past their handler, responses and requests
// paired one to one, body errors answered, honest receipts.

var quietLog = slog.New(slog.DiscardHandler)

const getRoot = "GET / HTTP/1.1\r\nHost: h\r\n\r\n"

// TestKeptBodyWriterCannotWriteIntoAnotherStream keeps a response body
// writer past its handler and writes with it while other streams are served:
// the write must fail and no other response may carry its bytes.
func TestKeptBodyWriterCannotWriteIntoAnotherStream(t *testing.T) {
	var kept *core.BodyWriter
	first := serve(t, nil, core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		s := w.Begin(200)
		s.WriteString("a")
		kept = s
		return s.Finish()
	}))
	first.send(getRoot)
	first.response("GET")
	first.result()

	for i := range 20 {
		inside, resume := make(chan struct{}), make(chan struct{})
		x := serve(t, nil, core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
			s := w.Begin(200)
			s.WriteString("b")
			close(inside)
			<-resume
			return s.Finish()
		}))
		x.send(getRoot)
		<-inside
		_, err := kept.WriteString("INJECTED")
		close(resume)
		if err == nil {
			t.Errorf("stream %d: a write through a kept body writer succeeded", i)
		}
		if resp := x.response("GET"); resp.body != "b" {
			t.Fatalf("stream %d: body %q, want %q", i, resp.body, "b")
		}
		x.result()
	}
}

// TestKeptRequestReadsNothingOfAnotherStream keeps a *Request past its
// handler and reads it while other streams serve requests with other paths
// and cookies.
func TestKeptRequestReadsNothingOfAnotherStream(t *testing.T) {
	var kept *core.Request
	first := serve(t, nil, core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		kept = req
		return w.SendStatus(204)
	}))
	first.send("GET /mine HTTP/1.1\r\nHost: h\r\nCookie: session=mine\r\n\r\n")
	first.response("GET")
	first.result()

	for i := range 20 {
		inside, resume := make(chan struct{}), make(chan struct{})
		x := serve(t, nil, core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
			close(inside)
			<-resume
			return w.SendStatus(204)
		}))
		x.send("GET /secret HTTP/1.1\r\nHost: other\r\nCookie: session=theirs\r\n\r\n")
		<-inside
		path, host := kept.Path(), kept.Host()
		cookie, _ := kept.Cookie("session")
		header := kept.Header().Get("Cookie")
		close(resume)
		x.response("GET")
		for what, got := range map[string]string{"Path": path, "Host": host, "Cookie": cookie, "Header": header} {
			if got != "" {
				t.Errorf("stream %d: kept request's %s reads %q after its handler returned", i, what, got)
			}
		}
		x.result()
	}
}

// TestKeptHandlesOnTheSameStream keeps the handles of one request and uses
// them while the next request on the same stream is served.
func TestKeptHandlesOnTheSameStream(t *testing.T) {
	var keptReq *core.Request
	var keptW *core.ResponseWriter
	var keptBody *core.BodyWriter
	var staleWrite, staleSend error
	var stalePath string
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		if req.Path() == "/1" {
			keptReq, keptW = req, w
			keptBody = w.Begin(200)
			keptBody.WriteString("one")
			return keptBody.Finish()
		}
		stalePath = keptReq.Path()
		_, staleWrite = keptBody.WriteString("INJECTED")
		staleSend = keptW.SendString(299, "stale").Err()
		return w.SendString(200, "two")
	})
	x := serve(t, nil, h)
	x.send("GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n")
	if resp := x.response("GET"); resp.body != "one" {
		t.Fatalf("first body %q", resp.body)
	}
	if resp := x.response("GET"); resp.StatusCode != 200 || resp.body != "two" {
		t.Fatalf("second response %d %q", resp.StatusCode, resp.body)
	}
	if stalePath != "" {
		t.Errorf("the first request's handle reads %q during the second", stalePath)
	}
	if !errors.Is(staleWrite, core.ErrResponseOver) {
		t.Errorf("stale body write: %v, want ErrResponseOver", staleWrite)
	}
	if !errors.Is(staleSend, core.ErrResponseOver) {
		t.Errorf("stale Send: %v, want ErrResponseOver", staleSend)
	}
	x.expectOpen()
}

// TestInvalidTrailerLosesNoResponse: a trailer that cannot be sent must not
// leave the request without its own response while the next one answers.
func TestInvalidTrailerLosesNoResponse(t *testing.T) {
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		if req.Path() == "/1" {
			s := w.Begin(200)
			s.Trailer().Set("X-Check", "bad\r\nvalue")
			s.WriteString("first")
			return s.Finish()
		}
		return w.SendString(200, "second")
	})
	x := serve(t, &core.Options{ErrorLog: quietLog}, h)
	x.send("GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n")
	resp := x.response("GET")
	if resp.StatusCode != 500 || !resp.Close {
		t.Fatalf("first response: %d close=%v %q; want 500 and close", resp.StatusCode, resp.Close, resp.body)
	}
	x.expectClosed()
}

// echoBody is the echo example's POST path: the head is buffered before
// the body is read.
var echoBody = core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
	return w.SendReader(200, req.Body(), req.ContentLength())
})

// readAllThenAnswer reads the body first and reports the error it got.
var readAllThenAnswer = core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
	body, err := io.ReadAll(req.Body())
	if err != nil {
		var pe *core.ProtocolError
		if !errors.As(err, &pe) {
			return w.SendString(500, "untyped body error: "+err.Error())
		}
		return w.SendString(pe.Status, err.Error())
	}
	return w.Send(200, body)
})

func TestBodyErrorsAreAnswered(t *testing.T) {
	const head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
	tests := []struct {
		name   string
		body   string
		status int
	}{
		{"size not hex", "zz\r\n", 400},
		{"bare LF after size", "5\nhello\r\n0\r\n\r\n", 400},
		{"bare CR after size", "5\rhello\r\n0\r\n\r\n", 400},
		{"bare LF after data", "5\r\nhello\n0\r\n\r\n", 400},
		{"chunk longer than declared", "3\r\nhello\r\n0\r\n\r\n", 400},
		{"size overflow", "ffffffffffffffffff\r\nx\r\n0\r\n\r\n", 400},
		{"chunk over the body limit", "100\r\n", 413},
	}
	handlers := map[string]core.Handler{"head buffered first": echoBody, "body read first": readAllThenAnswer}
	for hname, h := range handlers {
		for _, tt := range tests {
			t.Run(hname+"/"+tt.name, func(t *testing.T) {
				x := serve(t, &core.Options{MaxBodyBytes: 16, ErrorLog: quietLog}, h)
				x.send(head + tt.body)
				resp := x.response("POST")
				if resp.StatusCode != tt.status || !resp.Close {
					t.Fatalf("status %d close=%v %q; want %d and close", resp.StatusCode, resp.Close, resp.body, tt.status)
				}
				x.expectClosed()
			})
		}
	}
}

// TestBodyErrorAfterHeadSentTruncates: once the head is on the wire, a body
// error must leave the client a cut-off body, never a complete one.
func TestBodyErrorAfterHeadSentTruncates(t *testing.T) {
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		s := w.Begin(200)
		s.WriteString("started")
		s.Flush()
		io.Copy(s, req.Body())
		return s.Finish()
	})
	x := serve(t, &core.Options{ErrorLog: quietLog}, h)
	x.send("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\n")
	x.client.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(x.br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(resp.Body); err == nil {
		t.Fatal("the body read as complete")
	}
}

func TestExpectContinueWithHeadBuffered(t *testing.T) {
	x := serve(t, nil, echoBody)
	x.send("POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
	x.client.SetReadDeadline(time.Now().Add(2 * time.Second))
	line, err := x.br.ReadString('\n')
	if err != nil || line != "HTTP/1.1 100 Continue\r\n" {
		t.Fatalf("first line %q, %v; want 100 Continue", line, err)
	}
	x.br.ReadString('\n')
	x.send("hello")
	if resp := x.response("POST"); resp.StatusCode != 200 || resp.body != "hello" {
		t.Fatalf("%d %q", resp.StatusCode, resp.body)
	}
}

// TestLargeBodyReadAfterHeadKeepsAlive: a response started while more than
// the drain limit is unread keeps the stream when the handler then reads
// the whole body, and the pipelined request behind it is answered.
func TestLargeBodyReadAfterHeadKeepsAlive(t *testing.T) {
	x := serve(t, &core.Options{MaxDrainBytes: 10}, echoBody)
	body := strings.Repeat("x", 100)
	x.send("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n" + body + "POST /2 HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nok")
	if resp := x.response("POST"); resp.body != body || resp.Close {
		t.Fatalf("first: close=%v body %d bytes", resp.Close, len(resp.body))
	}
	if resp := x.response("POST"); resp.body != "ok" {
		t.Fatalf("second: %q", resp.body)
	}
	x.expectOpen()
}

// TestUnreadBodyCloseIsGraceful: over TCP, a stream closed with a large
// body unread must not be reset before the client has read the response.
func TestUnreadBodyCloseIsGraceful(t *testing.T) {
	c := serveTCP(t, core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return w.SendString(200, "answered")
	}), &core.Options{MaxDrainBytes: 1 << 10})
	const size = 8 << 20
	io.WriteString(c, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 8388608\r\n\r\n")
	// The client goes on sending its body while the server answers and
	// closes, as a browser uploading a file does.
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		chunk := make([]byte, 64<<10)
		for n := 0; n < size; n += len(chunk) {
			if _, err := c.Write(chunk); err != nil {
				return
			}
		}
	}()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("response lost: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil || string(body) != "answered" {
		t.Fatalf("body %q, %v", body, err)
	}
	c.Close()
	<-sent
}

var errBoom = errors.New("boom")

func TestReaderFailureBeforeFlushAnswers500(t *testing.T) {
	var rw core.ResponseWritten
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		rw = w.SendReader(200, iotest.ErrReader(errBoom), -1)
		return rw
	})
	x := serve(t, &core.Options{ErrorLog: quietLog}, h)
	x.send(getRoot)
	resp := x.response("GET")
	if resp.StatusCode != 500 {
		t.Fatalf("status %d, want 500", resp.StatusCode)
	}
	if rw.Status() != 500 || !errors.Is(rw.Err(), errBoom) || rw.BodyBytes() != int64(len(resp.body)) {
		t.Fatalf("receipt: status %d err %v body %d; the wire: 500 with %d body bytes",
			rw.Status(), rw.Err(), rw.BodyBytes(), len(resp.body))
	}
}

// failingStream accepts no write.
type failingStream struct{ in io.Reader }

func (s failingStream) Read(p []byte) (int, error)  { return s.in.Read(p) }
func (s failingStream) Write(p []byte) (int, error) { return 0, io.ErrClosedPipe }
func (s failingStream) Close() error                { return nil }

func TestReceiptCountsOnlyWhatTheStreamAccepted(t *testing.T) {
	for name, send := range map[string]func(w *core.ResponseWriter) core.ResponseWritten{
		"Send": func(w *core.ResponseWriter) core.ResponseWritten { return w.SendString(200, "hello") },
		"Stream": func(w *core.ResponseWriter) core.ResponseWritten {
			s := w.Begin(200)
			s.WriteString("hello")
			return s.Finish()
		},
		"Reader": func(w *core.ResponseWriter) core.ResponseWritten {
			return w.SendReader(200, strings.NewReader("hello"), 5)
		},
	} {
		t.Run(name, func(t *testing.T) {
			var rw core.ResponseWritten
			h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
				rw = send(w)
				return rw
			})
			core.ServeConn(failingStream{strings.NewReader(getRoot)}, h, &core.Options{ErrorLog: quietLog})
			if rw.HeadBytes() != 0 || rw.BodyBytes() != 0 || rw.Err() == nil {
				t.Fatalf("receipt: head %d body %d err %v; the stream accepted nothing", rw.HeadBytes(), rw.BodyBytes(), rw.Err())
			}
		})
	}
}

// TestTimersCoverOnlyBlockedIO: on a stream without deadlines, a handler
// that computes after reading its body, or pauses between flushes, longer
// than the timeouts keeps its stream.
func TestTimersCoverOnlyBlockedIO(t *testing.T) {
	opts := &core.Options{BodyReadTimeout: 30 * time.Millisecond, WriteTimeout: 30 * time.Millisecond}
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		body, err := io.ReadAll(req.Body())
		if err != nil {
			return w.SendString(400, err.Error())
		}
		time.Sleep(150 * time.Millisecond)
		s := w.Begin(200)
		s.Write(body)
		s.Flush()
		time.Sleep(150 * time.Millisecond)
		s.WriteString("-done")
		return s.Finish()
	})
	server, client := pipe.New(nil)
	x := serveStream(t, opts, h, bareStream{server}, client)
	x.send("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi")
	if resp := x.response("POST"); resp.StatusCode != 200 || resp.body != "hi-done" {
		t.Fatalf("%d %q", resp.StatusCode, resp.body)
	}
}

func TestChunkedFramingRules(t *testing.T) {
	const head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
	overhead := strings.Repeat("1;"+strings.Repeat("e", 1000)+"\r\nx\r\n", 200) + "0\r\n\r\n"
	tests := []struct{ name, body string }{
		{"control byte after backslash", "5;a=\"\\\x01\"\r\nhello\r\n0\r\n\r\n"},
		{"bare CR after backslash", "5;a=\"\\\r\"\r\nhello\r\n0\r\n\r\n"},
		{"whitespace after size", "5 \r\nhello\r\n0\r\n\r\n"},
		{"tab after size", "5\t\r\nhello\r\n0\r\n\r\n"},
		{"bare LF ends trailers", "0\r\n\n"},
		{"bare LF in a trailer", "0\r\nX: y\n\r\n"},
		{"overhead without data", overhead},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := serve(t, &core.Options{ErrorLog: quietLog}, readAllThenAnswer)
			x.send(head + tt.body)
			resp := x.response("POST")
			if resp.StatusCode != 400 || !resp.Close {
				t.Fatalf("status %d close=%v %q; want 400 and close", resp.StatusCode, resp.Close, resp.body)
			}
			x.expectClosed()
		})
	}
}

func TestHeadKeepsDeclaredContentLength(t *testing.T) {
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		w.Header().Set("Content-Length", "8202")
		return w.SendStatus(200)
	})
	x := serve(t, nil, h)
	x.send("HEAD / HTTP/1.1\r\nHost: h\r\n\r\n")
	if resp := x.response("HEAD"); resp.Header.Get("Content-Length") != "8202" {
		t.Fatalf("Content-Length %q, want 8202", resp.Header.Get("Content-Length"))
	}
	x.expectOpen()
}

// TestLargeStreamedUploadOverTCP: the echo of a body far past the drain
// limit keeps the stream, and the request pipelined behind it is answered.
func TestLargeStreamedUploadOverTCP(t *testing.T) {
	c := serveTCP(t, echoBody, nil)
	body := strings.Repeat("0123456789abcdef", 1<<16) // 1 MiB, four times the drain limit
	go io.WriteString(c, "POST /big HTTP/1.1\r\nHost: h\r\nContent-Length: 1048576\r\n\r\n"+body+
		"POST /small HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nok")
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	br := bufio.NewReader(c)
	for _, want := range []string{body, "ok"} {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("response lost: %v", err)
		}
		got, err := io.ReadAll(resp.Body)
		if err != nil || string(got) != want {
			t.Fatalf("body of %d bytes, %v; want %d bytes", len(got), err, len(want))
		}
		if resp.Close {
			t.Fatalf("Connection: close on a response whose request body was read whole")
		}
	}
}

// TestChunkedBodyCutByTheStreamEnd: a client that half-closes inside a
// chunked body has sent a truncated body, which is answered 400.
func TestChunkedBodyCutByTheStreamEnd(t *testing.T) {
	for name, h := range map[string]core.Handler{"head buffered first": echoBody, "body read first": readAllThenAnswer} {
		t.Run(name, func(t *testing.T) {
			x := serve(t, &core.Options{ErrorLog: quietLog}, h)
			x.send("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel")
			x.client.CloseWrite()
			resp := x.response("POST")
			if resp.StatusCode != 400 || !resp.Close {
				t.Fatalf("status %d close=%v %q; want 400 and close", resp.StatusCode, resp.Close, resp.body)
			}
		})
	}
}

// TestSlowSteadyUploadOutlivesOneDeadline: BodyReadTimeout bounds
// inactivity, not the whole body: a client that sends a little at a time,
// never pausing as long as the timeout, uploads for many timeouts.
func TestSlowSteadyUploadOutlivesOneDeadline(t *testing.T) {
	x := serve(t, &core.Options{BodyReadTimeout: 80 * time.Millisecond}, readAllThenAnswer)
	x.send("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 12\r\n\r\n")
	for range 12 {
		time.Sleep(30 * time.Millisecond)
		x.send("x")
	}
	if resp := x.response("POST"); resp.StatusCode != 200 || resp.body != "xxxxxxxxxxxx" {
		t.Fatalf("%d %q", resp.StatusCode, resp.body)
	}
	// A client that stops for longer than the timeout is cut off.
	x.send("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nab")
	if resp := x.response("POST"); resp.StatusCode == 200 {
		t.Fatalf("a stalled body was accepted: %q", resp.body)
	}
}
