package static_test

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/coretest"
	"github.com/tophat-go/tophat/core/static"
)

func serve(h core.Handler, method, target string, header ...string) *coretest.Response {
	req := coretest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	return req.Serve(h)
}

func TestGetHeadAndTypes(t *testing.T) {
	h := dirHandler(t, nil)
	tests := []struct {
		method, target string
		status         int
		body           string
		contentType    string
	}{
		{"GET", "/hello.txt", 200, helloText, "text/plain; charset=utf-8"},
		{"HEAD", "/hello.txt", 200, "", "text/plain; charset=utf-8"},
		{"GET", "/noext", 200, "<!DOCTYPE html><html><body>sniffed</body></html>", "text/html; charset=utf-8"},
		{"GET", "/empty.txt", 200, "", "text/plain; charset=utf-8"},
		{"GET", "/sub/", 200, "<h1>index</h1>", "text/html; charset=utf-8"},
		{"GET", "/sub/page.html", 200, "<p>page</p>", "text/html; charset=utf-8"},
		{"GET", "/sub/index.html", 200, "<h1>index</h1>", "text/html; charset=utf-8"},
		{"GET", "/inside", 200, helloText, ""},
		{"GET", "/sub/up.html", 200, helloText, "text/html; charset=utf-8"},
		{"GET", "/hello.txt/", 404, "not found", ""},
		{"GET", "/missing", 404, "not found", ""},
		{"GET", "/dir.html/", 404, "not found", ""},
		{"GET", "/unused.css", 404, "not found", ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			res := serve(h, tt.method, tt.target)
			if res.Status != tt.status || res.BodyString() != tt.body {
				t.Fatalf("got %d %q, want %d %q", res.Status, res.Body, tt.status, tt.body)
			}
			if tt.contentType != "" && res.Header.Get("Content-Type") != tt.contentType {
				t.Errorf("Content-Type %q, want %q", res.Header.Get("Content-Type"), tt.contentType)
			}
			if tt.status != 200 {
				return
			}
			if tt.method == "HEAD" && res.ContentLength() != int64(len(helloText)) {
				t.Errorf("HEAD Content-Length %d", res.ContentLength())
			}
			for _, name := range []string{"ETag", "Last-Modified", "Accept-Ranges", "Vary"} {
				if res.Header.Get(name) == "" {
					t.Errorf("no %s", name)
				}
			}
			if lm := res.Header.Get("Last-Modified"); lm != modTime.Format(http.TimeFormat) {
				t.Errorf("Last-Modified %q", lm)
			}
		})
	}
}

func TestMethodsAndRedirects(t *testing.T) {
	h := dirHandler(t, nil)
	res := serve(h, "POST", "/hello.txt")
	if res.Status != 405 || res.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: %d Allow %q", res.Status, res.Header.Get("Allow"))
	}
	res = serve(h, "GET", "/sub?x=1")
	if res.Status != 301 || res.Header.Get("Location") != "./sub/?x=1" {
		t.Errorf("directory without slash: %d Location %q", res.Status, res.Header.Get("Location"))
	}
}

