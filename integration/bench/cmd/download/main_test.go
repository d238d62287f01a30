package main

import (
	"bytes"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// TestGet downloads over one connection and refuses a wrong status, a
// wrong Content-Length and a connection the server closes.
func TestGet(t *testing.T) {
	const size = 3<<20 + 5 // several reads of the 1 MiB buffer
	body := bytes.Repeat([]byte{'d'}, size)
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/missing":
			http.NotFound(w, r)
			return
		case "/close":
			w.Header().Set("Connection", "close")
		}
		w.Header().Set("Content-Length", strconv.Itoa(size))
		w.Write(body)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()

	for _, tc := range []struct {
		path string
		size int64
		want string // part of the error; "" for none
	}{
		{"/file", size, ""},
		{"/missing", size, "status 404"},
		{"/file", size - 1, "Content-Length"},
		{"/close", size, "closes the connection"},
	} {
		u, err := loopbackURL(srv.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		c, err := net.Dial("tcp", u.Host)
		if err != nil {
			t.Fatal(err)
		}
		d := newDownloader(c, u)
		for range 3 {
			seconds, err := d.get(tc.size)
			if tc.want == "" && (err != nil || seconds <= 0) {
				t.Fatalf("%s: %v, %v s", tc.path, err, seconds)
			}
			if tc.want != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("%s with size %d: error %v, want one with %q", tc.path, tc.size, err, tc.want)
				}
				break
			}
		}
		c.Close()
	}
	if n := conns.Load(); n != 4 {
		t.Fatalf("%d connections for 4 cases", n)
	}
}

func TestLoopbackURL(t *testing.T) {
	for raw, ok := range map[string]bool{
		"http://127.0.0.1:8080/file": true,
		"http://[::1]:8080/file":     true,
		"http://10.0.0.1:8080/file":  false,
		"http://localhost:8080/file": false,
		"https://127.0.0.1:8080/":    false,
		"http://127.0.0.1/file":      false,
	} {
		if _, err := loopbackURL(raw); (err == nil) != ok {
			t.Errorf("%s: %v", raw, err)
		}
	}
}
