// Package inherit serves listening sockets that a process inherits rather
// than creates: from systemd's socket activation, or from the process it
// replaces in a restart that drops no connection.
//
// # Socket activation
//
// systemd (or any manager that speaks the protocol, such as
// systemd-socket-activate) opens the sockets, starts the program with
// them as descriptors 3, 4, … and says so in LISTEN_PID, LISTEN_FDS and
// LISTEN_FDNAMES. ListenName and ListenFD turn them into listeners for
// core.Server; the transports package spells them systemd://NAME and
// fd://N.
//
//	# /etc/systemd/system/app.socket
//	[Socket]
//	ListenStream=8080
//	FileDescriptorName=web
//
//	# /etc/systemd/system/app.service
//	[Service]
//	ExecStart=/usr/local/bin/app -listen systemd://web
//
// Only listening TCP and Unix stream sockets are served (not Accept=yes,
// which passes one connection per process, nor datagram sockets).
//
// # Restarts without dropping a connection
//
// Handover starts a new process with this one's listeners, by the same
// protocol, and waits until the new one calls Ready; then the old one shuts
// its server down, finishing its requests in flight. The sockets stay open
// throughout, so the kernel queues every new connection for whichever
// process accepts next:
//
//	old process                          new process
//	  serving
//	  SIGHUP ─▶ Handover ──── exec ────▶ ListenName("web") (same socket)
//	                                     go srv.Serve(ln)
//	            returns ◀──── Ready ──── serving
//	  srv.Shutdown(ctx): stops accepting,
//	  finishes in-flight requests, exits
//
// A listener the first process creates itself joins in through Wrap.
// Under systemd, prefer socket activation with "systemctl restart": the
// socket unit holds the sockets while the service restarts.
//
// Socket inheritance is a Unix facility: on Windows every function returns
// ErrUnsupported.
package inherit