func TestRanges(t *testing.T) {
	h := dirHandler(t, nil)
	tests := []struct {
		rangeField   string
		status       int
		body         string
		contentRange string
	}{
		{"bytes=0-4", 206, "hello", "bytes 0-4/13"},
		{"bytes=7-", 206, "world\n", "bytes 7-12/13"},
		{"bytes=-6", 206, "world\n", "bytes 7-12/13"},
		{"bytes=-100", 206, helloText, "bytes 0-12/13"},
		{"bytes=7-1000", 206, "world\n", "bytes 7-12/13"},
		{"BYTES = 0-0", 206, "h", "bytes 0-0/13"},
		{"bytes=, 0-1 ,", 206, "he", "bytes 0-1/13"},
		{"bytes=100-", 416, "range not satisfiable", "bytes */13"},
		{"bytes=13-13", 416, "range not satisfiable", "bytes */13"},
		{"bytes=-0", 416, "range not satisfiable", "bytes */13"},
		{"bytes=100-,0-1", 206, "he", "bytes 0-1/13"},
		// Malformed or foreign: ignored, the whole file.
		{"bytes=abc", 200, helloText, ""},
		{"bytes=5-1", 200, helloText, ""},
		{"bytes=+1-2", 200, helloText, ""},
		{"bytes=", 200, helloText, ""},
		{"items=0-1", 200, helloText, ""},
		{"bytes 0-1", 200, helloText, ""},
		// Adding up to more than the file: the whole file.
		{"bytes=0-12,0-12", 200, helloText, ""},
	}
	for _, tt := range tests {
		t.Run(tt.rangeField, func(t *testing.T) {
			res := serve(h, "GET", "/hello.txt", "Range", tt.rangeField)
			if res.Status != tt.status || res.BodyString() != tt.body || res.Header.Get("Content-Range") != tt.contentRange {
				t.Fatalf("got %d %q Content-Range %q, want %d %q %q", res.Status, res.Body,
					res.Header.Get("Content-Range"), tt.status, tt.body, tt.contentRange)
			}
		})
	}
	t.Run("HEAD ignores Range", func(t *testing.T) {
		res := serve(h, "HEAD", "/hello.txt", "Range", "bytes=0-1")
		if res.Status != 200 || res.ContentLength() != 13 {
			t.Fatalf("got %d length %d", res.Status, res.ContentLength())
		}
	})
	t.Run("too many ranges", func(t *testing.T) {
		var specs []string
		for i := range static.MaxRanges + 1 {
			specs = append(specs, strconv.Itoa(i*10)+"-"+strconv.Itoa(i*10+1))
		}
		res := serve(h, "GET", "/data.bin", "Range", "bytes="+strings.Join(specs, ","))
		if res.Status != 200 || len(res.Body) != 100<<10 {
			t.Fatalf("got %d with %d bytes", res.Status, len(res.Body))
		}
	})
}

func TestMultipartRanges(t *testing.T) {
	h := dirHandler(t, nil)
	res := serve(h, "GET", "/hello.txt", "Range", "bytes=0-4, -6")
	if res.Status != 206 {
		t.Fatalf("status %d", res.Status)
	}
	mt, params, err := mime.ParseMediaType(res.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/byteranges" {
		t.Fatalf("Content-Type %q", res.Header.Get("Content-Type"))
	}
	mr := multipart.NewReader(bytes.NewReader(res.Body), params["boundary"])
	want := []struct{ body, contentRange string }{{"hello", "bytes 0-4/13"}, {"world\n", "bytes 7-12/13"}}
	for i, w := range want {
		part, err := mr.NextPart()
		if err != nil {
			t.Fatalf("part %d: %v", i, err)
		}
		body, _ := io.ReadAll(part)
		if string(body) != w.body || part.Header.Get("Content-Range") != w.contentRange ||
			part.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
			t.Errorf("part %d: %q %v", i, body, part.Header)
		}
	}
	if _, err := mr.NextPart(); err != io.EOF {
		t.Errorf("after the last part: %v", err)
	}
}

