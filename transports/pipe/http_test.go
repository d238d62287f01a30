package pipe_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tophat-go/tophat/transports/pipe"
)

// responder is a test-only HTTP/1.1 server: for every request it answers
// "METHOD PATH sha256-of-body" with a fixed-length 200 response.
type responder struct {
	ln       *pipe.Listener
	wg       sync.WaitGroup
	accepted atomic.Int32
	mu       sync.Mutex
	conns    []net.Conn
}

func startResponder(t *testing.T, ln *pipe.Listener) *responder {
	r := &responder{ln: ln}
	r.wg.Add(1)
	go r.acceptLoop()
	t.Cleanup(r.stop)
	return r
}

func (r *responder) acceptLoop() {
	defer r.wg.Done()
	for {
		c, err := r.ln.AcceptConn()
		if err != nil {
			return
		}
		r.accepted.Add(1)
		r.mu.Lock()
		r.conns = append(r.conns, c)
		r.mu.Unlock()
		r.wg.Add(1)
		go r.serve(c)
	}
}

func (r *responder) serve(c net.Conn) {
	defer r.wg.Done()
	defer c.Close()
	br := bufio.NewReader(c)
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return
		}
		sum := sha256.Sum256(body)
		answer := fmt.Sprintf("%s %s %s", req.Method, req.URL.Path, hex.EncodeToString(sum[:]))
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s", len(answer), answer)
	}
}

// stop closes the listener and every stream, and waits for all goroutines.
func (r *responder) stop() {
	r.ln.Close()
	r.mu.Lock()
	for _, c := range r.conns {
		c.Close()
	}
	r.mu.Unlock()
	r.wg.Wait()
}

func get(t *testing.T, client *http.Client, method, url string, body []byte) string {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.ProtoMajor != 1 || resp.ProtoMinor != 1 {
		t.Fatalf("%s %s: %s %s", method, url, resp.Proto, resp.Status)
	}
	return string(got)
}

func bodySum(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func TestHTTPClientThroughListener(t *testing.T) {
	ln := listen(t, "http-app", nil)
	r := startResponder(t, ln)
	client := ln.Client()
	defer client.CloseIdleConnections()

	if got, want := get(t, client, "GET", "http://http-app/hello", nil), "GET /hello "+bodySum(nil); got != want {
		t.Errorf("GET = %q, want %q", got, want)
	}
	// A body far larger than the pipe buffers, on the same kept-alive stream.
	big := bytes.Repeat([]byte("tophat "), 300_000)
	if got, want := get(t, client, "POST", "http://http-app/upload", big), "POST /upload "+bodySum(big); got != want {
		t.Errorf("POST = %q, want %q", got, want)
	}
	if n := r.accepted.Load(); n != 1 {
		t.Errorf("sequential requests used %d streams, want 1 kept alive", n)
	}
}

func TestHTTPTransportIgnoresURLHost(t *testing.T) {
	ln := listen(t, "elsewhere", nil)
	startResponder(t, ln)
	transport := pipe.Transport("elsewhere", nil)
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport}

	for _, url := range []string{"http://example.com/a", "http://10.1.2.3:9999/b", "http://anything/c"} {
		got := get(t, client, "GET", url, nil)
		path := url[strings.LastIndex(url, "/"):]
		if want := "GET " + path + " " + bodySum(nil); got != want {
			t.Errorf("GET %s = %q, want %q", url, got, want)
		}
	}
}

func TestHTTPConcurrentRequests(t *testing.T) {
	ln := listen(t, "http-concurrent", nil)
	startResponder(t, ln)
	client := ln.Client()
	defer client.CloseIdleConnections()

	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := bytes.Repeat([]byte{byte(i)}, 10_000*i)
			resp, err := client.Post(fmt.Sprintf("http://x/%d", i), "application/octet-stream", bytes.NewReader(body))
			if err != nil {
				errs <- err
				return
			}
			got, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if want := fmt.Sprintf("POST /%d %s", i, bodySum(body)); err != nil || string(got) != want {
				errs <- fmt.Errorf("request %d: got %q, %v", i, got, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestHTTPWithoutListener(t *testing.T) {
	transport := pipe.Transport("no-such-app", nil)
	defer transport.CloseIdleConnections()
	_, err := (&http.Client{Transport: transport}).Get("http://no-such-app/")
	if !errors.Is(err, pipe.ErrNoListener) {
		t.Fatalf("Get = %v, want ErrNoListener", err)
	}
}
