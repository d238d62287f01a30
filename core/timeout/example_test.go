package timeout_test

import (
	"fmt"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/coretest"
	"github.com/tophat-go/tophat/core/timeout"
)

// A handler that watches its context gives up at the deadline, and the
// middleware answers 503 for it.
func Example() {
	limit, err := timeout.New(timeout.Config{Timeout: 10 * time.Millisecond})
	if err != nil {
		fmt.Println(err)
		return
	}
	slowReport := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		select {
		case <-time.After(time.Hour): // the work, which would take far too long
			return w.SendString(200, "report")
		case <-req.Context().Done():
			return core.ResponseWritten{} // nothing sent: the middleware answers
		}
	})
	res := coretest.Serve(core.Chain(slowReport, limit), "GET", "/report", nil)
	fmt.Print(res.Status, " ", res.BodyString())
	// Output: 503 the request took too long
}
