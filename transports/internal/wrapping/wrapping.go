// Package wrapping holds what the transports that wrap another transport's
// streams (TLS, the PROXY protocol) share.
package wrapping

import (
	"fmt"
	"net"
	"sync/atomic"

	"github.com/tophat-go/tophat/core"
)

// AcceptNetConn accepts the next stream of inner as a net.Conn. Once
// closed is set it reports net.ErrClosed, whatever inner says, closing a
// stream inner still handed out, since callers of a closed listener are
// promised that error; pkg prefixes it. A stream that is no net.Conn is
// closed and reported with notNetConn.
func AcceptNetConn(inner core.Listener, closed *atomic.Bool, pkg string, notNetConn error) (net.Conn, error) {
	s, err := inner.Accept()
	if closed.Load() {
		if err == nil {
			_ = s.Close()
		}
		return nil, fmt.Errorf("%s: accept: %w", pkg, net.ErrClosed)
	}
	if err != nil {
		return nil, err
	}
	nc, ok := s.(net.Conn)
	if !ok {
		_ = s.Close()
		return nil, fmt.Errorf("%w: got %T", notNetConn, s)
	}
	return nc, nil
}