func TestConditionals(t *testing.T) {
	h := dirHandler(t, nil)
	etag := serve(h, "GET", "/hello.txt").Header.Get("ETag")
	if !strings.HasPrefix(etag, `"`) || !strings.HasSuffix(etag, `"`) || len(etag) < 4 {
		t.Fatalf("ETag %q", etag)
	}
	lm := modTime.Format(http.TimeFormat)
	before := modTime.Add(-time.Hour).Format(http.TimeFormat)
	after := modTime.Add(time.Hour).Format(http.TimeFormat)
	tests := []struct {
		name   string
		method string
		header []string
		status int
	}{
		{"If-None-Match hit", "GET", []string{"If-None-Match", etag}, 304},
		{"If-None-Match HEAD", "HEAD", []string{"If-None-Match", etag}, 304},
		{"If-None-Match weak hit", "GET", []string{"If-None-Match", "W/" + etag}, 304},
		{"If-None-Match in a list", "GET", []string{"If-None-Match", `"a,b", ` + etag}, 304},
		{"If-None-Match star", "GET", []string{"If-None-Match", "*"}, 304},
		{"If-None-Match miss", "GET", []string{"If-None-Match", `"other"`}, 200},
		{"If-Modified-Since same", "GET", []string{"If-Modified-Since", lm}, 304},
		{"If-Modified-Since later", "GET", []string{"If-Modified-Since", after}, 304},
		{"If-Modified-Since earlier", "GET", []string{"If-Modified-Since", before}, 200},
		{"If-Modified-Since garbage", "GET", []string{"If-Modified-Since", "yesterday"}, 200},
		{"If-None-Match wins over If-Modified-Since", "GET", []string{"If-None-Match", `"other"`, "If-Modified-Since", after}, 200},
		{"If-Match hit", "GET", []string{"If-Match", etag}, 200},
		{"If-Match star", "GET", []string{"If-Match", "*"}, 200},
		{"If-Match miss", "GET", []string{"If-Match", `"other"`}, 412},
		{"If-Match weak never matches", "GET", []string{"If-Match", "W/" + etag}, 412},
		{"If-Unmodified-Since earlier", "GET", []string{"If-Unmodified-Since", before}, 412},
		{"If-Unmodified-Since same", "GET", []string{"If-Unmodified-Since", lm}, 200},
		{"If-Match wins over If-Unmodified-Since", "GET", []string{"If-Match", etag, "If-Unmodified-Since", before}, 200},
		{"If-Range etag", "GET", []string{"Range", "bytes=0-1", "If-Range", etag}, 206},
		{"If-Range date", "GET", []string{"Range", "bytes=0-1", "If-Range", lm}, 206},
		{"If-Range stale etag", "GET", []string{"Range", "bytes=0-1", "If-Range", `"old"`}, 200},
		{"If-Range weak etag", "GET", []string{"Range", "bytes=0-1", "If-Range", "W/" + etag}, 200},
		{"If-Range other date", "GET", []string{"Range", "bytes=0-1", "If-Range", before}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := serve(h, tt.method, "/hello.txt", tt.header...)
			if res.Status != tt.status {
				t.Fatalf("status %d, want %d", res.Status, tt.status)
			}
			if tt.status == 304 {
				if len(res.Body) != 0 || res.Header.Get("ETag") != etag || res.Header.Get("Content-Type") != "" {
					t.Errorf("304 with body %q, header %v", res.Body, res.Header)
				}
			}
		})
	}
}

// TestTraversal tries the known ways out of the root: none may reach the
// file outside it, whatever the encoding.
func TestTraversal(t *testing.T) {
	h := dirHandler(t, nil)
	prefixed, err := static.Dir(tree(t), &static.Options{Prefix: "/assets"})
	if err != nil {
		t.Fatal(err)
	}
	defer prefixed.Close()
	tests := []struct {
		target string
		status int // 0: any refusal (the core may reject the target itself)
	}{
		{"/../outside/secret.txt", 400},
		{"/sub/../../outside/secret.txt", 400},
		{"/%2e%2e/outside/secret.txt", 400},
		{"/%2E%2E%2Foutside%2Fsecret.txt", 400},
		{"/..%2foutside%2fsecret.txt", 400},
		{"/sub/..%2f..%2foutside/secret.txt", 400},
		{"/.%2e/outside/secret.txt", 400},
		{"/%5c..%5coutside%5csecret.txt", 400},
		{"/..%5coutside%5csecret.txt", 400},
		{`/..\outside\secret.txt`, 0},
		{"/hello.txt%00.png", 400},
		{"/%00", 400},
		{"/escape", 404},
		{"/escdir/secret.txt", 404},
		{"/absolute", 404},
		{"//outside/secret.txt", 404},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			for _, hh := range []struct {
				h      core.Handler
				prefix string
			}{{h, ""}, {prefixed, "/assets"}} {
				res := serve(hh.h, "GET", hh.prefix+tt.target)
				if bytes.Contains(res.Body, []byte("SECRET")) || bytes.Contains(res.Raw, []byte("SECRET")) {
					t.Fatalf("%s leaked the secret: %d", hh.prefix+tt.target, res.Status)
				}
				if res.Status < 400 || (tt.status != 0 && res.Status != tt.status) {
					t.Errorf("%s: status %d, want %d", hh.prefix+tt.target, res.Status, tt.status)
				}
			}
		})
	}
}

