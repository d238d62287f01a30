//go:build unix && !linux

package unix

import (
	"errors"
	"runtime"
)

const (
	// sunPathLen is the size of sockaddr_un's sun_path on the BSDs and
	// macOS (Solaris has 108; 104 is the safe bound for all).
	sunPathLen = 104
	// maxPathLen leaves room for the NUL that ends a file name.
	maxPathLen = sunPathLen - 1
	// abstractSupported: the abstract namespace is Linux's alone.
	abstractSupported = false
	abstractHint      = ""
)

// shortBindName has no /proc/self/fd to shorten a path with here.
func shortBindName(string) (string, func(), error) {
	return "", nil, errors.New("no short name for a directory on " + runtime.GOOS)
}
