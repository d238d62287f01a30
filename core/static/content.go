package static

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"mime"
	"net/http"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/tophat-go/tophat/core"
)

// sniffLen is how much of a file is read to guess its type when its
// extension says nothing, the amount http.DetectContentType considers.
const sniffLen = 512

// ServeContent answers req with content, as net/http's ServeContent does:
// Range and multipart ranges, the conditional request fields, HEAD, and a
// Content-Type from name's extension or from sniffing (unless set). An ETag
// set on w beforehand is used as the validator; modtime, unless zero, is
// sent as Last-Modified. The size is found by seeking to the end. An
// *os.File is sent through SendReader, so sendfile applies.
func ServeContent(req *core.Request, w *core.ResponseWriter, name string, modtime time.Time, content io.ReadSeeker) core.ResponseWritten {
	size, err := content.Seek(0, io.SeekEnd)
	if err == nil {
		_, err = content.Seek(0, io.SeekStart)
	}
	if err != nil {
		return w.SendString(500, "cannot seek content")
	}
	return serveContent(req, w, name, modtime, size, content, true)
}

func serveContent(req *core.Request, w *core.ResponseWriter, name string, modtime time.Time, size int64, content io.ReadSeeker, seekable bool) core.ResponseWritten {
	h := w.Header()
	if !isZeroTime(modtime) {
		h.Set("Last-Modified", modtime.UTC().Format(http.TimeFormat))
	}
	etag := h.Get("ETag")
	switch checkPreconditions(req, etag, modtime) {
	case 412:
		return w.SendString(412, "precondition failed")
	case 304:
		h.Del("Content-Type")
		h.Del("Content-Length")
		h.Del("Content-Encoding")
		return w.SendStatus(304)
	}

	if !h.Has("Content-Type") {
		if seekable {
			h.Set("Content-Type", contentType(name, content))
		} else if t := mime.TypeByExtension(path.Ext(name)); t != "" {
			h.Set("Content-Type", t)
		} else {
			h.Set("Content-Type", "application/octet-stream")
		}
	}
	if seekable {
		h.Set("Accept-Ranges", "bytes")
	}

	rangeField := req.Header().Get("Range")
	if !seekable || rangeField == "" || req.Method() != "GET" || !ifRangeHolds(req, etag, modtime) {
		return sendRange(w, 200, content, 0, size)
	}
	ranges, err := parseRange(rangeField, size)
	switch {
	case err == errUnsatisfiable:
		h.Set("Content-Range", "bytes */"+strconv.FormatInt(size, 10))
		h.Del("Content-Type")
		return w.SendString(416, "range not satisfiable")
	case err != nil || ranges == nil || tooCostly(ranges, size):
		return sendRange(w, 200, content, 0, size)
	case len(ranges) == 1:
		r := ranges[0]
		h.Set("Content-Range", r.contentRange(size))
		return sendRange(w, 206, content, r.start, r.length)
	}
	return sendMultipart(w, content, ranges, size)
}

// sendRange sends length bytes of content from start. An *os.File is
// handed over as is, positioned, so the core can use sendfile; any other
// reader is limited, because SendReader reports a longer reader as an error.
func sendRange(w *core.ResponseWriter, status int, content io.ReadSeeker, start, length int64) core.ResponseWritten {
	if start != 0 {
		if _, err := content.Seek(start, io.SeekStart); err != nil {
			return w.SendString(500, "cannot seek content")
		}
	}
	if f, ok := content.(*os.File); ok {
		return w.SendReader(status, f, length)
	}
	return w.SendReader(status, io.LimitReader(content, length), length)
}

// sendMultipart sends several ranges as multipart/byteranges (RFC 9110
// section 14.6), with a Content-Length computed up front.
func sendMultipart(w *core.ResponseWriter, content io.ReadSeeker, ranges []byteRange, size int64) core.ResponseWritten {
	var random [12]byte
	rand.Read(random[:])
	boundary := hex.EncodeToString(random[:])
	h := w.Header()
	partType := h.Get("Content-Type")
	heads := make([]string, len(ranges))
	total := int64(0)
	for i, r := range ranges {
		var b strings.Builder
		if i > 0 {
			b.WriteString("\r\n")
		}
		b.WriteString("--" + boundary + "\r\n")
		if partType != "" {
			b.WriteString("Content-Type: " + partType + "\r\n")
		}
		b.WriteString("Content-Range: " + r.contentRange(size) + "\r\n\r\n")
		heads[i] = b.String()
		total += int64(len(heads[i])) + r.length
	}
	tail := "\r\n--" + boundary + "--\r\n"
	total += int64(len(tail))
	h.Set("Content-Type", "multipart/byteranges; boundary="+boundary)
	h.Set("Content-Length", strconv.FormatInt(total, 10))
	bw := w.Begin(206)
	for i, r := range ranges {
		if _, err := bw.WriteString(heads[i]); err != nil {
			return bw.Finish()
		}
		if _, err := content.Seek(r.start, io.SeekStart); err != nil {
			return bw.Finish() // short of Content-Length: the core aborts it
		}
		if _, err := io.CopyN(bw, content, r.length); err != nil {
			return bw.Finish()
		}
	}
	bw.WriteString(tail)
	return bw.Finish()
}

// contentType names the type of name by its extension, or by sniffing the
// first bytes of content, which is left at its start.
func contentType(name string, content io.Reader) string {
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	rs, ok := content.(io.ReadSeeker)
	if !ok {
		return "application/octet-stream"
	}
	var buf [sniffLen]byte
	n, _ := io.ReadFull(rs, buf[:])
	if _, err := rs.Seek(0, io.SeekStart); err != nil {
		return "application/octet-stream"
	}
	return http.DetectContentType(buf[:n])
}

// isZeroTime reports a modification time that means "unknown": the zero
// time, or the Unix epoch that some file systems report instead.
func isZeroTime(t time.Time) bool {
	return t.IsZero() || t.Equal(time.Unix(0, 0))
}
