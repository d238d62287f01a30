package nethttp_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/nethttp"
	"github.com/tophat-go/tophat/transports/pipe"
)

// receipts records what a bridged handler returned, as an access log sees it.
type receipts struct {
	mu  sync.Mutex
	got []core.ResponseWritten
}

func (rs *receipts) wrap(h core.Handler) core.Handler {
	return core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		r := h.Serve(req, w)
		rs.mu.Lock()
		rs.got = append(rs.got, r)
		rs.mu.Unlock()
		return r
	})
}

// nth returns the receipt of the n-th request (from 1), waiting for it: a
// client can see the whole response (or a WebSocket's close) before its
// handler returns.
func (rs *receipts) nth(t testing.TB, n int) core.ResponseWritten {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for {
		rs.mu.Lock()
		var r core.ResponseWritten
		have := len(rs.got) >= n
		if have {
			r = rs.got[n-1]
		}
		rs.mu.Unlock()
		if have {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatal("no receipt recorded")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestRequestFields(t *testing.T) {
	var ctxErr error
	var ctx context.Context
	h := nethttp.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx = r.Context()
		local, _ := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
		fmt.Fprintf(w, "method=%s uri=%s path=%s query=%s host=%s proto=%s/%d.%d remote=%s local=%v\n",
			r.Method, r.RequestURI, r.URL.Path, r.URL.RawQuery, r.Host, r.Proto, r.ProtoMajor, r.ProtoMinor, r.RemoteAddr, local)
		fmt.Fprintf(w, "custom=%q hostfield=%v multi=%q tls=%v cl=%d body=%T\n",
			r.Header["X-Custom-Thing"], r.Header["Host"] != nil, r.Header["X-Multi"], r.TLS != nil, r.ContentLength, r.Body)
	}))
	s := serve(t, h)
	req, _ := http.NewRequest("GET", "http://bridge.test/a%20b/c?x=1&y=%2F", nil)
	req.Header["x-custom-thing"] = []string{"v1"}
	req.Header.Add("X-Multi", "one")
	req.Header.Add("X-Multi", "two")
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	name := s.ln.Addr().String()
	wantText := fmt.Sprintf("method=GET uri=/a%%20b/c?x=1&y=%%2F path=/a b/c query=x=1&y=%%2F host=bridge.test proto=HTTP/1.1/1.1 remote=%s local=%s\n"+
		"custom=[\"v1\"] hostfield=false multi=[\"one\" \"two\"] tls=false cl=0 body=http.noBody\n", name, name)
	want(t, resp, string(b), 200, wantText)
	// The response leaves before the handler's call returns, so wait.
	select {
	case <-ctx.Done():
		ctxErr = ctx.Err()
	case <-time.After(testTimeout):
	}
	if ctxErr == nil {
		t.Error("the request context was not cancelled when the handler returned")
	}
}

func TestRequestBody(t *testing.T) {
	h := nethttp.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		declared := fmt.Sprint(r.Trailer)
		b, err := io.ReadAll(r.Body)
		if pe := (*core.ProtocolError)(nil); errors.As(err, &pe) {
			http.Error(w, pe.Reason, pe.Status)
			return
		}
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		r.Body.Close()
		if _, err := r.Body.Read(make([]byte, 1)); err != http.ErrBodyReadAfterClose {
			http.Error(w, fmt.Sprintf("read after close: %v", err), 500)
			return
		}
		fmt.Fprintf(w, "%d %q cl=%d te=%q declared=%s trailer=%q", len(b), b[:min(len(b), 5)], r.ContentLength, r.TransferEncoding, declared, r.Trailer.Get("X-Sum"))
	}))
	s := serveWith(t, h, core.Options{MaxBodyBytes: 1000})

	resp, body := s.do(t, "POST", "http://x/", strings.NewReader("hello world"))
	want(t, resp, body, 200, `11 "hello" cl=11 te=[] declared=map[] trailer=""`)

	pr, pw := io.Pipe()
	go func() {
		pw.Write([]byte("chunked body"))
		pw.Close()
	}()
	req, _ := http.NewRequest("POST", "http://x/", pr)
	req.Trailer = http.Header{"X-Sum": nil}
	resp2, err := s.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	// The trailer value is set once the body is written, as net/http's
	// client requires.
	b, _ := io.ReadAll(resp2.Body)
	resp2.Body.Close()
	contains(t, string(b), `12 "chunk" cl=-1 te=["chunked"] declared=map[X-Sum:[]]`)

	resp, body = s.do(t, "POST", "http://x/", strings.NewReader(strings.Repeat("x", 2000)))
	if resp.StatusCode != 413 {
		t.Fatalf("oversized body: got %d %q, want 413", resp.StatusCode, body)
	}
}

