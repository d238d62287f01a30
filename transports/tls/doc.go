// Package tls serves tophat over TLS on top of any transport whose streams are
// net.Conn values: TCP, Unix sockets, KCP, in-memory pipes.
//
// # Server
//
// Wrap turns an inner core.Listener into one that hands out TLS streams:
//
//	inner.Accept ──► *Conn (no handshake yet) ──► serving goroutine
//	                                               │ first Read or Write
//	                                               ▼
//	                                   handshake, bounded by HandshakeTimeout
//	                                               │
//	                                               ▼
//	                                      HTTP/1.1 bytes in the clear
//
// Accept never runs the handshake, so one slow or silent client cannot hold up
// the others: the handshake runs lazily on the goroutine that serves the
// stream, and a client that has not finished it within Config.HandshakeTimeout
// is disconnected.
//
// Certificates come from a *crypto/tls.Config, from PEM files, from an ACME
// manager such as *golang.org/x/crypto/acme/autocert.Manager, or, for
// development, from SelfSigned. TLS 1.2 is the minimum version and ALPN
// offers "http/1.1" unless the caller chooses otherwise.
//
// The streams are *Conn values. They expose ConnectionState, which the core
// finds by interface assertion, CloseWrite, which sends close_notify, and the
// deadline methods of net.Conn.
//
// # Client
//
// The inner transport's dialing API is not this package's business, so the
// client helpers take a dial function: Dial performs the client handshake
// over whatever it returns, and Transport builds an *http.Transport that
// speaks HTTPS over it.
//
// # Naming
//
// The package is named tls, like crypto/tls, because it is TLS for tophat's
// transports; a program that needs both imports crypto/tls under another
// name (the examples use stdtls), as it would for any two packages of one
// name.
//
// # Concurrency
//
// A *Listener may be used from several goroutines. A *Conn follows the rules
// of *crypto/tls.Conn: one reader and one writer may run at once, and the
// first of them to start performs the handshake while the other waits for it.
package tls
