package compress_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/tophat-go/tophat/core/compress"
)

func TestConfigValidate(t *testing.T) {
	for _, tt := range []struct {
		name  string
		cfg   compress.Config
		field string // "" means valid
	}{
		{"zero value", compress.Config{}, ""},
		{"every field", compress.Config{Encodings: []string{"gzip", "br"}, MinSize: 1, SkipTypes: []string{"Image/PNG", "video/*"}, GzipLevel: 9, BrotliLevel: 11, ZstdLevel: 22}, ""},
		{"gzip extremes", compress.Config{GzipLevel: -2}, ""},
		{"no skipped type", compress.Config{SkipTypes: []string{}}, ""},
		{"empty encodings", compress.Config{Encodings: []string{}}, "Encodings"},
		{"unknown coding", compress.Config{Encodings: []string{"deflate"}}, "Encodings"},
		{"coding in upper case", compress.Config{Encodings: []string{"GZIP"}}, "Encodings"},
		{"identity is no coding to offer", compress.Config{Encodings: []string{"identity"}}, "Encodings"},
		{"repeated coding", compress.Config{Encodings: []string{"br", "gzip", "br"}}, "twice"},
		{"negative MinSize", compress.Config{MinSize: -1}, "MinSize"},
		{"skip type without slash", compress.Config{SkipTypes: []string{"image"}}, "SkipTypes"},
		{"skip type */*", compress.Config{SkipTypes: []string{"*/*"}}, "SkipTypes"},
		{"skip type with a space", compress.Config{SkipTypes: []string{"image/ png"}}, "SkipTypes"},
		{"skip type with parameters", compress.Config{SkipTypes: []string{"text/plain; charset=utf-8"}}, "SkipTypes"},
		{"gzip level high", compress.Config{GzipLevel: 10}, "GzipLevel"},
		{"gzip level low", compress.Config{GzipLevel: -3}, "GzipLevel"},
		{"brotli level high", compress.Config{BrotliLevel: 12}, "BrotliLevel"},
		{"brotli level negative", compress.Config{BrotliLevel: -1}, "BrotliLevel"},
		{"zstd level high", compress.Config{ZstdLevel: 23}, "ZstdLevel"},
		{"zstd level negative", compress.Config{ZstdLevel: -1}, "ZstdLevel"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			_, newErr := compress.New(tt.cfg)
			if tt.field == "" {
				if err != nil || newErr != nil {
					t.Fatalf("Validate: %v, New: %v", err, newErr)
				}
				return
			}
			if !errors.Is(err, compress.ErrInvalidConfig) || !strings.Contains(err.Error(), tt.field) {
				t.Fatalf("Validate: %v, want an ErrInvalidConfig naming %s", err, tt.field)
			}
			if !strings.HasPrefix(err.Error(), "compress: ") {
				t.Fatalf("error %q lacks the package prefix", err)
			}
			if newErr == nil || newErr.Error() != err.Error() {
				t.Fatalf("New: %v, want Validate's error", newErr)
			}
		})
	}
	var nilConfig *compress.Config
	if err := nilConfig.Validate(); !errors.Is(err, compress.ErrInvalidConfig) {
		t.Fatalf("nil Config: %v", err)
	}
}