func TestRequestTrailer(t *testing.T) {
	h := nethttp.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		fmt.Fprintf(w, "trailer=%q", r.Trailer.Get("X-Sum"))
	}))
	s := serve(t, h)
	conn, err := pipe.Dial(context.Background(), s.ln.Addr().String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprint(conn, "POST / HTTP/1.1\r\nHost: x\r\nTrailer: X-Sum\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"+
		"3\r\nabc\r\n0\r\nX-Sum: 42\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	want(t, resp, string(b), 200, `trailer="42"`)
}

func TestImplicitResponse(t *testing.T) {
	rs := &receipts{}
	big := bytes.Repeat([]byte("<html>"), 10000)
	mux := http.NewServeMux()
	mux.HandleFunc("/nothing", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("/small", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "<!DOCTYPE html><p>hi") })
	mux.HandleFunc("/typed", func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = nil // net/http: no sniffing, no field
		w.Write([]byte("<html>"))
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) { w.Write(big) })
	mux.HandleFunc("/status", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Before", "1")
		w.WriteHeader(418)
		w.Header().Set("X-After", "1") // not in the head: net/http snapshots at WriteHeader
		w.WriteHeader(500)             // ignored
		w.Write([]byte("teapot"))
	})
	mux.HandleFunc("/nocontent", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(204)
		if _, err := w.Write([]byte("x")); err != http.ErrBodyNotAllowed {
			panic(fmt.Sprintf("Write on 204: %v", err))
		}
	})
	mux.HandleFunc("/declared", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "5")
		w.Write([]byte("12345"))
	})
	s := serve(t, rs.wrap(nethttp.Handler(mux)))

	resp, body := s.get(t, "http://x/nothing")
	want(t, resp, body, 200, "")
	if resp.ContentLength != 0 || resp.Header.Get("Content-Type") != "" {
		t.Errorf("empty: ContentLength %d, Content-Type %q", resp.ContentLength, resp.Header.Get("Content-Type"))
	}

	resp, body = s.get(t, "http://x/small")
	want(t, resp, body, 200, "<!DOCTYPE html><p>hi")
	if resp.ContentLength != int64(len(body)) || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Errorf("small: ContentLength %d, Content-Type %q", resp.ContentLength, resp.Header.Get("Content-Type"))
	}
	if r := rs.nth(t, 2); r.Status() != 200 || r.BodyBytes() != int64(len(body)) || r.Err() != nil {
		t.Errorf("receipt: status %d, body bytes %d, err %v", r.Status(), r.BodyBytes(), r.Err())
	}

	resp, body = s.get(t, "http://x/typed")
	want(t, resp, body, 200, "<html>")
	if _, ok := resp.Header["Content-Type"]; ok {
		t.Errorf("typed: Content-Type %q sent, want none", resp.Header["Content-Type"])
	}

	resp, body = s.get(t, "http://x/big")
	want(t, resp, body, 200, string(big))
	if resp.ContentLength != -1 || len(resp.TransferEncoding) != 1 || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Errorf("big: ContentLength %d, TransferEncoding %q, Content-Type %q", resp.ContentLength, resp.TransferEncoding, resp.Header.Get("Content-Type"))
	}
	if r := rs.nth(t, 4); r.BodyBytes() != int64(len(big)) {
		t.Errorf("big receipt: %d body bytes, want %d", r.BodyBytes(), len(big))
	}

	resp, body = s.get(t, "http://x/status")
	want(t, resp, body, 418, "teapot")
	if resp.Header.Get("X-Before") != "1" || resp.Header.Get("X-After") != "" {
		t.Errorf("status: head %v", resp.Header)
	}

	resp, body = s.get(t, "http://x/nocontent")
	want(t, resp, body, 204, "")

	resp, body = s.get(t, "http://x/declared")
	want(t, resp, body, 200, "12345")
	if resp.ContentLength != 5 {
		t.Errorf("declared: ContentLength %d", resp.ContentLength)
	}

	// HEAD answered by a handler that writes the GET body carries its length.
	resp, body = s.do(t, "HEAD", "http://x/small", nil)
	want(t, resp, body, 200, "")
	if resp.ContentLength != int64(len("<!DOCTYPE html><p>hi")) {
		t.Errorf("HEAD: ContentLength %d", resp.ContentLength)
	}
	resp, _ = s.do(t, "HEAD", "http://x/declared", nil)
	if resp.ContentLength != 5 {
		t.Errorf("HEAD declared: ContentLength %d", resp.ContentLength)
	}
}

