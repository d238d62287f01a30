package jsonio_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"testing"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/jsonio"
	"github.com/tophat-go/tophat/transports/pipe"
)

// The benchmarks answer the same requests with jsonio on tophat and with
// encoding/json on net/http, each over one kept-alive in-memory pipe,
// read by the same minimal client, so the difference is the server's.
// Allocations counted are the whole process's, client included.

type user struct {
	ID      int      `json:"id"`
	Name    string   `json:"name"`
	Email   string   `json:"email"`
	Active  bool     `json:"active"`
	Roles   []string `json:"roles"`
	Balance float64  `json:"balance"`
}

var sample = user{ID: 42, Name: "Ada Lovelace", Email: "ada@example.com", Active: true, Roles: []string{"admin", "dev"}, Balance: 1234.5}

var sampleJSON, _ = json.Marshal(sample)

type netListener struct{ *pipe.Listener }

func (l netListener) Accept() (net.Conn, error) { return l.AcceptConn() }

type wireClient struct {
	conn    net.Conn
	r       *bufio.Reader
	request []byte
}

var contentLengthField = []byte("content-length:")

func (c *wireClient) roundTrip(b *testing.B) int {
	if _, err := c.conn.Write(c.request); err != nil {
		b.Fatal(err)
	}
	status, length := 0, 0
	for first := true; ; first = false {
		line, err := c.r.ReadSlice('\n')
		if err != nil {
			b.Fatal(err)
		}
		if first {
			status, _ = strconv.Atoi(string(line[9:12]))
			continue
		}
		if len(line) <= 2 {
			break
		}
		if len(line) > len(contentLengthField) && bytes.EqualFold(line[:len(contentLengthField)], contentLengthField) {
			length, _ = strconv.Atoi(string(bytes.TrimSpace(line[len(contentLengthField):])))
		}
	}
	if _, err := c.r.Discard(length); err != nil {
		b.Fatal(err)
	}
	return status
}

func run(b *testing.B, serve func(l *pipe.Listener) (stop func()), request string) {
	l, err := pipe.Listen("", nil)
	if err != nil {
		b.Fatal(err)
	}
	stop := serve(l)
	defer stop()
	conn, err := pipe.Dial(context.Background(), l.Addr().String(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	c := &wireClient{conn: conn, r: bufio.NewReader(conn), request: []byte(request)}
	if status := c.roundTrip(b); status != 200 {
		b.Fatalf("status %d", status)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		c.roundTrip(b)
	}
}

func tophat(h core.HandlerFunc) func(l *pipe.Listener) func() {
	return func(l *pipe.Listener) func() {
		srv := &core.Server{Handler: h}
		go srv.Serve(l)
		return func() { srv.Close() }
	}
}

func netHTTP(h http.HandlerFunc) func(l *pipe.Listener) func() {
	return func(l *pipe.Listener) func() {
		srv := &http.Server{Handler: h}
		go srv.Serve(netListener{l})
		return func() { srv.Close() }
	}
}

const getRequest = "GET /user HTTP/1.1\r\nHost: bench\r\n\r\n"

func BenchmarkSend(b *testing.B) {
	b.Run("tophat", func(b *testing.B) {
		run(b, tophat(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
			rw, _ := jsonio.Send(w, 200, &sample)
			return rw
		}), getRequest)
	})
	b.Run("net-http", func(b *testing.B) {
		run(b, netHTTP(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(&sample)
		}), getRequest)
	})
}

var postRequest = "POST /user HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: " +
	strconv.Itoa(len(sampleJSON)) + "\r\n\r\n" + string(sampleJSON)

func BenchmarkDecode(b *testing.B) {
	b.Run("tophat", func(b *testing.B) {
		run(b, tophat(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
			var u user
			if err := jsonio.Decode(req, &u, nil); err != nil || u.ID != 42 {
				return w.SendStatus(400)
			}
			return w.SendStatus(200)
		}), postRequest)
	})
	b.Run("net-http", func(b *testing.B) {
		run(b, netHTTP(func(w http.ResponseWriter, r *http.Request) {
			var u user
			if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, jsonio.DefaultMaxBytes)).Decode(&u); err != nil || u.ID != 42 {
				w.WriteHeader(400)
			}
		}), postRequest)
	})
}
