package requestid_test

import (
	"fmt"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/coretest"
	"github.com/tophat-go/tophat/core/requestid"
)

// Behind a proxy that sets X-Request-Id, the middleware keeps its IDs.
func Example() {
	ids, err := requestid.New(requestid.Config{
		TrustIncoming: func(req *core.Request) bool { return true },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	app := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return w.SendString(200, "handled "+requestid.Get(req))
	})
	req := coretest.NewRequest("GET", "/", nil)
	req.Header.Set("X-Request-Id", "edge-4f2a")
	res := req.Serve(core.Chain(app, ids))
	fmt.Println(res.Header.Get("X-Request-Id"), "/", res.BodyString())

	req.Header.Set("X-Request-Id", "not valid!")
	res = req.Serve(core.Chain(app, ids))
	fmt.Println(len(res.Header.Get("X-Request-Id")), "characters, made here")
	// Output:
	// edge-4f2a / handled edge-4f2a
	// 26 characters, made here
}
