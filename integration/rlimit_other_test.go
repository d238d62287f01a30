//go:build !unix

package integration

import "testing"

// needFiles does nothing where the system has no per-process limit on
// open files that a test could raise (Windows).
func needFiles(t testing.TB, n uint64) { t.Helper() }
