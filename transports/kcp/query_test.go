package kcp_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tophat-go/tophat/transports/kcp"
)

func TestParseQuery(t *testing.T) {
	for _, tc := range []struct {
		query string
		want  kcp.Config
	}{
		{"", kcp.Config{}},
		{"preset=fast", kcp.Config{Preset: kcp.Fast}},
		{"preset=Normal", kcp.Config{Preset: kcp.Normal}},
		{"preset=lossy", kcp.Config{Preset: kcp.Lossy}},
		{"preset=bulk", kcp.Config{Preset: kcp.Bulk}},
		{"fec=10,3", kcp.Config{DataShards: 10, ParityShards: 3}},
		{"dup=2", kcp.Config{Duplicates: 2}},
		{"preset=lossy&dup=0", kcp.Config{Preset: kcp.Lossy, Duplicates: kcp.DuplicatesOff}},
		{"key=s3cret%26more", kcp.Config{Key: "s3cret&more"}},
		{"mtu=1200&sndwnd=256&rcvwnd=512", kcp.Config{MTU: 1200, SendWindow: 256, RecvWindow: 512}},
		{"interval=20", kcp.Config{Interval: 20 * time.Millisecond}},
		{"interval=1s", kcp.Config{Interval: time.Second}},
		{"nodelay=1&nc=0&acknodelay=0", kcp.Config{NoDelay: kcp.On, NoCongestion: kcp.Off, AckNoDelay: kcp.Off}},
		{"resend=0", kcp.Config{Resend: kcp.ResendOff}},
		{"resend=3", kcp.Config{Resend: 3}},
		{"idle=30s", kcp.Config{IdleTimeout: 30 * time.Second}},
		{"linger=0s", kcp.Config{Linger: -1}},
		{"linger=2s", kcp.Config{Linger: 2 * time.Second}},
		{"preset=normal&fec=1,1&key=k&idle=1m", kcp.Config{Preset: kcp.Normal, DataShards: 1, ParityShards: 1, Key: "k", IdleTimeout: time.Minute}},
	} {
		t.Run(tc.query, func(t *testing.T) {
			q, err := url.ParseQuery(tc.query)
			if err != nil {
				t.Fatal(err)
			}
			got, err := kcp.ParseQuery(q)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, tc.want) {
				t.Fatalf("got %+v\nwant %+v", *got, tc.want)
			}
		})
	}
}

func TestParseQueryErrors(t *testing.T) {
	for _, tc := range []struct {
		query, mention string
	}{
		{"bogus=1", `unknown query key "bogus"`},
		{"preset=turbo", "fast, normal, lossy or bulk"},
		{"preset=fast&preset=normal", "given 2 times"},
		{"fec=10", "DATA,PARITY"},
		{"fec=0,3", "data shards"},
		{"fec=3,x", "parity shards"},
		{"fec=200,100", "exceeds 256"},
		{"dup=-1", "0 for none"},
		{"dup=9", "Duplicates 9 outside"},
		{"key=", "empty key"},
		{"mtu=9000", "MTU 9000 outside"},
		{"mtu=-5", "positive integer"},
		{"sndwnd=70000", "SendWindow 70000 outside"},
		{"rcvwnd=abc", "positive integer"},
		{"interval=5ms", "Interval 5ms outside"},
		{"interval=1h", "Interval 1h0m0s outside"},
		{"interval=fast", "duration or milliseconds"},
		{"interval=0", "must be positive"},
		{"nodelay=yes", "want 0 or 1"},
		{"nc=2", "want 0 or 1"},
		{"resend=-1", "0 to disable"},
		{"idle=0s", "positive duration"},
		{"idle=soon", "positive duration"},
		{"linger=-1s", "0s to close at once"},
	} {
		t.Run(tc.query, func(t *testing.T) {
			q, err := url.ParseQuery(tc.query)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := kcp.ParseQuery(q)
			if err == nil {
				t.Fatalf("no error; got %+v", *cfg)
			}
			if !errors.Is(err, kcp.ErrInvalidConfig) {
				t.Errorf("%v does not wrap ErrInvalidConfig", err)
			}
			if !strings.Contains(err.Error(), tc.mention) {
				t.Errorf("error %q does not mention %q", err, tc.mention)
			}
		})
	}
}

func TestConfigValidation(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  kcp.Config
	}{
		{"unknown preset", kcp.Config{Preset: kcp.Bulk + 1}},
		{"unknown toggle", kcp.Config{NoDelay: 7}},
		{"negative resend", kcp.Config{Resend: -2}},
		{"negative duplicates", kcp.Config{Duplicates: -2}},
		{"too many duplicates", kcp.Config{Duplicates: 9}},
		{"one-sided FEC", kcp.Config{DataShards: 4}},
		{"negative idle", kcp.Config{IdleTimeout: -time.Second}},
		{"tiny MTU", kcp.Config{MTU: 10}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := kcp.Listen("127.0.0.1:0", &tc.cfg)
			if err == nil {
				_ = ln.Close()
				t.Fatal("Listen accepted an invalid Config")
			}
			if !errors.Is(err, kcp.ErrInvalidConfig) {
				t.Fatalf("%v does not wrap ErrInvalidConfig", err)
			}
		})
	}
}

func TestDeriveKey(t *testing.T) {
	a, err := kcp.DeriveKey("passphrase")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := kcp.DeriveKey("passphrase")
	c, _ := kcp.DeriveKey("passphrasf")
	if len(a) != 32 || !bytes.Equal(a, b) || bytes.Equal(a, c) {
		t.Fatalf("DeriveKey is not a stable 32-byte function of the passphrase: %x %x %x", a, b, c)
	}
	// Salt and iteration count are part of the wire format: computed
	// independently with golang.org/x/crypto/pbkdf2.
	const want = "4dedf78974e6e436ee7f894940e28aca2db625d70cf8f3737604686b383ea17c"
	if got := hex.EncodeToString(a); got != want {
		t.Fatalf("DeriveKey(\"passphrase\") = %s, want %s", got, want)
	}
}

func TestPresetString(t *testing.T) {
	for p, want := range map[kcp.Preset]string{kcp.Fast: "fast", kcp.Normal: "normal", kcp.Lossy: "lossy", kcp.Bulk: "bulk", 9: "Preset(9)"} {
		if got := p.String(); got != want {
			t.Errorf("Preset(%d).String() = %q, want %q", p, got, want)
		}
	}
}
