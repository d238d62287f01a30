package transports_test

import (
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports"
	"github.com/tophat-go/tophat/transports/tls"
)

// TestFromNetListener serves a standard library listener with core.Server,
// plain and wrapped in TLS, and checks the stream's capabilities survive and
// that Close ends Serve as a clean shutdown.
func TestFromNetListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := transports.FromNetListener(ln)
	if l.Addr() != ln.Addr() || l.Unwrap() != ln {
		t.Errorf("Addr %v Unwrap %v, want the net.Listener's", l.Addr(), l.Unwrap())
	}
	serve(t, l)
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get("http://" + ln.Addr().String() + "/adapted")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "/adapted tls=false" {
		t.Errorf("body %q", body)
	}

	// The streams are net.Conn, so the tls transport can wrap the adapter.
	dev, err := tls.SelfSigned("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tl, err := tls.Wrap(transports.FromNetListener(inner), dev.ServerConfig())
	if err != nil {
		inner.Close()
		t.Fatal(err)
	}
	serve(t, tl)
	if got := get(t, "tls+tcp://"+inner.Addr().String(), &transports.Options{RootCAs: dev.Pool}, "http://x/tls"); got != "/tls tls=true" {
		t.Errorf("body %q", got)
	}
}

func TestFromNetListenerAfterClose(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := transports.FromNetListener(ln)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := l.Accept()
	if s != nil || !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after Close = %v, %v; want nil and net.ErrClosed", s, err)
	}
	if _, err := l.AcceptConn(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("AcceptConn after Close: %v", err)
	}
	var _ core.Listener = l
}
