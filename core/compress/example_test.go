package compress_test

import (
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/klauspost/compress/zstd"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/compress"
	"github.com/tophat-go/tophat/core/coretest"
)

// The zero Config offers zstd, brotli and gzip, in that order of
// preference, for bodies of a kilobyte and more.
func ExampleNew() {
	mw, err := compress.New(compress.Config{})
	if err != nil {
		panic(err)
	}
	page := strings.Repeat("<p>Hello, compressed world.</p>\n", 100)
	h := core.Chain(core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		return w.SendString(200, page)
	}), mw)

	req := coretest.NewRequest("GET", "/", nil)
	req.Header = http.Header{"Accept-Encoding": {"gzip, deflate, br, zstd"}} // as browsers send it
	res := req.Serve(h)
	fmt.Println(res.Header.Get("Content-Encoding"), res.Header.Get("Vary"))
	fmt.Println("smaller than a tenth:", len(res.Body) < len(page)/10)

	zr, _ := zstd.NewReader(strings.NewReader(res.BodyString()))
	defer zr.Close()
	decoded, _ := io.ReadAll(zr)
	fmt.Println(string(decoded) == page)
	// Output:
	// zstd Accept-Encoding
	// smaller than a tenth: true
	// true
}

// Encodings sets the server's preference, which decides between codings
// a client weighs alike; the client's weights come first.
func ExampleConfig_encodings() {
	mw, err := compress.New(compress.Config{Encodings: []string{"gzip", "br"}, MinSize: 1})
	if err != nil {
		panic(err)
	}
	h := core.Chain(core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return w.SendString(200, "some text")
	}), mw)
	for _, accept := range []string{"br, gzip", "br;q=1, gzip;q=0.5", "zstd", "gzip;q=0, *"} {
		req := coretest.NewRequest("GET", "/", nil)
		req.Header = http.Header{"Accept-Encoding": {accept}}
		fmt.Printf("%-20s %q\n", accept, req.Serve(h).Header.Get("Content-Encoding"))
	}
	// Output:
	// br, gzip             "gzip"
	// br;q=1, gzip;q=0.5   "br"
	// zstd                 ""
	// gzip;q=0, *          "br"
}

// Streamed responses are compressed too, and a Flush reaches the client
// decodable, so each server-sent event arrives when it is sent.
func ExampleNew_streaming() {
	mw, err := compress.New(compress.Config{Encodings: []string{"gzip"}})
	if err != nil {
		panic(err)
	}
	h := core.Chain(core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		w.Header().Set("Content-Type", "text/event-stream")
		b := w.Begin(200)
		for i := range 3 {
			fmt.Fprintf(b, "data: event %d\n\n", i)
			b.Flush() // flushes the gzip stream, then the connection
		}
		return b.Finish()
	}), mw)
	req := coretest.NewRequest("GET", "/events", nil)
	req.Header = http.Header{"Accept-Encoding": {"gzip"}}
	res := req.Serve(h)
	fmt.Println(res.Header.Get("Content-Encoding"))
	zr, _ := gzip.NewReader(strings.NewReader(res.BodyString()))
	events, _ := io.ReadAll(zr)
	fmt.Print(string(events))
	// Output:
	// gzip
	// data: event 0
	//
	// data: event 1
	//
	// data: event 2
}
