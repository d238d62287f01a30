//go:build unix

package integration

import (
	"syscall"
	"testing"
)

// needFiles raises the soft limit on open files to at least n (up to the
// hard limit), for tests that hold thousands of sockets, and restores it at
// cleanup. It skips the test if the hard limit is too low.
func needFiles(t testing.TB, n uint64) {
	t.Helper()
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatalf("getrlimit: %v", err)
	}
	// Rlimit's fields are uint64 on most systems and int64 on FreeBSD.
	if uint64(lim.Cur) >= n {
		return
	}
	if uint64(lim.Max) < n {
		t.Skipf("needs %d open files; the hard limit is %d (raise it with ulimit -Hn)", n, uint64(lim.Max))
	}
	old := lim
	setLimit(&lim.Cur, n)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatalf("setrlimit to %d: %v", n, err)
	}
	t.Cleanup(func() { _ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old) })
}

func setLimit[T int64 | uint64](field *T, n uint64) { *field = T(n) }
