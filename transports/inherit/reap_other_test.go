//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package inherit_test

import "testing"

// Without a subreaper, the processes a Handover leaves behind are
// collected by init.
func becomeSubreaper(*testing.T) {}

func reap([]int) {}