func TestFlushStreams(t *testing.T) {
	release := make(chan struct{})
	h := nethttp.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "first\n")
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		io.WriteString(w, "second\n")
	}))
	s := serve(t, h)
	resp, err := s.client.Get("http://x/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	line, err := br.ReadString('\n')
	if err != nil || line != "first\n" {
		t.Fatalf("first line %q, %v", line, err)
	}
	close(release)
	rest, err := io.ReadAll(br)
	if err != nil || string(rest) != "second\n" {
		t.Fatalf("rest %q, %v", rest, err)
	}
	if resp.ContentLength != -1 {
		t.Errorf("flushed response has ContentLength %d", resp.ContentLength)
	}
}

func TestTrailers(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/declared", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-Checksum")
		w.Write([]byte("body"))
		w.Header().Set("X-Checksum", "abc")
	})
	mux.HandleFunc("/prefix", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("body"))
		w.(http.Flusher).Flush()
		w.Header().Set(http.TrailerPrefix+"X-Late", "late")
	})
	s := serve(t, nethttp.Handler(mux))
	for path, wantT := range map[string]http.Header{
		"/declared": {"X-Checksum": {"abc"}},
		"/prefix":   {"X-Late": {"late"}},
	} {
		resp, body := s.get(t, "http://x"+path)
		want(t, resp, body, 200, "body")
		for k, v := range wantT {
			if got := resp.Trailer.Get(k); got != v[0] {
				t.Errorf("%s: trailer %s = %q, want %q (trailers %v)", path, k, got, v[0], resp.Trailer)
			}
		}
	}
}

func TestEarlyHints(t *testing.T) {
	h := nethttp.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Link", "</style.css>; rel=preload; as=style")
		w.WriteHeader(103)
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte("done"))
	}))
	s := serve(t, h)
	var hints []string
	trace := &httptrace.ClientTrace{Got1xxResponse: func(code int, header textproto.MIMEHeader) error {
		hints = append(hints, fmt.Sprintf("%d %s", code, header.Get("Link")))
		return nil
	}}
	req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), "GET", "http://x/", nil)
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want(t, resp, string(b), 200, "done")
	if len(hints) != 1 || hints[0] != "103 </style.css>; rel=preload; as=style" {
		t.Errorf("1xx responses: %q", hints)
	}
	if resp.Header.Get("Link") == "" {
		t.Error("the Link field set before 103 is missing from the final response")
	}
}

// wrapped is the usual net/http middleware writer: it embeds the
// ResponseWriter and offers Unwrap for http.ResponseController.
type wrapped struct{ http.ResponseWriter }

func (w wrapped) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func TestResponseController(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/flush", func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(wrapped{w})
		if err := rc.EnableFullDuplex(); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		io.WriteString(w, "a")
		if err := rc.Flush(); err != nil {
			panic(err)
		}
		io.WriteString(w, "b")
	})
	mux.HandleFunc("/write-deadline", func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(wrapped{w})
		rc.SetWriteDeadline(time.Now().Add(-time.Second))
		_, err := w.Write([]byte("late"))
		var ne net.Error
		rc.SetWriteDeadline(time.Time{})
		fmt.Fprintf(w, "timeout=%v deadline=%v", errors.As(err, &ne) && ne.Timeout(), errors.Is(err, os.ErrDeadlineExceeded))
	})
	mux.HandleFunc("/read-deadline", func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(wrapped{w})
		rc.SetReadDeadline(time.Now().Add(-time.Second))
		_, err := io.ReadAll(r.Body)
		fmt.Fprintf(w, "deadline=%v", errors.Is(err, os.ErrDeadlineExceeded))
	})
	s := serve(t, nethttp.Handler(mux))
	resp, body := s.get(t, "http://x/flush")
	want(t, resp, body, 200, "ab")
	if resp.ContentLength != -1 {
		t.Errorf("flushed: ContentLength %d", resp.ContentLength)
	}
	resp, body = s.get(t, "http://x/write-deadline")
	want(t, resp, body, 200, "timeout=true deadline=true")
	resp, body = s.do(t, "POST", "http://x/read-deadline", strings.NewReader("body"))
	want(t, resp, body, 200, "deadline=true")
}

func TestFullDuplex(t *testing.T) {
	h := nethttp.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.NewResponseController(w).EnableFullDuplex()
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		br := bufio.NewReader(r.Body)
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			io.WriteString(w, strings.ToUpper(line))
			w.(http.Flusher).Flush()
		}
	}))
	s := serve(t, h)
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", "http://x/", pr)
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	for _, word := range []string{"one", "two", "three"} {
		io.WriteString(pw, word+"\n")
		line, err := br.ReadString('\n')
		if err != nil || line != strings.ToUpper(word)+"\n" {
			t.Fatalf("echo of %q: %q, %v", word, line, err)
		}
	}
	pw.Close()
	if rest, err := io.ReadAll(br); err != nil || len(rest) != 0 {
		t.Fatalf("after the body: %q, %v", rest, err)
	}
}

