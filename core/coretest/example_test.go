package coretest_test

import (
	"fmt"
	"strings"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/coretest"
)

func greet(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
	name := req.Query().Get("name")
	if name == "" {
		return w.SendString(400, "name missing")
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	return w.SendString(200, "hello "+name)
}

// A handler is tested through the real engine without a connection.
func Example() {
	res := coretest.Serve(core.HandlerFunc(greet), "GET", "/greet?name=ada", nil)
	fmt.Println(res.Status, res.Header.Get("Content-Type"), res.BodyString())
	fmt.Println("receipt:", res.Written.Status(), res.Written.BodyBytes(), "body bytes")
	// Output:
	// 200 text/plain; charset=utf-8 hello ada
	// receipt: 200 9 body bytes
}

// Header fields, bodies and engine options are set on the Request.
func ExampleRequest_Serve() {
	upload := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		n, err := req.Body().Read(make([]byte, 64))
		if err != nil && n == 0 {
			return w.SendString(413, err.Error())
		}
		return w.SendString(200, req.Header().Get("Content-Type"))
	})
	req := coretest.NewRequest("POST", "/upload", strings.NewReader("a body far larger than allowed"))
	req.Header.Set("Content-Type", "text/plain")
	req.Options = &core.Options{MaxBodyBytes: 8}
	res := req.Serve(upload)
	// The declared length is over the limit: the engine answers 413 and
	// the handler never runs.
	fmt.Println(res.Status, res.Handled)

	req.Options = nil
	res = req.Serve(upload)
	fmt.Println(res.Status, res.BodyString())
	// Output:
	// 413 false
	// 200 text/plain
}
