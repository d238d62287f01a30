package compress_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/compress"
)

// bodies is a handler that sends the same text through every terminal
// method, so each one is seen to pass through the filter.
func bodies(body string) core.Handler {
	return core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Accept-Ranges", "bytes")
		switch req.Path() {
		case "/send":
			return w.Send(200, []byte(body))
		case "/string":
			return w.SendString(200, body)
		case "/reader":
			return w.SendReader(200, strings.NewReader(body), int64(len(body)))
		case "/reader-unknown":
			return w.SendReader(200, strings.NewReader(body), -1)
		case "/stream":
			b := w.Begin(200)
			for rest := body; rest != ""; {
				n := min(len(rest), 3000)
				b.WriteString(rest[:n])
				rest = rest[n:]
			}
			return b.Finish()
		case "/not-found":
			return w.SendString(404, body)
		}
		return w.SendStatus(500)
	})
}

// TestEncodings decodes every coding, from every terminal method, with
// Go's client, and compares the bodies.
func TestEncodings(t *testing.T) {
	for _, size := range []int{5000, 1 << 20} {
		body := text(size)
		client := serve(t, core.Chain(bodies(body), mustNew(t, compress.Config{})))
		for _, enc := range encodings {
			for _, path := range []string{"/send", "/string", "/reader", "/reader-unknown", "/stream", "/not-found"} {
				t.Run(fmt.Sprintf("%s/%d%s", enc, size, path), func(t *testing.T) {
					resp, raw := get(t, client, "GET", "http://app"+path, enc)
					if got := resp.Header.Get("Content-Encoding"); got != enc {
						t.Fatalf("Content-Encoding %q, want %q (%v)", got, enc, resp.Header)
					}
					if resp.ContentLength != -1 || len(resp.TransferEncoding) != 1 || resp.TransferEncoding[0] != "chunked" {
						t.Errorf("framing: Content-Length %d, Transfer-Encoding %v; want chunked", resp.ContentLength, resp.TransferEncoding)
					}
					if got := resp.Header.Values("Vary"); len(got) != 1 || got[0] != "Accept-Encoding" {
						t.Errorf("Vary %q", got)
					}
					if got := resp.Header.Get("ETag"); got != `W/"v1"` {
						t.Errorf("ETag %q, want the weak W/\"v1\"", got)
					}
					if resp.Header.Get("Accept-Ranges") != "" {
						t.Errorf("Accept-Ranges kept on a compressed body")
					}
					if len(raw) >= size {
						t.Errorf("%d bytes compressed to %d", size, len(raw))
					}
					got, err := decode(enc, raw)
					if err != nil {
						t.Fatalf("decoding: %v", err)
					}
					if string(got) != body {
						t.Fatalf("decoded %d bytes, want the %d sent", len(got), len(body))
					}
				})
			}
		}
	}
}

