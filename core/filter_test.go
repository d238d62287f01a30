package core_test

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tophat-go/tophat/core"
)

// gzipped is a minimal compression middleware: it filters every body of
// at least 10 bytes (or of unknown length) through gzip.
func gzipped(calls *int) core.Middleware {
	return func(next core.Handler) core.Handler {
		return core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
			w.SetBodyFilter(func(status int, h *core.Header, length int64, dst io.Writer) io.WriteCloser {
				*calls++
				if length >= 0 && length < 10 {
					return nil
				}
				h.Set("Content-Encoding", "gzip")
				h.Add("Vary", "Accept-Encoding")
				return gzip.NewWriter(dst)
			})
			return next.Serve(req, w)
		})
	}
}

func TestBodyFilter(t *testing.T) {
	long := strings.Repeat("compress me ", 1000)
	name := t.TempDir() + "/file"
	if err := os.WriteFile(name, []byte(long), 0o600); err != nil {
		t.Fatal(err)
	}
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		switch req.Path() {
		case "/send":
			return w.SendString(200, long)
		case "/short":
			return w.SendString(200, "tiny")
		case "/stream":
			b := w.Begin(200)
			b.WriteString(long[:6000])
			b.Flush()
			b.WriteString(long[6000:])
			return b.Finish()
		case "/file":
			f, err := os.Open(name)
			if err != nil {
				return w.SendString(500, err.Error())
			}
			defer f.Close()
			return w.SendReader(200, f, int64(len(long)))
		case "/nocontent":
			return w.SendStatus(204)
		}
		return w.SendString(404, "")
	})
	calls := 0
	l := startServer(t, &core.Server{Handler: core.Chain(h, gzipped(&calls))})
	client := &http.Client{Transport: &http.Transport{DisableCompression: true, DialContext: l.Client().Transport.(*http.Transport).DialContext}}
	defer client.CloseIdleConnections()
	for _, tt := range []struct {
		path      string
		gzip      bool
		want      string
		lengthSet bool
	}{
		{"/send", true, long, false},
		{"/stream", true, long, false},
		{"/file", true, long, false},
		{"/short", false, "tiny", true},
	} {
		resp, err := client.Get("http://app" + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		var body io.Reader = resp.Body
		if tt.gzip {
			if resp.Header.Get("Content-Encoding") != "gzip" {
				t.Fatalf("%s: not compressed: %v", tt.path, resp.Header)
			}
			zr, err := gzip.NewReader(resp.Body)
			if err != nil {
				t.Fatalf("%s: %v", tt.path, err)
			}
			body = zr
		}
		got, err := io.ReadAll(body)
		resp.Body.Close()
		if err != nil || string(got) != tt.want {
			t.Fatalf("%s: %d bytes, %v", tt.path, len(got), err)
		}
		if (resp.ContentLength >= 0) != tt.lengthSet {
			t.Fatalf("%s: Content-Length %d", tt.path, resp.ContentLength)
		}
	}
	before := calls
	req, _ := http.NewRequest("HEAD", "http://app/send", nil)
	if resp, err := client.Do(req); err != nil || resp.ContentLength != int64(len(long)) {
		t.Fatalf("HEAD: %v %v", resp, err)
	}
	if resp, err := client.Get("http://app/nocontent"); err != nil || resp.StatusCode != 204 {
		t.Fatalf("204: %v %v", resp, err)
	}
	if calls != before {
		t.Fatal("the filter was called for a response without a body")
	}
}

func TestSendInformational(t *testing.T) {
	var errs [3]error
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		w.Header().Set("Link", "</style.css>; rel=preload; as=style")
		errs[0] = w.SendInformational(103)
		errs[1] = w.SendInformational(100)
		rw := w.SendString(200, "page")
		errs[2] = w.SendInformational(103)
		return rw
	})
	x := serve(t, nil, h)
	x.send(getRoot)
	tp := x.br
	line, _ := tp.ReadString('\n')
	link, _ := tp.ReadString('\n')
	end, _ := tp.ReadString('\n')
	if line != "HTTP/1.1 103 Early Hints\r\n" || !strings.HasPrefix(link, "Link: </style.css>") || end != "\r\n" {
		t.Fatalf("interim response %q %q %q", line, link, end)
	}
	resp := x.response("GET")
	if resp.StatusCode != 200 || resp.body != "page" || resp.Header.Get("Link") == "" {
		t.Fatalf("final %d %q %v", resp.StatusCode, resp.body, resp.Header)
	}
	x.result() // the handler has returned
	if errs[0] != nil || errs[1] != core.ErrInvalidStatus || errs[2] != core.ErrAlreadySent {
		t.Fatalf("errors %v", errs)
	}
}

func TestUpgradedIsANetConn(t *testing.T) {
	got := make(chan string, 2)
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		up, rw := w.Upgrade(101)
		if up == nil {
			return rw
		}
		var c net.Conn = up
		got <- c.RemoteAddr().Network()
		if err := c.SetReadDeadline(time.Now().Add(20 * time.Millisecond)); err != nil {
			t.Error(err)
		}
		_, err := c.Read(make([]byte, 1))
		got <- fmt.Sprint(errors.Is(err, os.ErrDeadlineExceeded))
		c.Close()
		return rw
	})
	x := serve(t, nil, h)
	x.send("GET / HTTP/1.1\r\nHost: h\r\nConnection: upgrade\r\nUpgrade: x\r\n\r\n")
	x.response("GET")
	if network, timedOut := <-got, <-got; network != "pipe" || timedOut != "true" {
		t.Fatalf("network %q, read deadline honoured: %s", network, timedOut)
	}
}
