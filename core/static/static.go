package static

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"sync"

	"github.com/tophat-go/tophat/core"
)

// Errors of the constructors.
var (
	// ErrInvalidIndexName is returned for an index name that is empty or
	// holds a slash.
	ErrInvalidIndexName = errors.New("static: Options.IndexNames: a name must be one path element")
	// ErrInvalidPrefix is returned for a Prefix that does not start with "/".
	ErrInvalidPrefix = errors.New("static: Options.Prefix must start with \"/\"")
)

// Options configure a Handler. The zero value serves index.html for
// directories and precompressed variants.
type Options struct {
	// IndexNames are tried in order for a path ending in "/". nil means
	// {"index.html"}; an empty non-nil slice serves no index (404).
	IndexNames []string
	// Prefix is taken off the request path before it names a file
	// ("/assets/app.js" with Prefix "/assets" is "app.js"); a path outside
	// it is 404. Routers that mount the handler under a path set it.
	Prefix string
	// NoPrecompressed turns off serving name.br, name.zst and name.gz in
	// place of name, and the Vary: Accept-Encoding that goes with it.
	NoPrecompressed bool
	// CacheControl, if set, is sent with every file (200, 206 and 304).
	CacheControl string
	// NotFound answers paths that name no file; nil sends a plain 404.
	NotFound core.Handler
}

// A Handler serves files from a file system. It is safe for concurrent use.
type Handler struct {
	fsys    fs.FS
	root    *os.Root // set by Dir; closed by Close
	index   []string
	opts    Options
	hashTag sync.Map // name → ETag, for file systems without modification times
}

// New returns a Handler serving fsys. See the package documentation for
// what an fs.FS is trusted with; for a directory on disk use Dir.
func New(fsys fs.FS, opts *Options) (*Handler, error) {
	h := &Handler{fsys: fsys, index: []string{"index.html"}}
	if opts != nil {
		h.opts = *opts
		if opts.IndexNames != nil {
			h.index = opts.IndexNames
		}
	}
	for _, name := range h.index {
		if name == "" || strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
			return nil, ErrInvalidIndexName
		}
	}
	if h.opts.Prefix != "" && h.opts.Prefix[0] != '/' {
		return nil, ErrInvalidPrefix
	}
	h.opts.Prefix = strings.TrimSuffix(h.opts.Prefix, "/")
	return h, nil
}

// Dir returns a Handler serving the directory dir, opened with
// os.OpenRoot so that no path or symbolic link leads outside it. Close
// releases the directory.
func Dir(dir string, opts *Options) (*Handler, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	h, err := New(root.FS(), opts)
	if err != nil {
		root.Close()
		return nil, err
	}
	h.root = root
	return h, nil
}

// Close closes the directory of a Handler made by Dir; for one made by New
// it does nothing.
func (h *Handler) Close() error {
	if h.root == nil {
		return nil
	}
	return h.root.Close()
}

// Serve serves the file the request path names.
func (h *Handler) Serve(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
	if rw, ok := refuseMethod(req, w); !ok {
		return rw
	}
	p := req.Path()
	if h.opts.Prefix != "" {
		rest, ok := strings.CutPrefix(p, h.opts.Prefix)
		if !ok || (rest != "" && rest[0] != '/') {
			return h.notFound(req, w)
		}
		if rest == "" {
			rest = "/"
		}
		p = rest
	}
	name, ok := cleanPath(p)
	if !ok {
		return w.SendString(400, "invalid path")
	}
	return h.serveName(req, w, name, strings.HasSuffix(p, "/"))
}

// ServeFile serves the file name, a slash-separated path relative to the
// root, whatever the request path is, with the same checks as Serve.
func (h *Handler) ServeFile(req *core.Request, w *core.ResponseWriter, name string) core.ResponseWritten {
	if rw, ok := refuseMethod(req, w); !ok {
		return rw
	}
	clean, ok := cleanPath("/" + name)
	if !ok {
		return w.SendString(400, "invalid path")
	}
	return h.serveName(req, w, clean, strings.HasSuffix(name, "/") || name == "")
}

func refuseMethod(req *core.Request, w *core.ResponseWriter) (core.ResponseWritten, bool) {
	switch req.Method() {
	case "GET", "HEAD":
		return core.ResponseWritten{}, true
	}
	w.Header().Set("Allow", "GET, HEAD")
	return w.SendString(405, "method not allowed"), false
}

