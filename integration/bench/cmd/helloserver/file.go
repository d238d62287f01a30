package main

import (
	"errors"
	"fmt"
	"net/http"
	"os"

	"github.com/tophat-go/tophat/core"
	"github.com/valyala/fasthttp"
)

// The /file route sends the -file file the way a user of each library
// would, so download.sh measures each library's own file path. Over plain
// TCP all three end in sendfile(2), from the page cache to the socket
// without a copy through user space:
//
//   - tophat: the handler opens the file and hands the *os.File to
//     SendReader with its size; the core flushes the head and gives the
//     file to the socket's ReadFrom in 4 MiB slices.
//   - net/http: http.ServeContent, which a net/http user reaches for (it
//     also answers ranges and conditional requests); its io.CopyN lands in
//     the response's ReadFrom, which flushes the head and hands the file
//     to the socket's ReadFrom.
//   - fasthttp: RequestCtx.SendFile, its documented way. It goes through a
//     process-wide fasthttp.FS that keeps the file open between requests;
//     a file over 8 KiB is a body stream whose WriteTo flushes the head and
//     calls the socket's ReadFrom. (The FS would compress if the client
//     asked with Accept-Encoding; the download client does not.)

const fileContentType = "application/octet-stream"

// checkFile accepts no file (no /file route) or a regular file.
func checkFile(name string) error {
	if name == "" {
		return nil
	}
	fi, err := os.Stat(name)
	if err != nil {
		return fmt.Errorf("-file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("-file %q: not a regular file", name)
	}
	return nil
}

var errNoFile = errors.New("no -file given")

func tophatFile(w *core.ResponseWriter, name string) core.ResponseWritten {
	if name == "" {
		return w.SendString(404, errNoFile.Error())
	}
	f, err := os.Open(name)
	if err != nil {
		return w.SendString(500, err.Error())
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return w.SendString(500, err.Error())
	}
	w.Header().Set("Content-Type", fileContentType)
	return w.SendReader(200, f, fi.Size())
}

func netHTTPFile(w http.ResponseWriter, r *http.Request, name string) {
	if name == "" {
		http.Error(w, errNoFile.Error(), 404)
		return
	}
	f, err := os.Open(name)
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	w.Header().Set("Content-Type", fileContentType)
	http.ServeContent(w, r, "", fi.ModTime(), f)
}

func fasthttpFile(rc *fasthttp.RequestCtx, name string) {
	if name == "" {
		rc.Error(errNoFile.Error(), 404)
		return
	}
	rc.SendFile(name)
	if rc.Response.StatusCode() == 200 {
		// The FS guesses a type from the name or the first bytes; every
		// implementation answers with the same one.
		rc.SetContentType(fileContentType)
	}
}
