package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tophat-go/tophat/transports/tls"
)

// TestRoutes checks that every implementation, over TCP and TLS, answers
// each route the wrk suite uses with what the suite expects, so a server
// that answers wrongly cannot look fast.
func TestRoutes(t *testing.T) {
	cert, err := tls.SelfSigned("127.0.0.1", "localhost")
	if err != nil {
		t.Fatal(err)
	}
	type exchange struct {
		canned      string // the canned server's response for this route
		method, uri string
		body        []byte
		close       bool
		wantType    string
		wantBody    []byte
	}
	exchanges := []exchange{
		{"plaintext", "GET", "/plaintext", nil, false, "text/plain", []byte(helloBody)},
		{"json", "GET", "/json", nil, false, "application/json", jsonBody},
		{"upload", "POST", "/upload", bytes.Repeat([]byte{'u'}, uploadSize), false, "text/plain", []byte(helloBody)},
		{"close", "GET", "/plaintext", nil, true, "text/plain", []byte(helloBody)},
	}
	for _, impl := range []string{"tophat", "nethttp", "fasthttp", "canned"} {
		for _, withTLS := range []bool{false, true} {
			name := impl
			if withTLS {
				name += "/tls"
			}
			t.Run(name, func(t *testing.T) {
				var c *tls.DevCertificate
				if withTLS {
					c = cert
				}
				for _, ex := range exchanges {
					addr, stop := start(t, config{impl: impl, canned: ex.canned, cert: c})
					scheme := "http://"
					tr := &http.Transport{}
					if withTLS {
						scheme = "https://"
						tr.TLSClientConfig = cert.ClientConfig()
					}
					client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
					for range 3 { // the same connection again, unless closed
						req, err := http.NewRequest(ex.method, scheme+addr+ex.uri, bytes.NewReader(ex.body))
						if err != nil {
							t.Fatal(err)
						}
						req.Close = ex.close
						resp, err := client.Do(req)
						if err != nil {
							t.Fatalf("%s %s: %v", ex.method, ex.uri, err)
						}
						got, err := io.ReadAll(resp.Body)
						resp.Body.Close()
						switch {
						case err != nil:
							t.Fatalf("%s %s: body: %v", ex.method, ex.uri, err)
						case resp.StatusCode != 200 || !bytes.Equal(got, ex.wantBody):
							t.Fatalf("%s %s: %s %.40q", ex.method, ex.uri, resp.Status, got)
						case resp.Header.Get("Content-Type") != ex.wantType:
							t.Fatalf("%s %s: Content-Type %q", ex.method, ex.uri, resp.Header.Get("Content-Type"))
						case resp.Close != ex.close:
							t.Fatalf("%s %s: response closes: %v, want %v", ex.method, ex.uri, resp.Close, ex.close)
						}
					}
					tr.CloseIdleConnections()
					stop()
				}
			})
		}
	}
}

// TestFileRoute checks that every implementation sends the -file file
// whole at /file, twice over one connection (so the first body ended
// where its Content-Length said), and answers 404 there without -file.
func TestFileRoute(t *testing.T) {
	// Over fasthttp's 8 KiB small-file limit, so its sendfile path runs,
	// and no round size.
	data := make([]byte, 1<<20+7)
	rand.Read(data)
	name := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(name, data, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, impl := range []string{"tophat", "nethttp", "fasthttp"} {
		t.Run(impl, func(t *testing.T) {
			addr, _ := start(t, config{impl: impl, file: name})
			tr := &http.Transport{MaxConnsPerHost: 1, DisableCompression: true}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
			for range 2 {
				resp, err := client.Get("http://" + addr + "/file")
				if err != nil {
					t.Fatal(err)
				}
				got, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				switch {
				case err != nil:
					t.Fatalf("body: %v", err)
				case resp.StatusCode != 200 || resp.ContentLength != int64(len(data)):
					t.Fatalf("%s, Content-Length %d, want 200 and %d", resp.Status, resp.ContentLength, len(data))
				case !bytes.Equal(got, data):
					t.Fatalf("%d bytes differ from the file's %d", len(got), len(data))
				case resp.Header.Get("Content-Type") != fileContentType:
					t.Fatalf("Content-Type %q", resp.Header.Get("Content-Type"))
				}
			}

			addr, _ = start(t, config{impl: impl})
			resp, err := client.Get("http://" + addr + "/file")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 404 {
				t.Fatalf("/file without -file: %s", resp.Status)
			}
		})
	}
	if err := serve(context.Background(), config{impl: "canned", canned: "plaintext", file: name}, func(net.Addr) {}); err == nil {
		t.Fatal("the canned server accepted -file")
	}
}

func TestJSONBody(t *testing.T) {
	if len(jsonBody) != jsonSize || !json.Valid(jsonBody) {
		t.Fatalf("jsonBody: %d bytes, valid %v", len(jsonBody), json.Valid(jsonBody))
	}
}

// TestCannedCountsHeads checks the canned server's one piece of logic:
// one answer per head end, including ends split across reads, and
// several answers to pipelined heads in one write.
func TestCannedCountsHeads(t *testing.T) {
	addr, stop := start(t, config{impl: "canned", canned: "plaintext"})
	defer stop()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	head := "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
	parts := []string{head + head + head[:len(head)-3], head[len(head)-3:] + head[:len(head)-1], head[len(head)-1:]}
	for _, p := range parts {
		if _, err := io.WriteString(c, p); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond) // separate reads on the server
	}
	resp := cannedResponses["plaintext"]
	got := make([]byte, 4*len(resp))
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if want := strings.Repeat(string(resp), 4); string(got) != want {
		t.Fatalf("got %q, want 4 canned responses", got)
	}
}

// start serves cfg on a free loopback port and returns its address and a
// function that stops it and checks it ended cleanly.
func start(t *testing.T, cfg config) (string, func()) {
	t.Helper()
	impl := cfg.impl
	cfg.addr = "127.0.0.1:0"
	ctx, cancel := context.WithCancel(context.Background())
	addrs := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, cfg, func(a net.Addr) { addrs <- a })
	}()
	var addr string
	select {
	case a := <-addrs:
		addr = a.String()
	case err := <-done:
		cancel()
		t.Fatalf("%s: %v", impl, err)
	}
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%s: %v", impl, err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("%s did not stop", impl)
		}
	}
	t.Cleanup(stop)
	return addr, stop
}
