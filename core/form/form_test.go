package form_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/coretest"
	"github.com/tophat-go/tophat/core/form"
	"github.com/tophat-go/tophat/core/glitch"
)

// result is what a handler saw of a parsed form.
type result struct {
	values url.Values
	files  map[string]string // field → "filename:content"
	spill  []bool            // per file, in order: on disk
	err    error
}

// parseWith serves body with contentType to a handler that parses it with
// limits, and returns what it saw.
func parseWith(t *testing.T, contentType string, body []byte, limits *form.Limits) result {
	t.Helper()
	var got result
	req := coretest.NewRequest("POST", "/", bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Serve(core.HandlerFunc(func(r *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		f, err := form.Parse(r, limits)
		got.err = err
		if err != nil {
			return w.SendStatus(glitch.StatusOf(err))
		}
		defer f.RemoveAll()
		got.values = f.Value
		got.files = map[string]string{}
		for name, files := range f.File {
			for _, fh := range files {
				rc, err := fh.Open()
				if err != nil {
					t.Errorf("Open: %v", err)
					continue
				}
				content, _ := io.ReadAll(rc)
				rc.Close()
				if int64(len(content)) != fh.Size {
					t.Errorf("%s: Size %d, read %d", fh.Filename, fh.Size, len(content))
				}
				got.files[name] += fh.Filename + ":" + string(content)
				_, isFile := rc.(*os.File)
				got.spill = append(got.spill, isFile)
			}
		}
		return w.SendStatus(204)
	}))
	return got
}

type part struct{ name, filename, content string }

func multipartBody(t *testing.T, parts ...part) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, p := range parts {
		var w io.Writer
		var err error
		if p.filename != "" {
			w, err = mw.CreateFormFile(p.name, p.filename)
		} else {
			w, err = mw.CreateFormField(p.name)
		}
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, p.content)
	}
	mw.Close()
	return mw.FormDataContentType(), b.Bytes()
}

func TestURLEncoded(t *testing.T) {
	const ct = "application/x-www-form-urlencoded"
	tests := []struct {
		name   string
		ct     string
		body   string
		limits *form.Limits
		want   url.Values
		status int
		is     error
	}{
		{"simple", ct, "a=1&b=two+words&a=%C3%A9", nil, url.Values{"a": {"1", "é"}, "b": {"two words"}}, 0, nil},
		{"charset param", ct + "; charset=UTF-8", "x=y", nil, url.Values{"x": {"y"}}, 0, nil},
		{"empty pairs and bare names", ct, "&&k&=v&", nil, url.Values{"k": {""}, "": {"v"}}, 0, nil},
		{"empty body", ct, "", nil, url.Values{}, 0, nil},
		{"bad escape", ct, "a=%zz", nil, nil, 400, form.ErrMalformed},
		{"semicolon", ct, "a=1;b=2", nil, nil, 400, form.ErrMalformed},
		{"too many fields", ct, "a=1&b=2&c=3", &form.Limits{MaxFields: 2}, nil, 413, form.ErrTooLarge},
		{"too many bytes", ct, "a=123456789", &form.Limits{MaxValueBytes: 10}, nil, 413, form.ErrTooLarge},
		{"at the byte limit", ct, "a=12345678", &form.Limits{MaxValueBytes: 10}, url.Values{"a": {"12345678"}}, 0, nil},
		{"no Content-Type", "", "a=1", nil, nil, 415, form.ErrNotForm},
		{"JSON", "application/json", "{}", nil, nil, 415, form.ErrNotForm},
		{"malformed Content-Type", "application/x-www-form-urlencoded; =", "a=1", nil, nil, 400, form.ErrMalformed},
		{"negative limit", ct, "a=1", &form.Limits{MaxFields: -1}, nil, 500, form.ErrInvalidLimits},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseWith(t, tt.ct, []byte(tt.body), tt.limits)
			if tt.is != nil {
				if !errors.Is(got.err, tt.is) || glitch.StatusOf(got.err) != tt.status {
					t.Fatalf("err %v (status %d), want %v (%d)", got.err, glitch.StatusOf(got.err), tt.is, tt.status)
				}
				return
			}
			if got.err != nil || !reflect.DeepEqual(got.values, tt.want) {
				t.Fatalf("got %v, %v; want %v", got.values, got.err, tt.want)
			}
		})
	}
}