// TestStreamedFlush checks that a flush reaches the client decodable:
// the handler writes the next event only once the client has decoded the
// one before, so a flush that stopped in the encoder would stall the
// exchange (and fail the test after a generous wait, which is a deadlock
// guard, not a measure of speed).
func TestStreamedFlush(t *testing.T) {
	events := []string{"data: one\n\n", "data: two, a little longer\n\n", "data: " + text(3000) + "\n\n", "data: four\n\n"}
	for _, enc := range encodings {
		t.Run(enc, func(t *testing.T) {
			decoded := make(chan int, len(events)) // never blocks the client, so a stalled handler can report
			handlerDone := make(chan error, 1)
			h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
				w.Header().Set("Content-Type", "text/event-stream")
				b := w.Begin(200)
				for i, ev := range events {
					b.WriteString(ev)
					if err := b.Flush(); err != nil {
						handlerDone <- err
						return b.Finish()
					}
					select {
					case n := <-decoded:
						if n != i {
							handlerDone <- fmt.Errorf("client decoded event %d, want %d", n, i)
							return b.Finish()
						}
					case <-time.After(10 * time.Second):
						handlerDone <- fmt.Errorf("event %d never decoded: the flush stayed in the encoder", i)
						return b.Finish()
					}
				}
				handlerDone <- nil
				return b.Finish()
			})
			client := serve(t, core.Chain(h, mustNew(t, compress.Config{})))
			req, _ := http.NewRequest("GET", "http://app/events", nil)
			req.Header.Set("Accept-Encoding", enc)
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if got := resp.Header.Get("Content-Encoding"); got != enc {
				t.Fatalf("Content-Encoding %q", got)
			}
			r, done, err := decoder(enc, resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			defer done()
			for i, ev := range events {
				buf := make([]byte, len(ev))
				if _, err := io.ReadFull(r, buf); err != nil {
					t.Fatalf("event %d: %v", i, err)
				}
				if string(buf) != ev {
					t.Fatalf("event %d: %q", i, buf)
				}
				decoded <- i
			}
			if rest, err := io.ReadAll(r); err != nil || len(rest) != 0 {
				t.Fatalf("after the events: %q, %v", rest, err)
			}
			if err := <-handlerDone; err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestConcurrentResponses runs many compressed responses at once, so that
// pooled encoders are shared between streams: a body that reached another
// response, or an encoder reused before its Close, shows as a wrong body.
func TestConcurrentResponses(t *testing.T) {
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return w.SendString(200, req.Path()+text(4000+len(req.Path())))
	})
	client := serve(t, core.Chain(h, mustNew(t, compress.Config{})))
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			for i := range 15 {
				path := fmt.Sprintf("/%d/%d", g, i)
				enc := encodings[(g+i)%len(encodings)]
				req, _ := http.NewRequest("GET", "http://app"+path, nil)
				req.Header.Set("Accept-Encoding", enc)
				resp, err := client.Do(req)
				if err != nil {
					errs <- err
					return
				}
				raw, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil {
					errs <- err
					return
				}
				got, err := decode(resp.Header.Get("Content-Encoding"), raw)
				if want := path + text(4000+len(path)); err != nil || string(got) != want {
					errs <- fmt.Errorf("%s in %s: %d bytes, %v", path, enc, len(got), err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestAbortedResponse checks that a compressed response cut off by its
// handler (which fails after streaming part of it) leaves the middleware
// serving the next ones correctly: its encoder is dropped, not pooled in a
// broken state.
func TestAbortedResponse(t *testing.T) {
	body := text(20000)
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		if req.Path() == "/abort" {
			b := w.Begin(200)
			b.WriteString(body)
			b.Flush()
			w.Header().Set("Content-Length", "1") // a trailer field that breaks the framing
			b.Trailer().Set("Bad Name", "x")
			return b.Finish()
		}
		return w.SendString(200, body)
	})
	client := serve(t, core.Chain(h, mustNew(t, compress.Config{Encodings: []string{"gzip"}})))
	for range 3 {
		req, _ := http.NewRequest("GET", "http://app/abort", nil)
		req.Header.Set("Accept-Encoding", "gzip")
		if resp, err := client.Do(req); err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
			if err == nil {
				t.Fatal("an aborted response read as complete")
			}
		}
		resp, raw := get(t, client, "GET", "http://app/ok", "gzip")
		got, err := decode(resp.Header.Get("Content-Encoding"), raw)
		if err != nil || string(got) != body {
			t.Fatalf("after an aborted response: %d bytes, %v", len(got), err)
		}
	}
}

// TestHTTP10 checks a compressed body delimited by the stream's end.
func TestHTTP10(t *testing.T) {
	body := text(8000)
	h := core.Chain(bodies(body), mustNew(t, compress.Config{}))
	for _, enc := range encodings {
		req := newRequest("/string", enc)
		req.Proto = "HTTP/1.0"
		res := req.Serve(h)
		if res.Header.Get("Content-Encoding") != enc || res.ContentLength() != -1 || !res.Close {
			t.Fatalf("%s: %d %v close=%v", enc, res.Status, res.Header, res.Close)
		}
		got, err := decode(enc, res.Body)
		if err != nil || !bytes.Equal(got, []byte(body)) {
			t.Fatalf("%s: %d bytes, %v", enc, len(got), err)
		}
	}
}
