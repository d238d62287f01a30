// Package transports chooses a transport by address, so that a program can
// take one "-listen" flag and serve on TCP, a Unix socket, KCP or an
// in-memory pipe, with or without TLS:
//
//	l, err := transports.Listen("unix:///run/app.sock?mode=0660", nil)
//	...
//	srv.Serve(l)
//
// and a client, or a test, reaches any of them with Go's own net/http client:
//
//	t, err := transports.Transport("unix:///run/app.sock", nil)
//	client := &http.Client{Transport: t}
//	resp, err := client.Get("http://app/status")
//
// Each transport is a package of its own (tcp, unix, kcp, pipe, tls); this
// one only parses addresses and wires them up, through one table of
// schemes (see Scheme and Register).
//
// # Registered schemes
//
// tcp, unix and pipe (and tls+ over any scheme) are always there: they need
// only the standard library and golang.org/x/sys. KCP links kcp-go, whose
// package starts goroutines when it loads, so kcp:// works only in a
// program that imports its package, as a database/sql driver is imported:
//
//	import _ "github.com/tophat-go/tophat/transports/kcp"
//
// Without that import, a kcp:// address is refused with an error that names
// the package. A configuration for a registered transport goes in
// Options.Configs, such as &kcp.Config{Key: secret}.
//
// # Addresses
//
//	tcp://HOST:PORT           tcp://127.0.0.1:8080, tcp://[::1]:0, tcp://:8080 (every interface)
//	unix:///PATH              a socket file; the path is absolute: note the third slash
//	unix://@NAME              a Linux abstract socket, no file
//	kcp://HOST:PORT           KCP over UDP, with transports/kcp imported
//	pipe://NAME               an in-process pipe; pipe:// listens on a fresh name
//	tls+SCHEME://...          TLS over any of the above: tls+tcp, tls+unix, tls+kcp, tls+pipe
//
// A socket path is absolute, as package unix requires: server and clients
// meet at it, and "unix://run/app.sock" is the usual slip for
// "unix:///run/app.sock". Options follow as query parameters; an unknown or
// repeated one is an error, and so is a malformed address: the error (an
// *AddressError matching ErrInvalidAddress or ErrUnknownScheme) says what
// is wrong and what would work. Paths and names are percent-decoded (write
// ? as %3F).
//
//	tcp    keepalive=15s|off       probe period (tcp.Config.KeepAlive)
//	       reuseport=0|1           SO_REUSEPORT, Linux (tcp.Config.ReusePort)
//	unix   mode=0660 or 0o660      socket file permissions (unix.Config.Mode)
//	kcp    preset=lossy, fec=10,3, key=PASSPHRASE, ...
//	                               the keys of kcp.ParseQuery, which owns them
//	tls+   certfile=, keyfile=     PEM certificate chain and key (server)
//	       cafile=                 PEM roots to trust (client)
//	       servername=             name to check the certificate against (client)
//
// Listen ignores client parameters and Dial server ones, so one address can
// configure both ends. A parameter overrides the matching Options field.
//
// # Development certificates
//
// A tls+ address given no certificate, by parameter or Options, is served
// with a self-signed certificate made at startup for the listening host and
// localhost, and a warning is logged: "-listen tls+tcp://127.0.0.1:8443"
// works on a laptop. Options.DevCertFile receives the certificate in PEM
// form for "curl --cacert FILE", and Dial and Transport trust that file when
// given the same Options. Listener.DevCertificate returns it in-process.
package transports
