// Package testtool is what the project's tests share for the programs and
// servers they need from outside Go (curl, HAProxy, Chromium, PostgreSQL).
// Without one a test is skipped with a message naming the Debian package,
// unless TOPHAT_REQUIRE_TOOLS=1 asks for every tool to be there, as CI
// does: then the test fails.
package testtool

import (
	"os"
	"os/exec"
	"testing"
)

// RequireEnv is the variable under which a missing tool fails a test.
const RequireEnv = "TOPHAT_REQUIRE_TOOLS"

// Require returns the path of the program name, or skips (or fails) t,
// naming debianPackage.
func Require(t testing.TB, name, debianPackage string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		Missing(t, name+" not found; apt-get install "+debianPackage)
	}
	return path
}

// Missing skips t with msg, or fails it when RequireEnv is "1".
func Missing(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv(RequireEnv) == "1" {
		t.Fatal(msg + " (" + RequireEnv + "=1)")
	}
	t.Skip(msg)
}