func TestMultipart(t *testing.T) {
	big := strings.Repeat("x", 3000)
	tests := []struct {
		name   string
		parts  []part
		limits *form.Limits
		values url.Values
		files  map[string]string
		spill  []bool
		status int
		is     error
	}{
		{"fields and a file", []part{{"title", "", "hello"}, {"doc", "a.txt", "content"}, {"title", "", "again"}}, nil,
			url.Values{"title": {"hello", "again"}}, map[string]string{"doc": "a.txt:content"}, []bool{false}, 0, nil},
		{"spill past memory", []part{{"doc", "big.bin", big}}, &form.Limits{MaxMemory: 1000},
			url.Values{}, map[string]string{"doc": "big.bin:" + big}, []bool{true}, 0, nil},
		{"memory budget shared", []part{{"a", "1", big}, {"b", "2", big}}, &form.Limits{MaxMemory: 4000},
			url.Values{}, map[string]string{"a": "1:" + big, "b": "2:" + big}, []bool{false, true}, 0, nil},
		{"file too large in memory", []part{{"doc", "big.bin", big}}, &form.Limits{MaxFileBytes: 2999}, nil, nil, nil, 413, form.ErrTooLarge},
		{"file too large on disk", []part{{"doc", "big.bin", big}}, &form.Limits{MaxFileBytes: 2999, MaxMemory: 100}, nil, nil, nil, 413, form.ErrTooLarge},
		{"file at its limit", []part{{"doc", "big.bin", big}}, &form.Limits{MaxFileBytes: 3000, MaxMemory: 100},
			url.Values{}, map[string]string{"doc": "big.bin:" + big}, []bool{true}, 0, nil},
		{"too many parts", []part{{"a", "", "1"}, {"b", "f", "2"}, {"c", "", "3"}}, &form.Limits{MaxParts: 2}, nil, nil, nil, 413, form.ErrTooLarge},
		{"too many fields", []part{{"a", "", "1"}, {"b", "", "2"}}, &form.Limits{MaxFields: 1}, nil, nil, nil, 413, form.ErrTooLarge},
		{"values too large", []part{{"a", "", "12345"}, {"b", "", "12345"}}, &form.Limits{MaxValueBytes: 10}, nil, nil, nil, 413, form.ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct, body := multipartBody(t, tt.parts...)
			got := parseWith(t, ct, body, tt.limits)
			if tt.is != nil {
				if !errors.Is(got.err, tt.is) || glitch.StatusOf(got.err) != tt.status {
					t.Fatalf("err %v (status %d), want %v (%d)", got.err, glitch.StatusOf(got.err), tt.is, tt.status)
				}
				return
			}
			if got.err != nil || !reflect.DeepEqual(got.values, tt.values) || !reflect.DeepEqual(got.files, tt.files) {
				t.Fatalf("got %v %v %v", got.values, got.files, got.err)
			}
			if len(tt.spill) == 1 && !reflect.DeepEqual(got.spill, tt.spill) {
				t.Errorf("on disk %v, want %v", got.spill, tt.spill)
			}
			if len(tt.spill) == 2 && (got.spill[0] == got.spill[1]) {
				t.Errorf("on disk %v: one file should fit in memory and one not", got.spill)
			}
		})
	}
	t.Run("malformed", func(t *testing.T) {
		for _, body := range []string{"not multipart at all", "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end"} {
			got := parseWith(t, "multipart/form-data; boundary=B", []byte(body), nil)
			if !errors.Is(got.err, form.ErrMalformed) || glitch.StatusOf(got.err) != 400 {
				t.Errorf("%q: %v", body, got.err)
			}
		}
		got := parseWith(t, "multipart/form-data", []byte("x"), nil)
		if !errors.Is(got.err, form.ErrMalformed) {
			t.Errorf("no boundary: %v", got.err)
		}
	})
	t.Run("over the core's limit", func(t *testing.T) {
		ct, body := multipartBody(t, part{"doc", "f", big})
		req := coretest.NewRequest("POST", "/", bytes.NewReader(body))
		req.Header.Set("Content-Type", ct)
		req.Chunked = true
		req.Options = &core.Options{MaxBodyBytes: 1000}
		var err error
		req.Serve(core.HandlerFunc(func(r *core.Request, w *core.ResponseWriter) core.ResponseWritten {
			_, err = form.Parse(r, nil)
			return w.SendStatus(glitch.StatusOf(err))
		}))
		if !errors.Is(err, core.ErrBodyTooLarge) || glitch.StatusOf(err) != 413 {
			t.Fatalf("err %v", err)
		}
	})
}

