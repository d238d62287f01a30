package jsonio_test

import (
	"fmt"
	"strings"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/coretest"
	"github.com/tophat-go/tophat/core/glitch"
	"github.com/tophat-go/tophat/core/jsonio"
)

// A JSON endpoint decodes, works and sends; glitch answers its errors.
func Example() {
	type order struct {
		Item     string `json:"item"`
		Quantity int    `json:"quantity"`
	}
	create := glitch.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) (core.ResponseWritten, error) {
		var o order
		if err := jsonio.Decode(req, &o, &jsonio.DecodeOptions{MaxBytes: 4 << 10, DisallowUnknownFields: true}); err != nil {
			return core.ResponseWritten{}, err
		}
		return jsonio.Send(w, 201, map[string]any{"ordered": o.Item, "quantity": o.Quantity})
	})

	for _, body := range []string{`{"item":"tea","quantity":2}`, `{"item":"tea","qty":2}`} {
		req := coretest.NewRequest("POST", "/orders", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		res := req.Serve(create)
		fmt.Print(res.Status, " ", res.BodyString())
	}
	// Output:
	// 201 {"ordered":"tea","quantity":2}
	// 400 unknown field "qty"
}
