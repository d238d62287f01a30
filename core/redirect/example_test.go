package redirect_test

import (
	"fmt"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/coretest"
	"github.com/tophat-go/tophat/core/redirect"
)

// After a login, the client's ?next= goes through Local: a path on this
// site is kept, anything else becomes "/".
func ExampleLocal() {
	login := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return redirect.Local(req, w, req.Query().Get("next"), 303)
	})
	for _, next := range []string{"/account", "https://evil.example/", "//evil.example/"} {
		res := coretest.Serve(login, "POST", "/login?next="+next, nil)
		fmt.Println(res.Status, res.Header.Get("Location"))
	}
	// Output:
	// 303 /account
	// 303 /
	// 303 /
}

// Relative targets resolve against the request path, as in net/http.
func ExampleTo() {
	moved := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return redirect.To(req, w, "../v2/items", 308)
	})
	res := coretest.Serve(moved, "GET", "/api/v1/items", nil)
	fmt.Println(res.Status, res.Header.Get("Location"))
	// Output: 308 /api/v2/items
}
