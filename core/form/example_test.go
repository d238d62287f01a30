package form_test

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"strings"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/coretest"
	"github.com/tophat-go/tophat/core/form"
	"github.com/tophat-go/tophat/core/glitch"
)

// A handler parses a form body within limits; errors carry their status.
func ExampleParse() {
	signup := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		f, err := form.Parse(req, &form.Limits{MaxFields: 10, MaxValueBytes: 4 << 10})
		if err != nil {
			return w.SendString(glitch.StatusOf(err), err.Error())
		}
		return w.SendString(200, "welcome "+f.Value.Get("name"))
	})
	req := coretest.NewRequest("POST", "/signup", strings.NewReader("name=Ada+Lovelace&lang=en"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	fmt.Println(req.Serve(signup).BodyString())

	req.Header.Set("Content-Type", "application/json")
	res := req.Serve(signup)
	fmt.Println(res.Status)
	// Output:
	// welcome Ada Lovelace
	// 415
}

// Uploaded files are read through File.Open, from memory or from a
// temporary file.
func ExampleFile_Open() {
	upload := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		f, err := form.Parse(req, nil)
		if err != nil {
			return w.SendString(glitch.StatusOf(err), err.Error())
		}
		defer f.RemoveAll() // or let the end of the request remove them
		file := f.File["report"][0]
		r, err := file.Open()
		if err != nil {
			return w.SendString(500, err.Error())
		}
		defer r.Close()
		content, _ := io.ReadAll(r)
		return w.SendString(200, fmt.Sprintf("%s: %d bytes: %s", file.Filename, file.Size, content))
	})
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("report", "q3.txt")
	io.WriteString(fw, "all good")
	mw.Close()
	req := coretest.NewRequest("POST", "/upload", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	fmt.Println(req.Serve(upload).BodyString())
	// Output: q3.txt: 8 bytes: all good
}
