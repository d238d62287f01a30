package unix

import "errors"

// Errors returned by this package, wrapped with details; test with errors.Is.
var (
	// ErrAddrInUse reports that a live server owns the address. For a file
	// path the error also matches syscall.EADDRINUSE when the kernel said so.
	ErrAddrInUse = errors.New("unix: address already in use")

	// ErrNotSocket reports that the path exists and is not a socket. Listen
	// never deletes such a file.
	ErrNotSocket = errors.New("unix: path exists and is not a socket")

	// ErrInvalidAddress reports an address that cannot name a Unix socket:
	// empty, too long for sun_path, holding a NUL byte, or a bare "@".
	ErrInvalidAddress = errors.New("unix: invalid address")

	// ErrInvalidMode reports a Config.Mode with bits other than permissions.
	ErrInvalidMode = errors.New("unix: invalid socket file mode")

	// ErrNoCredentials reports a stream that carries no peer credentials.
	ErrNoCredentials = errors.New("unix: stream has no peer credentials")
)
