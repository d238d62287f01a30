package kcp_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tophat-go/tophat/transports"
	"github.com/tophat-go/tophat/transports/kcp"
)

func TestSchemeErrorsMatchBothSentinels(t *testing.T) {
	_, err := transports.ParseAddress("kcp://127.0.0.1:9000?mtu=0")
	if !errors.Is(err, transports.ErrInvalidAddress) || !errors.Is(err, kcp.ErrInvalidConfig) {
		t.Fatalf("error %v matches not both ErrInvalidAddress and kcp.ErrInvalidConfig", err)
	}
}

// TestSchemeParametersOverrideOptions checks the merge field by field for
// every kcp parameter, so that none is parsed and then dropped.
func TestSchemeParametersOverrideOptions(t *testing.T) {
	base := &kcp.Config{Preset: kcp.Normal, Key: "base", MTU: 1000, IdleTimeout: time.Minute}
	opts := &transports.Options{Configs: []any{"not a kcp config", base}}
	got := kcp.SchemeConfig(t, "kcp://127.0.0.1:1?preset=lossy&fec=10,3&key=q&sndwnd=64&rcvwnd=65&interval=20&nodelay=1"+
		"&resend=0&nc=0&acknodelay=1&idle=30s&linger=0s&mtu=1200&dup=2", opts)
	want := kcp.Config{Preset: kcp.Lossy, DataShards: 10, ParityShards: 3, Key: "q", SendWindow: 64, RecvWindow: 65,
		Interval: 20 * time.Millisecond, NoDelay: kcp.On, Resend: kcp.ResendOff, NoCongestion: kcp.Off, AckNoDelay: kcp.On,
		IdleTimeout: 30 * time.Second, Linger: -1, MTU: 1200, Duplicates: 2}
	if *got != want {
		t.Errorf("merged\n%+v\nwant\n%+v", *got, want)
	}
	if base.Key != "base" {
		t.Error("the Config in Options was modified")
	}
	got = kcp.SchemeConfig(t, "tls+kcp://127.0.0.1:1?preset=fast&servername=x", opts)
	if got.Preset != kcp.Fast || got.Key != "base" || got.MTU != 1000 || got.IdleTimeout != time.Minute {
		t.Errorf("fields not named by the address changed: %+v", *got)
	}
}

// TestUnregisteredWithoutImport is in transports; here the scheme is
// registered by this package's import, and lists its parameters.
func TestSchemeRegistered(t *testing.T) {
	_, err := transports.ParseAddress("kcp://127.0.0.1:9000?bogus=1")
	if !errors.Is(err, transports.ErrInvalidAddress) || !strings.Contains(err.Error(), "kcp:// accepts "+strings.Join(kcp.QueryParams(), ", ")) {
		t.Errorf("error %v", err)
	}
}

func TestDialErrorIsNilConn(t *testing.T) {
	c, err := kcp.Dial(context.Background(), "127.0.0.1:99999", nil)
	if err == nil || c != nil {
		// A nil *Conn inside the net.Conn would pass c != nil.
		t.Errorf("Dial = %#v, %v; want a nil net.Conn and an error", c, err)
	}
	c, err = transports.Dial(context.Background(), "kcp://no-such-host.invalid:1", nil)
	if err == nil || c != nil {
		t.Errorf("transports.Dial = %#v, %v; want a nil net.Conn and an error", c, err)
	}
}

// TestWrongKeySaysSo: KCP has no handshake, so a client with the wrong key
// hears nothing; the error of a TLS handshake over it says why that may be.
func TestWrongKeySaysSo(t *testing.T) {
	l, err := transports.Listen("kcp://127.0.0.1:0?key=right&linger=0s", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	c, err := transports.Dial(ctx, "tls+kcp://"+l.Addr().String()+"?key=wrong&linger=0s", nil)
	if err == nil {
		c.Close()
		t.Fatal("a TLS handshake with the wrong key succeeded")
	}
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "same key as this client") ||
		strings.Contains(err.Error(), "wrong") {
		t.Errorf("error %q: want the deadline, the likely cause, and no key", err)
	}
}

// TestWrongKeyOverHTTPSaysSoInTheLog: through Go's HTTP client the error
// is net/http's own timeout, which cannot carry the likely cause; the
// session that never heard from the server says it in the log as it closes.
func TestWrongKeyOverHTTPSaysSoInTheLog(t *testing.T) {
	var logs lockedBuffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, nil)))
	defer slog.SetDefault(old)

	l, err := transports.Listen("kcp://127.0.0.1:0?key=right&linger=0s", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	tr, err := transports.Transport("kcp://"+l.Addr().String()+"?key=wrong&linger=0s", nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: tr, Timeout: 300 * time.Millisecond}
	if _, err := client.Get("http://app/"); err == nil {
		t.Fatal("a request with the wrong key was answered")
	}
	tr.CloseIdleConnections()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.String(), "same key as this client") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(logs.String(), "never heard from the server") || !strings.Contains(logs.String(), "same key as this client") {
		t.Fatalf("log %q: want the likely cause", logs.String())
	}
}

// lockedBuffer is a bytes.Buffer that the logging goroutine and the test
// may use at once.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
