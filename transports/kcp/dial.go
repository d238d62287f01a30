package kcp

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"net"
	"net/http"
	"time"

	kcpgo "github.com/xtaci/kcp-go/v5"

	"github.com/tophat-go/tophat/transports/internal/httpclient"
)

// Dial opens a KCP session to the UDP address. KCP has no handshake, so Dial
// succeeds as soon as the socket exists; a server that is absent, or that
// uses another Key, shows up as a Read that fails (an ICMP
// error, if the host reports one) or never returns before a deadline or the
// idle timeout. ctx bounds the name lookup.
func Dial(ctx context.Context, address string, cfg *Config) (net.Conn, error) {
	s, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	block, err := newBlockCrypt(s.key)
	if err != nil {
		return nil, err
	}
	c, err := dial(ctx, address, s, block)
	if err != nil {
		return nil, err // not a nil *Conn inside net.Conn
	}
	return c, nil
}

func dial(ctx context.Context, address string, s settings, block kcpgo.BlockCrypt) (*Conn, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "udp", address)
	if err != nil {
		return nil, err
	}
	udp, ok := nc.(*net.UDPConn)
	if !ok {
		_ = nc.Close()
		return nil, fmt.Errorf("kcp: dial %s: unexpected socket type %T", address, nc)
	}
	_ = udp.SetReadBuffer(socketBuffer)
	_ = udp.SetWriteBuffer(socketBuffer)
	sock := &clientSocket{UDPConn: udp, duplicates: s.duplicates}

	var id [4]byte
	_, _ = rand.Read(id[:]) // crypto/rand.Read never fails
	// ownConn=true: closing the session closes the socket, which ends
	// kcp-go's receive goroutine for it.
	sess, err := kcpgo.NewConn4(binary.LittleEndian.Uint32(id[:]), udp.RemoteAddr(), block,
		s.dataShards, s.parityShards, true, sock)
	if err != nil {
		_ = udp.Close()
		return nil, fmt.Errorf("kcp: dial %s: %w", address, err)
	}
	s.configure(sess)
	c := newConn(sess, &sock.act, s, func() {})
	c.dialed, c.udp = true, udp
	return c, nil
}

// Transport returns an *http.Transport that reaches the server at address
// over KCP whatever host a request URL names. The Key is derived once, here.
// An invalid cfg makes every request fail with an error wrapping
// ErrInvalidConfig.
//
// It pools as http.DefaultTransport does, except that idle pooled
// connections are retired after half the idle timeout: the server forgets a
// silent session after its own idle timeout (assumed equal to cfg's) without
// telling the client, and a request sent on such a session would wait for
// the client's idle timeout before failing.
func Transport(address string, cfg *Config) *http.Transport {
	s, err := cfg.resolve()
	var block kcpgo.BlockCrypt
	if err == nil {
		block, err = newBlockCrypt(s.key)
	}
	t := httpclient.New(func(ctx context.Context, _ string) (net.Conn, error) {
		if err != nil {
			return nil, err
		}
		c, err := dial(ctx, address, s, block)
		if err != nil {
			return nil, err // not a nil *Conn inside net.Conn
		}
		return c, nil
	})
	t.IdleConnTimeout = clientIdleTimeout(s.idleTimeout)
	return t
}

// clientIdleTimeout is how long a client keeps an idle session pooled: half
// the idle timeout after which the server drops it without a word.
func clientIdleTimeout(idle time.Duration) time.Duration { return idle / 2 }
