package static_test

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tophat-go/tophat/core/static"
)

// modTime is the modification time of every file in the test tree, whole
// seconds so that Last-Modified round-trips exactly.
var modTime = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

const (
	helloText = "hello, world\n"
	secret    = "TOP SECRET, outside the root"
	appJS     = "console.log('plain javascript, long enough to be worth compressing');\n"
)

// tree builds the served directory and, beside it, a directory the server
// must never reach: www/ and outside/ under one temporary directory, with
// symbolic links from www that lead out.
func tree(t testing.TB) (root string) {
	t.Helper()
	base := t.TempDir()
	root = filepath.Join(base, "www")
	outside := filepath.Join(base, "outside")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(appJS))
	zw.Close()
	files := map[string][]byte{
		"www/hello.txt":       []byte(helloText),
		"www/data.bin":        pattern(100 << 10),
		"www/noext":           []byte("<!DOCTYPE html><html><body>sniffed</body></html>"),
		"www/sub/index.html":  []byte("<h1>index</h1>"),
		"www/sub/page.html":   []byte("<p>page</p>"),
		"www/app.js":          []byte(appJS),
		"www/app.js.gz":       gz.Bytes(),
		"www/app.js.br":       []byte("pretend brotli bytes"),
		"www/empty.txt":       nil,
		"outside/secret.txt":  []byte(secret),
		"www/unused.css.zst":  []byte("a variant without its original"),
		"www/dir.html/x.html": []byte("x"),
	}
	for name, content := range files {
		p := filepath.Join(base, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, content, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, modTime, modTime); err != nil {
			t.Fatal(err)
		}
	}
	links := map[string]string{
		"www/escape":      "../outside/secret.txt",
		"www/escdir":      "../outside",
		"www/absolute":    filepath.Join(outside, "secret.txt"),
		"www/inside":      "hello.txt",
		"www/sub/up.html": "../hello.txt",
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(base, filepath.FromSlash(name))); err != nil {
			t.Skipf("symbolic links: %v", err)
		}
	}
	return root
}

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + i%26)
	}
	return b
}

func dirHandler(t testing.TB, opts *static.Options) *static.Handler {
	t.Helper()
	h, err := static.Dir(tree(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}
