package static_test

import (
	"fmt"
	"strings"
	"testing/fstest"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/coretest"
	"github.com/tophat-go/tophat/core/static"
)

// Files from any fs.FS (embed.FS in a real program) answer ranges and
// conditional requests.
func ExampleNew() {
	site := fstest.MapFS{
		"index.html": {Data: []byte("<h1>home</h1>")},
		"notes.txt":  {Data: []byte("first line\nsecond line\n")},
	}
	files, err := static.New(site, nil)
	if err != nil {
		fmt.Println(err)
		return
	}

	res := coretest.Serve(files, "GET", "/", nil)
	fmt.Println(res.Status, res.Header.Get("Content-Type"), res.BodyString())

	req := coretest.NewRequest("GET", "/notes.txt", nil)
	req.Header.Set("Range", "bytes=11-")
	res = req.Serve(files)
	fmt.Println(res.Status, res.Header.Get("Content-Range"), strings.TrimSpace(res.BodyString()))

	req = coretest.NewRequest("GET", "/notes.txt", nil)
	req.Header.Set("If-None-Match", res.Header.Get("ETag"))
	fmt.Println(req.Serve(files).Status)
	// Output:
	// 200 text/html; charset=utf-8 <h1>home</h1>
	// 206 bytes 11-22/23 second line
	// 304
}

// A directory on disk is served under a prefix; Dir keeps every path and
// symbolic link inside it.
func ExampleDir() {
	files, err := static.Dir(".", &static.Options{Prefix: "/src", CacheControl: "no-cache"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer files.Close()
	res := coretest.Serve(files, "HEAD", "/src/doc.go", nil)
	fmt.Println(res.Status, res.Header.Get("Cache-Control"), res.ContentLength() > 0)
	fmt.Println(coretest.Serve(files, "GET", "/src/../go.mod", nil).Status)
	// Output:
	// 200 no-cache true
	// 400
}

// ServeContent answers with generated content as if it were a file.
func ExampleServeContent() {
	report := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		csv := "day,visits\nmon,12\ntue,15\n"
		modified := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
		return static.ServeContent(req, w, "report.csv", modified, strings.NewReader(csv))
	})
	res := coretest.Serve(report, "GET", "/report", nil)
	fmt.Println(res.Status, res.Header.Get("Content-Type"), res.Header.Get("Last-Modified"))
	// Output: 200 text/csv; charset=utf-8 Thu, 02 Jan 2025 03:04:05 GMT
}