func TestPrecompressed(t *testing.T) {
	h := dirHandler(t, nil)
	plainTag := serve(h, "GET", "/app.js").Header.Get("ETag")
	tests := []struct {
		accept   string
		encoding string
		body     string
	}{
		{"", "", appJS},
		{"gzip", "gzip", ""},
		{"x-gzip", "gzip", ""},
		{"gzip, br", "br", "pretend brotli bytes"},
		{"br;q=0.5, gzip", "gzip", ""},
		{"gzip, br;q=0", "gzip", ""},
		{"*", "br", "pretend brotli bytes"},
		{"zstd", "", appJS},
		{"deflate", "", appJS},
		{"gzip;q=0.5, identity", "", appJS},
	}
	for _, tt := range tests {
		t.Run(tt.accept, func(t *testing.T) {
			res := serve(h, "GET", "/app.js", "Accept-Encoding", tt.accept)
			if res.Status != 200 || res.Header.Get("Content-Encoding") != tt.encoding {
				t.Fatalf("got %d Content-Encoding %q, want %q", res.Status, res.Header.Get("Content-Encoding"), tt.encoding)
			}
			if res.Header.Get("Vary") != "Accept-Encoding" || res.Header.Get("Content-Type") != "text/javascript; charset=utf-8" {
				t.Errorf("Vary %q, Content-Type %q", res.Header.Get("Vary"), res.Header.Get("Content-Type"))
			}
			if tt.body != "" && res.BodyString() != tt.body {
				t.Errorf("body %q", res.Body)
			}
			tag := res.Header.Get("ETag")
			if (tt.encoding == "") != (tag == plainTag) {
				t.Errorf("ETag %q, plain %q", tag, plainTag)
			}
			if tt.encoding == "gzip" && !bytes.HasPrefix(res.Body, []byte{0x1f, 0x8b}) {
				t.Errorf("not the gzip file: %q", res.Body)
			}
		})
	}
	t.Run("range of the variant", func(t *testing.T) {
		res := serve(h, "GET", "/app.js", "Accept-Encoding", "br", "Range", "bytes=0-6")
		if res.Status != 206 || res.BodyString() != "pretend" || res.Header.Get("Content-Encoding") != "br" {
			t.Fatalf("got %d %q %v", res.Status, res.Body, res.Header)
		}
	})
	t.Run("304 for the variant's tag", func(t *testing.T) {
		tag := serve(h, "GET", "/app.js", "Accept-Encoding", "br").Header.Get("ETag")
		if res := serve(h, "GET", "/app.js", "Accept-Encoding", "br", "If-None-Match", tag); res.Status != 304 {
			t.Fatalf("status %d", res.Status)
		}
		if res := serve(h, "GET", "/app.js", "If-None-Match", tag); res.Status != 200 {
			t.Fatalf("identity matched the br tag: %d", res.Status)
		}
	})
	t.Run("disabled", func(t *testing.T) {
		off := dirHandler(t, &static.Options{NoPrecompressed: true})
		res := serve(off, "GET", "/app.js", "Accept-Encoding", "gzip, br")
		if res.Header.Get("Content-Encoding") != "" || res.Header.Get("Vary") != "" || res.BodyString() != appJS {
			t.Fatalf("got %v %q", res.Header, res.Body)
		}
	})
}

