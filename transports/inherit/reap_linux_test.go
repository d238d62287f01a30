package inherit_test

import (
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// becomeSubreaper makes this process the parent of the processes a
// Handover leaves behind when their parent exits, so that reap can collect
// them rather than leave zombies to whatever init the machine has.
func becomeSubreaper(t *testing.T) {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		t.Logf("PR_SET_CHILD_SUBREAPER: %v; orphans go to init", err)
	}
}

// reap waits for the exited processes pids, now children of this one.
func reap(pids []int) {
	for _, pid := range pids {
		var ws syscall.WaitStatus
		syscall.Wait4(pid, &ws, 0, nil)
	}
}
