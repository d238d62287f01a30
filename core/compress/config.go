package compress

import (
	"errors"
	"fmt"
	"strings"
)

// Config says which codings the middleware offers and which responses it
// leaves alone. The zero value is ready to use: zstd, br and gzip at their
// default levels, bodies of DefaultMinSize bytes and more, every type but
// DefaultSkipTypes.
type Config struct {
	// Encodings lists the content codings offered, in the server's order
	// of preference, which breaks ties between codings a client weighs
	// alike (browsers weigh them all 1). The names are "zstd", "br" and
	// "gzip". Nil means DefaultEncodings.
	Encodings []string

	// MinSize is the smallest body, in bytes, that is compressed. A body
	// whose length is unknown (streamed) is always compressed. Zero means
	// DefaultMinSize; 1 compresses every non-empty body.
	MinSize int64

	// SkipTypes lists the media types sent as they are, because they are
	// compressed already: "image/png", or "image/*" for a whole top-level
	// type. A wildcard spares structured-syntax suffixes that are text,
	// "+xml" and "+json", so "image/*" still lets image/svg+xml be
	// compressed. Matching ignores case and parameters. Nil means
	// DefaultSkipTypes; an empty, non-nil list skips no type.
	SkipTypes []string

	// GzipLevel is compress/gzip's level: 1 (gzip.BestSpeed) to 9
	// (gzip.BestCompression), -1 (gzip.DefaultCompression, which is 6) or
	// -2 (gzip.HuffmanOnly). Zero means the default; no level stores
	// without compressing, since that only adds bytes.
	GzipLevel int
	// BrotliLevel is brotli's quality, 1 to 11. Zero means
	// DefaultBrotliLevel.
	BrotliLevel int
	// ZstdLevel is a zstd level as the zstd command counts them, 1 to 22,
	// mapped to the nearest of the four speeds the encoder implements
	// (fastest, default, better, best). Zero means 3, the default speed.
	ZstdLevel int
}

// Defaults of Config, named so their reasons live in one place.
const (
	// DefaultMinSize is the default Config.MinSize. A body under about a
	// kilobyte leaves in one packet compressed or not, so compressing it
	// costs CPU and saves no round trip; the coding's own framing also eats
	// much of what it saves on so little.
	DefaultMinSize = 1024
	// DefaultBrotliLevel is the default Config.BrotliLevel: responses are
	// compressed while the client waits, and past 5 brotli's time grows far
	// faster than its ratio.
	DefaultBrotliLevel = 5
)

// DefaultEncodings is the default Config.Encodings: zstd first, as it
// compresses about as well as brotli at these levels for a fraction of the
// CPU, then brotli, then gzip, which every client understands.
var DefaultEncodings = []string{"zstd", "br", "gzip"}

// DefaultSkipTypes is the default Config.SkipTypes: images, audio and
// video, whose formats compress already (image/svg+xml, being XML, is
// still compressed), web fonts in WOFF, and archives.
var DefaultSkipTypes = []string{
	"image/*", "video/*", "audio/*",
	"font/woff", "font/woff2",
	"application/zip", "application/gzip", "application/x-gzip",
	"application/zstd", "application/x-bzip2", "application/x-xz",
	"application/x-7z-compressed", "application/vnd.rar",
	"application/x-rar-compressed", "application/java-archive",
}

// ErrInvalidConfig is matched (errors.Is) by every error of
// Config.Validate and New; the error names the field and what is wrong.
var ErrInvalidConfig = errors.New("compress: invalid Config")

// window is the history each zstd and brotli encoder keeps, as a power of
// two. It bounds the memory a pooled encoder holds on the server and the
// one a client must give its decoder per response; HTTP's zstd coding
// allows up to 8 MiB (RFC 9659), but a response compressed while the client
// waits gains little past a few hundred kilobytes.
const windowLog = 18

// Validate reports the first field of c that makes no sense: an unknown or
// repeated coding, an empty Encodings list, a negative MinSize, a level out
// of range, a SkipTypes entry that is no media type. It repairs nothing.
func (c *Config) Validate() error {
	if c == nil {
		return fmt.Errorf("%w: nil", ErrInvalidConfig)
	}
	if c.Encodings != nil && len(c.Encodings) == 0 {
		return fmt.Errorf("%w: Encodings is empty; leave it nil for the defaults, or use no middleware", ErrInvalidConfig)
	}
	for i, name := range c.Encodings {
		if codingIndex(name) < 0 {
			return fmt.Errorf("%w: Encodings entry %q is not one of zstd, br, gzip", ErrInvalidConfig, name)
		}
		for _, before := range c.Encodings[:i] {
			if before == name {
				return fmt.Errorf("%w: Encodings lists %q twice", ErrInvalidConfig, name)
			}
		}
	}
	if c.MinSize < 0 {
		return fmt.Errorf("%w: MinSize %d is negative", ErrInvalidConfig, c.MinSize)
	}
	for _, t := range c.SkipTypes {
		if _, err := parseMediaRange(t); err != nil {
			return err
		}
	}
	if c.GzipLevel < -2 || c.GzipLevel > 9 {
		return fmt.Errorf("%w: GzipLevel %d is outside -2..9", ErrInvalidConfig, c.GzipLevel)
	}
	if c.BrotliLevel < 0 || c.BrotliLevel > 11 {
		return fmt.Errorf("%w: BrotliLevel %d is outside 1..11", ErrInvalidConfig, c.BrotliLevel)
	}
	if c.ZstdLevel < 0 || c.ZstdLevel > 22 {
		return fmt.Errorf("%w: ZstdLevel %d is outside 1..22", ErrInvalidConfig, c.ZstdLevel)
	}
	return nil
}

// A mediaRange is a SkipTypes entry, lower-cased; sub is "*" for a whole
// top-level type.
type mediaRange struct{ typ, sub string }

func parseMediaRange(s string) (mediaRange, error) {
	typ, sub, ok := strings.Cut(strings.ToLower(s), "/")
	if !ok || typ == "*" || !isToken(typ) || (sub != "*" && !isToken(sub)) {
		// "*/*" is refused too: skipping every type is using no middleware.
		return mediaRange{}, fmt.Errorf("%w: SkipTypes entry %q is not type/subtype or type/*", ErrInvalidConfig, s)
	}
	return mediaRange{typ, sub}, nil
}

// matches reports whether the media type typ/sub (any case) is in r.
func (r mediaRange) matches(typ, sub string) bool {
	if !strings.EqualFold(typ, r.typ) {
		return false
	}
	if r.sub == "*" {
		return !textSuffix(sub)
	}
	return strings.EqualFold(sub, r.sub)
}

// textSuffix reports whether a subtype ends in a structured-syntax suffix
// (RFC 6839) whose syntax is text: image/svg+xml compresses well.
func textSuffix(sub string) bool {
	i := strings.LastIndexByte(sub, '+')
	if i < 0 {
		return false
	}
	suffix := sub[i+1:]
	return strings.EqualFold(suffix, "xml") || strings.EqualFold(suffix, "json")
}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}