func TestOptions(t *testing.T) {
	root := tree(t)
	for _, opts := range []*static.Options{
		{IndexNames: []string{"a/b"}}, {IndexNames: []string{""}}, {IndexNames: []string{".."}}, {Prefix: "assets"},
	} {
		if h, err := static.Dir(root, opts); err == nil {
			h.Close()
			t.Errorf("%+v accepted", opts)
		}
	}
	if _, err := static.Dir(root+"/missing", nil); err == nil {
		t.Error("a missing directory was accepted")
	}
	h, err := static.Dir(root, &static.Options{
		Prefix: "/assets/", IndexNames: []string{"page.html"}, CacheControl: "max-age=60",
		NotFound: core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
			return w.SendString(404, "custom")
		}),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	for _, tt := range []struct {
		target string
		status int
		body   string
	}{
		{"/assets/hello.txt", 200, helloText},
		{"/assets/sub/", 200, "<p>page</p>"},
		{"/assetsx/hello.txt", 404, "custom"},
		{"/hello.txt", 404, "custom"},
		{"/assets/nothing", 404, "custom"},
	} {
		res := serve(h, "GET", tt.target)
		if res.Status != tt.status || res.BodyString() != tt.body {
			t.Errorf("%s: got %d %q", tt.target, res.Status, res.Body)
		}
		if tt.status == 200 && res.Header.Get("Cache-Control") != "max-age=60" {
			t.Errorf("%s: Cache-Control %q", tt.target, res.Header.Get("Cache-Control"))
		}
	}
}

// An fs.FS without modification times (embed.FS, fstest.MapFS) gets
// content-hash ETags and no Last-Modified, and its files, which are no
// *os.File, are still served with ranges.
func TestFSWithoutTimes(t *testing.T) {
	fsys := fstest.MapFS{
		"a.txt": {Data: []byte("alpha beta")},
		"b.txt": {Data: []byte("alpha gamma")},
	}
	h, err := static.New(fsys, nil)
	if err != nil {
		t.Fatal(err)
	}
	a := serve(h, "GET", "/a.txt")
	b := serve(h, "GET", "/b.txt")
	if a.Status != 200 || a.BodyString() != "alpha beta" || a.Header.Get("Last-Modified") != "" {
		t.Fatalf("got %d %q %v", a.Status, a.Body, a.Header)
	}
	tagA, tagB := a.Header.Get("ETag"), b.Header.Get("ETag")
	if tagA == "" || tagA == tagB || tagA != serve(h, "GET", "/a.txt").Header.Get("ETag") {
		t.Fatalf("ETags %q %q", tagA, tagB)
	}
	if res := serve(h, "GET", "/a.txt", "If-None-Match", tagA); res.Status != 304 {
		t.Errorf("If-None-Match: %d", res.Status)
	}
	if res := serve(h, "GET", "/a.txt", "Range", "bytes=6-"); res.Status != 206 || res.BodyString() != "beta" {
		t.Errorf("range: %d %q", res.Status, res.Body)
	}
	if res := serve(h, "GET", "/a.txt", "If-Modified-Since", modTime.Format(http.TimeFormat)); res.Status != 200 {
		t.Errorf("If-Modified-Since without a time: %d", res.Status)
	}
}

func TestServeContent(t *testing.T) {
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		w.Header().Set("ETag", `"v1"`)
		return static.ServeContent(req, w, "report.csv", modTime, strings.NewReader("a,b\n1,2\n"))
	})
	res := serve(h, "GET", "/", "Range", "bytes=4-")
	if res.Status != 206 || res.BodyString() != "1,2\n" || res.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("got %d %q %v", res.Status, res.Body, res.Header)
	}
	if res := serve(h, "GET", "/", "If-None-Match", `"v1"`); res.Status != 304 {
		t.Fatalf("If-None-Match: %d", res.Status)
	}
	file := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return dirHandler(t, nil).ServeFile(req, w, "sub/page.html")
	})
	if res := serve(file, "GET", "/anything"); res.Status != 200 || res.BodyString() != "<p>page</p>" {
		t.Fatalf("ServeFile: %d %q", res.Status, res.Body)
	}
}
