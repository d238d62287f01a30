package inherit

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// The environment of socket activation (sd_listen_fds(3)), and the two
// variables Handover adds.
const (
	envPID   = "LISTEN_PID"
	envFDs   = "LISTEN_FDS"
	envNames = "LISTEN_FDNAMES"

	// envParentPID stands in for LISTEN_PID after a Handover: a parent
	// cannot know its child's PID before the child exists, but the child
	// can check its parent's, which a grandchild would not match.
	envParentPID = "TOPHAT_LISTEN_PPID"
	// envReadyFD is the descriptor on which Ready reports to Handover.
	envReadyFD = "TOPHAT_READY_FD"

	// firstFD is SD_LISTEN_FDS_START: descriptors 0 to 2 are stdio.
	firstFD = 3
	// maxFDs bounds LISTEN_FDS, so that a corrupt value is reported rather
	// than trusted; systemd itself refuses to pass more than this many.
	maxFDs = 4096
	// maxNameLen is systemd's limit on FileDescriptorName=.
	maxNameLen = 255
	// unknownName is what systemd's sd_listen_fds_with_names reports for a
	// socket when LISTEN_FDNAMES is not set.
	unknownName = "unknown"
)

// Errors of this package; test with errors.Is.
var (
	// ErrUnsupported is returned on systems without Unix descriptor
	// inheritance (Windows, Plan 9, WebAssembly).
	ErrUnsupported = errors.New("inherit: socket inheritance is not supported on this system")

	// ErrInvalidEnv reports LISTEN_* variables that are set but malformed.
	ErrInvalidEnv = errors.New("inherit: invalid socket activation environment")

	// ErrNotInherited reports a descriptor or name that was not passed to
	// this process.
	ErrNotInherited = errors.New("inherit: no such inherited socket")

	// ErrAmbiguous reports a name that several inherited sockets share, as
	// every socket of one systemd .socket unit does unless each has its
	// own FileDescriptorName=.
	ErrAmbiguous = errors.New("inherit: several inherited sockets have this name")

	// ErrInUse reports a socket already turned into a Listener: each
	// inherited descriptor is taken over once.
	ErrInUse = errors.New("inherit: inherited socket already in use")

	// ErrNotSocket and ErrNotListening report a descriptor that is not a
	// socket, or a socket that is not listening (a connected one, such as
	// systemd passes with Accept=yes, which this package does not serve).
	ErrNotSocket    = errors.New("inherit: descriptor is not a socket")
	ErrNotListening = errors.New("inherit: socket is not listening")

	// ErrUnsupportedSocket reports a listening socket of a kind other than
	// TCP or a Unix stream socket.
	ErrUnsupportedSocket = errors.New("inherit: socket is neither TCP nor a Unix stream socket")

	// ErrInvalidName reports a Listener name that LISTEN_FDNAMES cannot
	// carry: empty, longer than 255 bytes, or with a colon or a control
	// character.
	ErrInvalidName = errors.New("inherit: invalid socket name")

	// ErrNotReady is returned by Handover when the new process exits or
	// closes its end before calling Ready.
	ErrNotReady = errors.New("inherit: new process did not become ready")
)

// A Socket is one inherited descriptor.
type Socket struct {
	FD   int
	Name string // from LISTEN_FDNAMES; "unknown" when the variable is unset
}

// inheritance is what the environment passed to this process.
type inheritance struct {
	sockets []Socket
	readyFD int // -1 unless started by Handover
}

// parseEnv reads the protocol's variables, through lookupEnv (os.LookupEnv
// or a test's map), for a process with the given PID and parent PID.
// Variables meant for another process give no sockets and no error, as in
// sd_listen_fds.
func parseEnv(lookupEnv func(string) (string, bool), pid, ppid int) (inheritance, error) {
	getenv := func(key string) string { v, _ := lookupEnv(key); return v }
	none := inheritance{readyFD: -1}
	fds := getenv(envFDs)
	if fds == "" {
		return none, nil
	}
	if p := getenv(envPID); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil {
			return none, fmt.Errorf("%w: %s=%q is not a PID", ErrInvalidEnv, envPID, p)
		}
		if n != pid {
			return none, nil
		}
	} else {
		p := getenv(envParentPID)
		n, err := strconv.Atoi(p)
		if p == "" || err != nil || n != ppid {
			return none, nil
		}
	}
	n, err := strconv.Atoi(fds)
	if err != nil || n < 0 || n > maxFDs {
		return none, fmt.Errorf("%w: %s=%q is not a count from 0 to %d", ErrInvalidEnv, envFDs, fds, maxFDs)
	}
	names := make([]string, n)
	if v, ok := lookupEnv(envNames); ok && n > 0 {
		got := strings.Split(v, ":")
		if len(got) != n {
			return none, fmt.Errorf("%w: %s names %d sockets, %s=%d", ErrInvalidEnv, envNames, len(got), envFDs, n)
		}
		copy(names, got)
	} else {
		for i := range names {
			names[i] = unknownName
		}
	}
	in := inheritance{sockets: make([]Socket, n), readyFD: -1}
	for i := range n {
		in.sockets[i] = Socket{FD: firstFD + i, Name: names[i]}
	}
	if v := getenv(envReadyFD); v != "" && getenv(envPID) == "" {
		fd, err := strconv.Atoi(v)
		if err != nil || fd < firstFD+n || fd > firstFD+maxFDs {
			return none, fmt.Errorf("%w: %s=%q is not a descriptor after the sockets", ErrInvalidEnv, envReadyFD, v)
		}
		in.readyFD = fd
	}
	return in, nil
}

func checkName(name string) error {
	if name == "" || len(name) > maxNameLen {
		return fmt.Errorf("%w %q: want 1 to %d bytes", ErrInvalidName, name, maxNameLen)
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c == ':' || c < 0x20 || c == 0x7f {
			return fmt.Errorf("%w %q: no colon or control character", ErrInvalidName, name)
		}
	}
	return nil
}
