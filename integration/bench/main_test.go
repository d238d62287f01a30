package bench

import (
	"testing"

	"go.uber.org/goleak"
)

// fasthttp starts a goroutine that refreshes its Date header every second
// and never stops it; it is fasthttp's, not a leak of these tests.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.updateServerDate.func1"))
}
