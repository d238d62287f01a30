// Package proxyproto serves streams that a load balancer opened on behalf
// of clients and prefixed with a PROXY protocol header (version 1, text,
// or version 2, binary, as HAProxy's doc/proxy-protocol.txt defines them),
// so that handlers and the access log see each client's real address.
//
// Wrap any listener whose streams are net.Conn values:
//
//	inner, _ := tcp.Listen(":8080", nil)
//	ln, _ := proxyproto.Wrap(inner, nil)
//	srv.Serve(ln) // req.RemoteAddr() is the client, not the proxy
//
// In HAProxy that is "server app 127.0.0.1:8080 send-proxy-v2"; in nginx's
// stream module "proxy_protocol on;". The transports package spells it
// proxy+tcp://HOST:PORT and proxy+unix:///PATH.
//
// # Lifecycle of a stream
//
//	Accept ──▶ *Conn (nothing read yet)
//	              │ first Read, Write, Header, RemoteAddr or LocalAddr,
//	              │ on the goroutine serving the stream
//	              ▼
//	        read the header, at most MaxHeaderBytes within HeaderTimeout
//	        (the caller's earlier read deadline still applies)
//	         │                                   │
//	         ▼ valid                             ▼ missing, malformed, too long, late
//	  RemoteAddr = client, LocalAddr =     stream closed; every call returns a
//	  what it connected to; bytes read     *HeaderError wrapping ErrNoHeader,
//	  past the header are served first     ErrMalformed, ErrTooLong, ErrUnsupported
//	                                       or ErrHeaderTimeout, and a warning is logged
//
// Reading the header lazily keeps one slow client from holding up Accept,
// the same reason the TLS transport runs its handshake there.
//
// # Which streams must send a header
//
// By default every stream must: a server behind a proxy should not be
// reachable around it, and a client that is must not be able to claim any
// address it likes. Config.Trusted narrows this to the proxies' networks;
// streams from elsewhere are then served with their socket's addresses.
//
// Version 2 LOCAL commands (the proxy's health checks), version 1 UNKNOWN
// lines and the UNSPEC family carry no client address: those streams keep
// the socket's addresses. TLVs are checked for framing and skipped.
// Datagram families are refused with ErrUnsupported.
//
// For deployments behind HTTP proxies, which report clients in Forwarded
// or X-Forwarded-For headers instead, see package
// github.com/tophat-go/tophat/transports/forwarded.
package proxyproto
