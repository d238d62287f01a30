package static

import (
	"crypto/sha256"
	"encoding/base64"
	"io"
	"io/fs"
	"strconv"
)

// etag returns the strong ETag of a file: its size and modification time,
// or, where the file system reports no time, a hash of the content cached
// by name (such file systems, embed.FS first among them, do not change).
// A precompressed variant's name is part of the key, so its hash is its own.
func (h *Handler) etag(name, coding string, f fs.File, info fs.FileInfo) string {
	mod := info.ModTime()
	if !isZeroTime(mod) {
		b := make([]byte, 0, 48)
		b = append(b, '"')
		b = strconv.AppendInt(b, info.Size(), 16)
		b = append(b, '-')
		b = strconv.AppendInt(b, mod.UnixNano(), 16)
		if coding != "" {
			b = append(b, '-')
			b = append(b, coding...)
		}
		b = append(b, '"')
		return string(b)
	}
	if tag, ok := h.hashTag.Load(name); ok {
		return tag.(string)
	}
	rs, ok := f.(io.ReadSeeker)
	if !ok {
		return ""
	}
	sum := sha256.New()
	if _, err := io.Copy(sum, rs); err != nil {
		return ""
	}
	if _, err := rs.Seek(0, io.SeekStart); err != nil {
		return ""
	}
	// 18 bytes of SHA-256 in base64: 24 characters, no padding, no quote.
	tag := `"` + base64.RawURLEncoding.EncodeToString(sum.Sum(nil)[:18]) + `"`
	h.hashTag.Store(name, tag)
	return tag
}
