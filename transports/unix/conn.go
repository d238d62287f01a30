package unix

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"

	"github.com/tophat-go/tophat/transports/internal/httpclient"
)

// maxUnwrap bounds how many NetConn layers CredentialsOf looks through, so a
// wrapper that returns itself cannot loop forever.
const maxUnwrap = 8

// Credentials identify the process at the other end of a Unix socket, as the
// kernel recorded them when the connection was made (for the server end: when
// it called listen). On Linux, IDs are translated into the caller's
// namespaces, and a PID from a PID namespace the caller cannot see is 0. PID
// is also 0 where the system does not report it (FreeBSD), and GID is the
// peer's first group on macOS and FreeBSD, its effective group there.
type Credentials struct {
	UID uint32
	GID uint32
	PID int32
}

// String formats the credentials for logs.
func (c Credentials) String() string {
	return fmt.Sprintf("uid=%d gid=%d pid=%d", c.UID, c.GID, c.PID)
}

// A CredentialsProvider is a stream that knows its peer's credentials. [*Conn]
// is one. The core and handlers discover it by interface assertion on a
// stream; [CredentialsOf] also looks through wrappers such as *tls.Conn.
type CredentialsProvider interface {
	PeerCredentials() (Credentials, error)
}

// Conn is a Unix stream connection from Accept or Dial. It is a
// *net.UnixConn, so deadlines, CloseRead, CloseWrite and TLS wrapping work
// unchanged, plus the peer's credentials.
//
// Method set beyond net.Conn: CloseRead, CloseWrite, SyscallConn, File (all
// from *net.UnixConn) and PeerCredentials.
type Conn struct {
	*net.UnixConn

	// local and remote replace the kernel's view where it would name the
	// private staging path Listen bound to, rather than the address used.
	local, remote net.Addr

	credOnce sync.Once
	cred     Credentials
	credErr  error
}

var (
	_ net.Conn            = (*Conn)(nil)
	_ CredentialsProvider = (*Conn)(nil)
)

// LocalAddr returns the local address: for an accepted stream, the address
// given to Listen.
func (c *Conn) LocalAddr() net.Addr {
	if c.local != nil {
		return c.local
	}
	return c.UnixConn.LocalAddr()
}

// RemoteAddr returns the remote address: for a dialed connection, the address
// given to Dial. A client's end is usually unnamed.
func (c *Conn) RemoteAddr() net.Addr {
	if c.remote != nil {
		return c.remote
	}
	return c.UnixConn.RemoteAddr()
}

// PeerCredentials returns the uid, gid and pid of the peer, as the package
// documentation describes per system; where the system offers none
// (Windows), the error matches ErrNoCredentials and errors.ErrUnsupported.
// They are read once and remembered, so later calls also work after Close.
func (c *Conn) PeerCredentials() (Credentials, error) {
	c.credOnce.Do(func() {
		c.cred, c.credErr = peerCredentials(c.UnixConn)
	})
	return c.cred, c.credErr
}

// CredentialsOf returns the peer credentials of stream, looking through
// wrappers that expose the connection beneath them with a NetConn method
// (*tls.Conn does). It returns an error matching ErrNoCredentials when no
// layer is a CredentialsProvider.
func CredentialsOf(stream any) (Credentials, error) {
	for range maxUnwrap {
		switch s := stream.(type) {
		case CredentialsProvider:
			return s.PeerCredentials()
		case interface{ NetConn() net.Conn }:
			stream = s.NetConn()
		default:
			return Credentials{}, ErrNoCredentials
		}
	}
	return Credentials{}, ErrNoCredentials
}

// Dial connects to the Unix socket address (a path, or "@" and an abstract
// name). The connection is a [*Conn], whose PeerCredentials report the
// server. cfg may be nil; Dial currently uses none of its fields.
func Dial(ctx context.Context, address string, cfg *Config) (net.Conn, error) {
	if err := checkAddress(address); err != nil {
		return nil, err
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", address)
	if err != nil {
		return nil, err
	}
	// Dialing "unix" always yields a *net.UnixConn.
	return &Conn{UnixConn: c.(*net.UnixConn), remote: &net.UnixAddr{Name: address, Net: "unix"}}, nil
}

// Transport returns an *http.Transport that sends every request to the Unix
// socket at address, whatever host the URL names; the host still goes out in
// the Host header. https URLs run TLS over the socket. No proxy is used: a
// proxy from the environment would receive requests meant for the socket.
// It pools as http.DefaultTransport does. Call CloseIdleConnections when
// done with it.
func Transport(address string, cfg *Config) *http.Transport {
	return httpclient.New(func(ctx context.Context, _ string) (net.Conn, error) {
		return Dial(ctx, address, cfg)
	})
}
