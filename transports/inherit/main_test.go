package inherit_test

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

// childEnv makes the test binary run one of children instead of the tests:
// the tests start it as the process that inherits sockets.
const childEnv = "TOPHAT_INHERIT_TEST_CHILD"

// children are filled in by the platform's test files.
var children = map[string]func() int{}

func TestMain(m *testing.M) {
	if child := children[os.Getenv(childEnv)]; child != nil {
		os.Exit(child())
	}
	goleak.VerifyTestMain(m)
}
