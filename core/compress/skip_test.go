package compress_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/compress"
	"github.com/tophat-go/tophat/core/coretest"
)

const acceptAll = "gzip, deflate, br, zstd"

func newRequest(target, accept string) *coretest.Request {
	req := coretest.NewRequest("GET", target, nil)
	if accept != "" {
		req.Header = http.Header{"Accept-Encoding": {accept}}
	}
	return req
}

// TestWhatIsCompressed is the table of responses the middleware leaves
// alone and the ones it compresses, each served through the real engine.
func TestWhatIsCompressed(t *testing.T) {
	long := text(4000)
	for _, tt := range []struct {
		name     string
		cfg      compress.Config
		method   string
		accept   string
		handler  func(w *core.ResponseWriter) core.ResponseWritten
		encoding string // the Content-Encoding expected
		vary     string // the Vary expected
	}{
		{name: "long text", handler: text200("text/html; charset=utf-8", long), encoding: "zstd", vary: "Accept-Encoding"},
		{name: "no Content-Type", handler: text200("", long), encoding: "zstd", vary: "Accept-Encoding"},
		{name: "no Accept-Encoding", accept: "-", handler: text200("text/plain", long), vary: "Accept-Encoding"},
		{name: "identity asked for", accept: "identity", handler: text200("text/plain", long), vary: "Accept-Encoding"},
		{name: "only codings not offered", accept: "deflate, compress", handler: text200("text/plain", long), vary: "Accept-Encoding"},
		{name: "short body", handler: text200("text/plain", long[:compress.DefaultMinSize-1])},
		{name: "body of MinSize", handler: text200("text/plain", long[:compress.DefaultMinSize]), encoding: "zstd", vary: "Accept-Encoding"},
		{name: "empty body", cfg: compress.Config{MinSize: 1}, handler: text200("text/plain", "")},
		{name: "MinSize 1", cfg: compress.Config{MinSize: 1}, handler: text200("text/plain", "x"), encoding: "zstd", vary: "Accept-Encoding"},
		{name: "larger MinSize", cfg: compress.Config{MinSize: 5000}, handler: text200("text/plain", long)},
		{name: "short streamed body", handler: func(w *core.ResponseWriter) core.ResponseWritten {
			b := w.Begin(200)
			b.WriteString("tiny")
			return b.Finish()
		}, encoding: "zstd", vary: "Accept-Encoding"},
		{name: "short streamed body with Content-Length", handler: func(w *core.ResponseWriter) core.ResponseWritten {
			w.Header().Set("Content-Length", "4")
			b := w.Begin(200)
			b.WriteString("tiny")
			return b.Finish()
		}},
		{name: "png", handler: text200("image/png", long)},
		{name: "jpeg in upper case with parameters", handler: text200("IMAGE/JPEG; q=1", long)},
		{name: "svg", handler: text200("image/svg+xml", long), encoding: "zstd", vary: "Accept-Encoding"},
		{name: "video", handler: text200("video/mp4", long)},
		{name: "zip", handler: text200("application/zip", long)},
		{name: "woff2", handler: text200("font/woff2", long)},
		{name: "png with no skipped type", cfg: compress.Config{SkipTypes: []string{}}, handler: text200("image/png", long), encoding: "zstd", vary: "Accept-Encoding"},
		{name: "custom skipped type", cfg: compress.Config{SkipTypes: []string{"text/csv"}}, handler: text200("text/csv", long)},
		{name: "png when only text/csv is skipped", cfg: compress.Config{SkipTypes: []string{"text/csv"}}, handler: text200("image/png", long), encoding: "zstd", vary: "Accept-Encoding"},
		{name: "already encoded", handler: func(w *core.ResponseWriter) core.ResponseWritten {
			w.Header().Set("Content-Encoding", "gzip")
			return w.SendString(200, long)
		}, encoding: "gzip"},
		{name: "identity Content-Encoding set", handler: func(w *core.ResponseWriter) core.ResponseWritten {
			w.Header().Set("Content-Encoding", "identity")
			return w.SendString(200, long)
		}, encoding: "identity"},
		{name: "range", handler: func(w *core.ResponseWriter) core.ResponseWritten {
			w.Header().Set("Content-Range", "bytes 0-3999/9000")
			return w.SendString(206, long)
		}},
		{name: "Content-Range on 200", handler: func(w *core.ResponseWriter) core.ResponseWritten {
			w.Header().Set("Content-Range", "bytes */9000")
			return w.SendString(200, long)
		}},
		{name: "no-transform", handler: func(w *core.ResponseWriter) core.ResponseWritten {
			w.Header().Set("Cache-Control", "public, No-Transform")
			return w.SendString(200, long)
		}},
		{name: "other Cache-Control", handler: func(w *core.ResponseWriter) core.ResponseWritten {
			w.Header().Set("Cache-Control", "no-cache, max-age=0")
			return w.SendString(200, long)
		}, encoding: "zstd", vary: "Accept-Encoding"},
		{name: "HEAD", method: "HEAD", handler: text200("text/plain", long)},
		{name: "204", handler: func(w *core.ResponseWriter) core.ResponseWritten { return w.SendStatus(204) }},
		{name: "304", handler: func(w *core.ResponseWriter) core.ResponseWritten { return w.SendStatus(304) }},
		{name: "error status", handler: func(w *core.ResponseWriter) core.ResponseWritten {
			return w.SendString(500, long)
		}, encoding: "zstd", vary: "Accept-Encoding"},
		{name: "Vary merged", handler: func(w *core.ResponseWriter) core.ResponseWritten {
			w.Header().Set("Vary", "Origin")
			w.Header().Add("Vary", "Cookie")
			return w.SendString(200, long)
		}, encoding: "zstd", vary: "Origin, Cookie, Accept-Encoding"},
		{name: "Vary naming Accept-Encoding already", handler: func(w *core.ResponseWriter) core.ResponseWritten {
			w.Header().Set("Vary", "Origin, accept-encoding")
			return w.SendString(200, long)
		}, encoding: "zstd", vary: "Origin, accept-encoding"},
		{name: "Vary *", handler: func(w *core.ResponseWriter) core.ResponseWritten {
			w.Header().Set("Vary", "*")
			return w.SendString(200, long)
		}, encoding: "zstd", vary: "*"},
		{name: "server preference", cfg: compress.Config{Encodings: []string{"gzip", "zstd"}}, handler: text200("text/plain", long), encoding: "gzip", vary: "Accept-Encoding"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := core.Chain(core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
				return tt.handler(w)
			}), mustNew(t, tt.cfg))
			accept := tt.accept
			switch accept {
			case "":
				accept = acceptAll
			case "-":
				accept = ""
			}
			req := newRequest("/", accept)
			if tt.method != "" {
				req.Method = tt.method
			}
			res := req.Serve(h)
			if res.Err != nil || res.ParseErr != nil || res.Written.Err() != nil {
				t.Fatalf("serve: %v, parse: %v, receipt: %v", res.Err, res.ParseErr, res.Written.Err())
			}
			if got := res.Header.Get("Content-Encoding"); got != tt.encoding {
				t.Errorf("Content-Encoding %q, want %q", got, tt.encoding)
			}
			if got := strings.Join(res.Header.Values("Vary"), ", "); got != tt.vary {
				t.Errorf("Vary %q, want %q", got, tt.vary)
			}
			if len(res.Header.Values("Vary")) > 1 {
				t.Errorf("Vary in %d fields, want one", len(res.Header.Values("Vary")))
			}
			compressed := tt.encoding != "" && tt.encoding != "identity" && tt.name != "already encoded"
			switch {
			case tt.method == "HEAD":
				if res.ContentLength() != int64(len(long)) || len(res.Body) != 0 {
					t.Errorf("HEAD: Content-Length %d, %d body bytes", res.ContentLength(), len(res.Body))
				}
			case compressed:
				if _, err := decode(tt.encoding, res.Body); err != nil {
					t.Errorf("decoding %s: %v", tt.encoding, err)
				}
			default:
				// Left alone: the body is the handler's, framed as the
				// handler framed it.
				if want := res.Written.BodyBytes(); int64(len(res.Body)) != want {
					t.Errorf("%d body bytes, the receipt says %d", len(res.Body), want)
				}
				if cl := res.Header.Get("Content-Length"); res.Status != 204 && res.Status != 304 && cl != strconv.Itoa(len(res.Body)) && res.Header.Get("Transfer-Encoding") == "" {
					t.Errorf("Content-Length %q for %d bytes", cl, len(res.Body))
				}
			}
		})
	}
}

func text200(contentType, body string) func(w *core.ResponseWriter) core.ResponseWritten {
	return func(w *core.ResponseWriter) core.ResponseWritten {
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		return w.SendString(200, body)
	}
}
