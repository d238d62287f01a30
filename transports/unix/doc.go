// Package unix serves and dials HTTP over Unix domain sockets, on every
// system Go supports them on: Linux, macOS, the BSDs and Windows 10 and
// later.
//
// [Listen] returns a [Listener] that satisfies core.Listener; [Dial] and
// [Transport] reach it from clients, the latter as an *http.Transport that
// dials the socket whatever host a URL names:
//
//	ln, err := unix.Listen("/run/app/http.sock", &unix.Config{Mode: 0o660})
//	...
//	client := &http.Client{Transport: unix.Transport("/run/app/http.sock", nil)}
//	resp, err := client.Get("http://app/status")
//
// # Addresses
//
// An address is an absolute file path, or a Linux abstract name that starts
// with "@". A relative path is refused: server and clients meet at the path,
// and they rarely share a working directory. A path holds at most 107 bytes
// on Linux and Windows, 103 on macOS and the BSDs (sun_path less its NUL).
// Abstract names live in the network namespace, not the file system: they
// have no file, no mode, nothing to clean up and nothing stale to replace.
// Elsewhere an "@" address is refused with an error matching
// ErrInvalidAddress and errors.ErrUnsupported.
//
// # What works where
//
//	                      Linux        macOS, FreeBSD     other BSDs   Windows
//	socket file, Mode     yes          yes                yes          file only; Mode must be 0
//	stale file replaced   yes          yes                yes          yes, without the directory lock
//	abstract @names       yes          no                 no           no
//	peer credentials      uid gid pid  uid gid (pid on    no           no
//	                                   macOS only)
//
// # The socket file
//
// The file gets [Config.Mode] (default [DefaultMode], 0600) exactly, whatever
// the process umask, and it never exists under its final name with any other
// mode. Listen binds the socket inside a fresh private directory (0700) next
// to the target, sets the mode there, then hard-links it to the final name
// and removes the private name. Two other designs were rejected:
//   - changing the umask around bind is process-wide, so it races with every
//     other goroutine that creates files;
//   - bind, then chmod before the first Accept, leaves a window in which a
//     client allowed by the umask-derived mode can connect and sit in the
//     backlog until it is accepted.
//
// A hard link, unlike rename, never replaces an existing name: if another
// server takes the path while Listen is working, Listen fails with
// [ErrAddrInUse] instead of silently stealing the address.
//
// If a socket file already sits at the path, Listen connects to it. Refused
// (ECONNREFUSED) means its server died without cleaning up: the file is removed
// and replaced. A successful connect means a live server, and Listen fails with
// [ErrAddrInUse] (that server sees one connection open and close). Anything
// else at the path (a regular file, a directory, a symbolic link) is never
// touched, and Listen fails with [ErrNotSocket].
//
// Close removes the file only if it is still the one Listen created (same
// device and inode), so a server that has since replaced it keeps its socket.
//
// Listen and Close hold an advisory flock on the socket's directory while
// they check, remove and link, so servers using this package never interleave
// there: without it, two servers replacing one stale socket could each end up
// listening, one on a file the other had deleted. Other software does not
// take the lock; against it, the checks above narrow the window but cannot
// close it.
//
// On Linux, a path too long for the private name is bound through the
// directory's /proc/self/fd name; elsewhere such a path is refused with an
// error giving the longest one that works.
//
// Windows has no permission bits on socket files: the socket is bound at
// its final path directly, its access follows the directory's ACL, and a
// non-zero Mode is refused. Windows has no flock either, so the directory
// lock described below is not taken there.
//
// # Peer credentials
//
// Streams from Accept, and connections from Dial, are [*Conn] values: a
// *net.UnixConn (so deadlines, CloseWrite and TLS wrapping all work) with one
// extra method, PeerCredentials, reporting the uid, gid and pid of the process
// on the other end as the kernel recorded them at connect: SO_PEERCRED on
// Linux, LOCAL_PEERCRED (what getpeereid reads) and LOCAL_PEERPID on macOS,
// LOCAL_PEERCRED on FreeBSD. Elsewhere PeerCredentials returns an error
// matching ErrNoCredentials and errors.ErrUnsupported.
// Handlers find it by interface assertion on [CredentialsProvider], or with
// [CredentialsOf], which also looks through wrappers such as *tls.Conn.
//
// # Naming
//
// The package is named unix, like golang.org/x/sys/unix; a program that
// needs both imports one under another name, as this package itself
// imports x/sys as xunix.
//
// # Concurrency
//
// Accept, Addr and Close may be called from any goroutines at once; Close
// unblocks a pending Accept, which then returns an error matching
// net.ErrClosed. A [*Conn] follows the net.Conn rules, and PeerCredentials may
// be called concurrently with anything.
package unix
