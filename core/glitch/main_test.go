package glitch

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports/pipe"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// answer is what a client saw of one response.
type answer struct {
	status int
	header http.Header
	body   string
}

// do sends one raw request to h, served by core.ServeConn over an in-memory
// pipe with opts, and reads the response.
func do(t *testing.T, h core.Handler, opts *core.Options, raw string) answer {
	t.Helper()
	server, client := pipe.New(nil)
	done := make(chan error, 1)
	go func() { done <- core.ServeConn(server, h, opts) }()
	defer func() {
		client.Close()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("ServeConn did not return after the client closed")
		}
	}()
	client.SetDeadline(time.Now().Add(10 * time.Second))
	go io.WriteString(client, raw) // a refused body may never be read
	resp, err := http.ReadResponse(bufio.NewReader(client), nil)
	if err != nil {
		t.Fatalf("reading response: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	return answer{resp.StatusCode, resp.Header, string(body)}
}

func get(accept string) string {
	s := "GET /things/7 HTTP/1.1\r\nHost: test\r\nConnection: close\r\n"
	if accept != "" {
		s += "Accept: " + accept + "\r\n"
	}
	return s + "\r\n"
}

// logs is a concurrency-safe slog destination for tests.
type logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logs) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func lines(s string) int { return strings.Count(s, "\n") }

func itoa(n int) string { return strconv.Itoa(n) }

func errorsAs(err error, target **Error) bool { return errors.As(err, target) }
