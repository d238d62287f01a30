package core_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"strconv"
	"testing"

	"github.com/tophat-go/tophat/core"
)

// onceStream delivers input in pieces of step bytes, then io.EOF, and
// records what the server writes.
type onceStream struct {
	input []byte
	step  int
	out   bytes.Buffer
}

func (s *onceStream) Read(p []byte) (int, error) {
	if len(s.input) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), s.step)], s.input)
	s.input = s.input[n:]
	return n, nil
}

func (s *onceStream) Write(p []byte) (int, error) { return s.out.Write(p) }
func (s *onceStream) Close() error                { return nil }

var fuzzSeeds = []string{
	"GET / HTTP/1.1\r\nHost: h\r\n\r\n",
	"GET /a?b=c HTTP/1.1\r\nHost: h\r\n\r\nGET /d HTTP/1.1\r\nHost: h\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello",
	"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n0\r\nX: y\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
	"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.0\r\n\r\n",
	"GET http://example.com/x HTTP/1.1\r\nHost: other\r\n\r\n",
	"OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n",
	"CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n",
	"GET / HTTP/1.1\nHost: h\n\n",
	"GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi",
	"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
	"GET / HTTP/2.0\r\nHost: h\r\n\r\n",
	"\r\n\r\nGET / HTTP/1.1\r\nHost: [::1]:80\r\nCookie: a=b; c=\"d\"\r\n\r\n",
}

// FuzzServeConn feeds arbitrary bytes to the engine. Whatever arrives, it
// must neither panic nor hang, and what it writes must pair responses with
// requests: the handler's responses in order, one per call (each names its
// call in X-Seq), then at most one answer of the core's own (an error, with
// Connection: close) for a request it refused or a response it had to
// replace, and nothing after a response that closes the stream.
func FuzzServeConn(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s), uint8(0))
		f.Add([]byte(s), uint8(3))
	}
	quiet := &core.Options{ErrorLog: slog.New(slog.DiscardHandler), MaxHeaderBytes: 4096, MaxRequestLineBytes: 1024}
	f.Fuzz(func(t *testing.T, input []byte, step uint8) {
		calls := 0
		h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
			calls++
			w.Header().Set("X-Seq", strconv.Itoa(calls))
			switch req.Path() {
			case "/echo":
				// The head is buffered before the body is read.
				return w.SendReader(200, req.Body(), -1)
			case "/stream":
				io.Copy(io.Discard, req.Body())
				s := w.Begin(200)
				s.Write([]byte("streamed"))
				return s.Finish()
			}
			io.Copy(io.Discard, req.Body())
			return w.SendString(200, req.Method())
		})
		s := &onceStream{input: input, step: int(step) + 1}
		err := core.ServeConn(s, h, quiet)
		var pe *core.ProtocolError
		if err != nil && !errors.As(err, &pe) {
			t.Fatalf("ServeConn: %v", err)
		}
		out := s.out.Bytes()
		br := bufio.NewReader(bytes.NewReader(out))
		seq, coreAnswers := 0, 0
		for n := 0; ; n++ {
			if _, err := br.Peek(1); err == io.EOF {
				break
			}
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatalf("response %d malformed: %v\noutput: %q", n, err, out)
			}
			_, bodyErr := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 100 {
				continue
			}
			if coreAnswers > 0 {
				t.Fatalf("response %d follows the core's closing answer\noutput: %q", n, out)
			}
			if v := resp.Header.Get("X-Seq"); v != "" {
				if v != strconv.Itoa(seq+1) {
					t.Fatalf("response %d answers call %s, want %d\noutput: %q", n, v, seq+1, out)
				}
				seq++
			} else {
				if resp.StatusCode < 400 || !resp.Close {
					t.Fatalf("response %d: the core answered %d close=%v\noutput: %q", n, resp.StatusCode, resp.Close, out)
				}
				coreAnswers++
			}
			if (resp.Close || bodyErr != nil) && br.Buffered() > 0 {
				t.Fatalf("bytes after response %d, which ends the stream\noutput: %q", n, out)
			}
		}
		if seq != calls && !(seq == calls-1 && coreAnswers == 1) {
			t.Fatalf("%d handler calls, %d of their responses and %d of the core's\noutput: %q", calls, seq, coreAnswers, out)
		}
	})
}

// FuzzChunkedBody checks the chunked decoder against net/http's: whatever
// tophat accepts, net/http accepts too, with the same bytes. tophat may
// refuse more (bare LF, malformed extensions) but never read differently.
func FuzzChunkedBody(f *testing.F) {
	for _, s := range []string{
		"0\r\n\r\n",
		"5\r\nhello\r\n0\r\n\r\n",
		"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\n",
		"a\r\n0123456789\r\n0\r\n\r\n",
		"5\nhello\n0\n\n",
		"ffffffffffffffff\r\n",
		"2;a=\"b\\\"c\"\r\nhi\r\n0\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	head := []byte("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n")
	f.Fuzz(func(t *testing.T, chunked []byte) {
		var got []byte
		var readErr error
		h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
			got, readErr = io.ReadAll(req.Body())
			return w.SendStatus(204)
		})
		s := &onceStream{input: append(append([]byte(nil), head...), chunked...), step: 1 << 20}
		core.ServeConn(s, h, &core.Options{ErrorLog: slog.New(slog.DiscardHandler)})
		if readErr != nil || got == nil {
			return
		}
		want, err := io.ReadAll(httputil.NewChunkedReader(bytes.NewReader(chunked)))
		if err != nil {
			t.Fatalf("tophat accepted %q as %q; net/http refuses it: %v", chunked, got, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("tophat read %q, net/http %q, from %q", got, want, chunked)
		}
	})
}