func TestHijack(t *testing.T) {
	rs := &receipts{}
	h := nethttp.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, brw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		defer conn.Close()
		if _, _, err := w.(http.Hijacker).Hijack(); err != http.ErrHijacked {
			panic(fmt.Sprintf("second Hijack: %v", err))
		}
		if _, err := w.Write([]byte("x")); err != http.ErrHijacked {
			panic(fmt.Sprintf("Write after Hijack: %v", err))
		}
		early := make([]byte, brw.Reader.Buffered())
		io.ReadFull(brw, early)
		// A deadline works on a stream that has them (a pipe does).
		conn.SetReadDeadline(time.Now().Add(-time.Second))
		_, rerr := conn.Read(make([]byte, 1))
		conn.SetReadDeadline(time.Time{})
		msg := fmt.Sprintf("early=%q deadline=%v", early, errors.Is(rerr, os.ErrDeadlineExceeded))
		fmt.Fprintf(brw, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(msg), msg)
		brw.Flush()
	}))
	s := serve(t, rs.wrap(h))
	conn, err := pipe.Dial(context.Background(), s.ln.Addr().String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// The head and bytes after it arrive in one write, so the core reads
	// them ahead: the hijacked reader must hold them.
	io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\nEXTRA")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	want(t, resp, string(b), 200, `early="EXTRA" deadline=true`)
	if r := rs.nth(t, 1); r.IsZero() || r.Status() != 0 {
		t.Errorf("hijack receipt: zero %v, status %d; want the core's Hijack receipt", r.IsZero(), r.Status())
	}
}

func TestHijackAfterWriteHeader(t *testing.T) {
	h := nethttp.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		_, _, err := w.(http.Hijacker).Hijack()
		fmt.Fprintf(w, "%v", errors.Is(err, nethttp.ErrHijackStarted))
	}))
	s := serve(t, h)
	resp, body := s.get(t, "http://x/")
	want(t, resp, body, 200, "true")
}

func TestDeadHandles(t *testing.T) {
	kept := make(chan http.ResponseWriter, 1)
	keptBody := make(chan io.Reader, 1)
	returned := make(chan struct{}, 1)
	bridged := nethttp.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		kept <- w
		keptBody <- r.Body
		io.WriteString(w, "ok")
	}))
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		defer func() { returned <- struct{}{} }()
		return bridged.Serve(req, w)
	})
	s := serve(t, h)
	resp, body := s.do(t, "POST", "http://x/", strings.NewReader("some body"))
	want(t, resp, body, 200, "ok")
	<-returned // the handles are used after their handler returned, not during
	w := <-kept
	if _, err := w.Write([]byte("late")); !errors.Is(err, nethttp.ErrHandlerReturned) {
		t.Errorf("Write after return: %v", err)
	}
	if _, _, err := w.(http.Hijacker).Hijack(); !errors.Is(err, nethttp.ErrHandlerReturned) {
		t.Errorf("Hijack after return: %v", err)
	}
	if n, err := (<-keptBody).Read(make([]byte, 10)); n != 0 || err == nil {
		t.Errorf("Body read after return: %d, %v", n, err)
	}
}

func TestWriteHeaderPanicsOnInvalidCode(t *testing.T) {
	h := nethttp.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(42)
	}))
	s := serveWith(t, h, core.Options{ErrorLog: discardLogger()})
	resp, _ := s.get(t, "http://x/")
	if resp.StatusCode != 500 {
		t.Fatalf("status %d, want the core's 500 for a panic", resp.StatusCode)
	}
}

// bigHandler streams n bytes in pieces of 1000.
func bigHandler(n int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		piece := bytes.Repeat([]byte{'z'}, 1000)
		for i := 0; i < n; i += len(piece) {
			w.Write(piece[:min(len(piece), n-i)])
		}
	})
}

func TestBodySizesAroundTheBuffer(t *testing.T) {
	mux := http.NewServeMux()
	for _, n := range []int{0, 1, 16<<10 - 1, 16 << 10, 16<<10 + 1, 100 << 10} {
		mux.Handle("/"+strconv.Itoa(n), bigHandler(n))
	}
	s := serve(t, nethttp.Handler(mux))
	for _, n := range []int{0, 1, 16<<10 - 1, 16 << 10, 16<<10 + 1, 100 << 10} {
		resp, body := s.get(t, "http://x/"+strconv.Itoa(n))
		want(t, resp, body, 200, strings.Repeat("z", n))
		wantLen := int64(n)
		if n > 16<<10 {
			wantLen = -1
		}
		if resp.ContentLength != wantLen {
			t.Errorf("%d bytes: ContentLength %d, want %d", n, resp.ContentLength, wantLen)
		}
	}
}
