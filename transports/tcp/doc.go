// Package tcp is tophat's TCP transport: a Listener whose streams are
// *net.TCPConn values with TCP_NODELAY and keep-alive probes set, optional
// SO_REUSEPORT, a Dial for clients and tests, and an *http.Transport that
// reaches a server at a fixed address.
//
// The streams Accept returns are *net.TCPConn, so the core finds CloseWrite,
// read and write deadlines and RemoteAddr on them by interface assertion, and
// the tls transport can wrap them.
//
// # Options
//
// TCP_NODELAY is set on every accepted and dialed connection: tophat writes a
// response head and body as soon as they are ready, and Nagle's algorithm
// would hold a small response back until the previous one is acknowledged,
// up to the peer's delayed-ACK timer (40 ms or more on Linux).
//
// Keep-alive probes find peers that vanished without a FIN or RST (a laptop
// closed, a NAT entry dropped): an idle connection is probed after
// Config.KeepAlive and then every KeepAlive, and dropped after the system's
// count of unanswered probes (9 by default), so a dead peer is found after
// about ten periods. Linux counts in whole seconds and rounds up.
//
// SO_REUSEPORT (Config.ReusePort, Linux only) lets several listeners, in one
// process or several, bind the same address; the kernel spreads incoming
// connections over them. It is how a new version of a server starts listening
// before the old one stops.
package tcp
