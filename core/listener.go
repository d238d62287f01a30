package core

import (
	"io"
	"net"
)

// A Listener hands out byte streams for the Server to serve. It is the whole
// contract between the core and a transport: TCP, Unix sockets, TLS, KCP and
// in-memory pipes each provide one.
//
// Accept blocks until a stream arrives. After Close, Accept returns an error
// that matches net.ErrClosed (errors.Is), which tells Server.Serve to stop
// without reporting a failure. Any other error from Accept that reports
// Temporary() or Timeout() true is retried after a short pause.
type Listener interface {
	Accept() (io.ReadWriteCloser, error)
	Close() error
	Addr() net.Addr
}