// cleanPath turns a decoded request path into an fs.FS name, refusing
// what could climb out of the root or be read differently by the file
// system: ".." segments, backslashes (a separator on Windows) and NUL.
func cleanPath(p string) (string, bool) {
	if p == "" || p[0] != '/' || strings.ContainsAny(p, "\\\x00") {
		return "", false
	}
	for seg := range strings.SplitSeq(p, "/") {
		if seg == ".." {
			return "", false
		}
	}
	name := path.Clean(p)[1:]
	if name == "" {
		name = "."
	}
	return name, fs.ValidPath(name)
}

func (h *Handler) serveName(req *core.Request, w *core.ResponseWriter, name string, dirSlash bool) core.ResponseWritten {
	f, info, err := h.open(name)
	if err != nil {
		return h.openError(req, w, err)
	}
	if info.IsDir() {
		f.Close()
		if !dirSlash {
			return redirectToDir(req, w)
		}
		for _, index := range h.index {
			f, info, err = h.open(path.Join(name, index))
			if err == nil && !info.IsDir() {
				name = path.Join(name, index)
				break
			}
			if f != nil {
				f.Close()
			}
			f = nil
		}
		if f == nil {
			return h.notFound(req, w)
		}
	} else if dirSlash && name != "." {
		f.Close()
		return h.notFound(req, w)
	}
	defer f.Close()
	if !info.Mode().IsRegular() {
		return h.notFound(req, w)
	}

	if !h.opts.NoPrecompressed {
		w.Header().Add("Vary", "Accept-Encoding")
		if vf, vinfo, enc := h.precompressed(req, name); vf != nil {
			defer vf.Close()
			w.Header().Set("Content-Encoding", enc)
			// The variant's type is the original's: look it up by name,
			// or sniff the original, never the compressed bytes.
			if !w.Header().Has("Content-Type") {
				w.Header().Set("Content-Type", contentType(name, f))
			}
			return h.serveFile(req, w, name+"."+extensions[enc], enc, vf, vinfo)
		}
	}
	return h.serveFile(req, w, name, "", f, info)
}

// serveFile sets the validators of a file and serves its content.
// A variant's ETag ends in its coding, so it can never equal the
// original's, even with the same size and time.
func (h *Handler) serveFile(req *core.Request, w *core.ResponseWriter, name, coding string, f fs.File, info fs.FileInfo) core.ResponseWritten {
	if h.opts.CacheControl != "" {
		w.Header().Set("Cache-Control", h.opts.CacheControl)
	}
	if !w.Header().Has("ETag") {
		if tag := h.etag(name, coding, f, info); tag != "" {
			w.Header().Set("ETag", tag)
		}
	}
	rs, ok := f.(io.ReadSeeker)
	if !ok {
		// Without Seek no range can be served and no type sniffed; the
		// whole body still can be.
		rs = &noSeek{f}
	}
	return serveContent(req, w, name, info.ModTime(), info.Size(), rs, ok)
}

func (h *Handler) open(name string) (fs.File, fs.FileInfo, error) {
	f, err := h.fsys.Open(name)
	if err != nil {
		return nil, nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, info, nil
}

// openError answers a failed open: a missing file, and a path os.Root
// refuses (a link out of the root, a file where a directory should be),
// are 404 alike, so that probing reveals nothing about what lies outside.
func (h *Handler) openError(req *core.Request, w *core.ResponseWriter, err error) core.ResponseWritten {
	if errors.Is(err, fs.ErrPermission) {
		return w.SendString(403, "forbidden")
	}
	var pe *fs.PathError
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrInvalid) || errors.As(err, &pe) {
		return h.notFound(req, w)
	}
	return w.SendString(500, "cannot open file")
}

func (h *Handler) notFound(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
	if h.opts.NotFound != nil {
		return h.opts.NotFound.Serve(req, w)
	}
	w.Header().Del("Vary")
	return w.SendString(404, "not found")
}

// redirectToDir sends a directory path without its trailing slash to the
// path with one. The Location is relative (the last segment and "/"), so
// no request can turn it into a redirect to another host.
func redirectToDir(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
	target := "./" + escapePathSegment(path.Base(req.Path())) + "/"
	if q := req.RawQuery(); q != "" {
		target += "?" + q // as sent: the core admits no byte that could break the field
	}
	w.Header().Set("Location", target)
	return w.SendString(301, "moved permanently")
}

// escapePathSegment percent-encodes what may not stand in a path segment
// of a Location.
func escapePathSegment(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c > ' ' && c < 0x7f && c != '%' && c != '"' && c != '<' && c != '>' && c != '\\' && c != '^' && c != '`' && c != '{' && c != '|' && c != '}' && c != '#' && c != '?' && c != '/' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// noSeek adapts a file that cannot seek; serveContent is told not to seek it.
type noSeek struct{ fs.File }

func (n *noSeek) Seek(int64, int) (int64, error) {
	return 0, errors.New("static: file cannot seek")
}