// TestTempFilesRemoved checks both ways spilled files go: RemoveAll, and
// the request's context ending when the handler returns.
func TestTempFilesRemoved(t *testing.T) {
	dir := t.TempDir()
	ct, body := multipartBody(t, part{"a", "a.bin", strings.Repeat("a", 5000)}, part{"b", "b.bin", strings.Repeat("b", 5000)})
	limits := &form.Limits{MaxMemory: 100, TempDir: dir}
	serve := func(remove bool) {
		req := coretest.NewRequest("POST", "/", bytes.NewReader(body))
		req.Header.Set("Content-Type", ct)
		res := req.Serve(core.HandlerFunc(func(r *core.Request, w *core.ResponseWriter) core.ResponseWritten {
			f, err := form.Parse(r, limits)
			if err != nil {
				return w.SendString(500, err.Error())
			}
			if n := countFiles(t, dir); n != 2 {
				return w.SendString(500, fmt.Sprintf("%d temporary files, want 2", n))
			}
			if remove {
				if err := f.RemoveAll(); err != nil {
					return w.SendString(500, err.Error())
				}
				if n := countFiles(t, dir); n != 0 {
					return w.SendString(500, fmt.Sprintf("%d temporary files after RemoveAll", n))
				}
			}
			return w.SendStatus(204)
		}))
		if res.Status != 204 {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
	}
	serve(true)
	serve(false)
	// Removal after the handler runs on context.AfterFunc's goroutine.
	deadline := time.Now().Add(10 * time.Second)
	for countFiles(t, dir) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d temporary files left after the handler returned", countFiles(t, dir))
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Run("removed on error", func(t *testing.T) {
		ct, body := multipartBody(t, part{"a", "a.bin", strings.Repeat("a", 5000)}, part{"b", "", "1"}, part{"c", "", "2"})
		got := parseWith(t, ct, body, &form.Limits{MaxMemory: 100, TempDir: dir, MaxFields: 1})
		if !errors.Is(got.err, form.ErrTooLarge) || countFiles(t, dir) != 0 {
			t.Fatalf("err %v, %d files left", got.err, countFiles(t, dir))
		}
	})
}

func countFiles(t *testing.T, dir string) int {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	return len(m)
}

func TestParts(t *testing.T) {
	ct, body := multipartBody(t, part{"a", "", "1"}, part{"f", "x.txt", "stream me"})
	req := coretest.NewRequest("POST", "/upload", bytes.NewReader(body))
	req.Header.Set("Content-Type", ct)
	res := req.Serve(core.HandlerFunc(func(r *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		mr, err := form.Parts(r)
		if err != nil {
			return w.SendString(glitch.StatusOf(err), err.Error())
		}
		var out strings.Builder
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return w.SendString(400, err.Error())
			}
			b, _ := io.ReadAll(p)
			fmt.Fprintf(&out, "%s/%s=%s;", p.FormName(), p.FileName(), b)
		}
		return w.SendString(200, out.String())
	}))
	if res.Status != 200 || res.BodyString() != "a/=1;f/x.txt=stream me;" {
		t.Fatalf("got %d %q", res.Status, res.Body)
	}
	req.Header.Set("Content-Type", "text/plain")
	if res := req.Serve(core.HandlerFunc(func(r *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		_, err := form.Parts(r)
		return w.SendStatus(glitch.StatusOf(err))
	})); res.Status != 415 {
		t.Fatalf("text/plain: %d", res.Status)
	}
}
