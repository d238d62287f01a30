package negotiate_test

import (
	"reflect"
	"slices"
	"testing"

	"github.com/tophat-go/tophat/core/negotiate"
)

func TestContentType(t *testing.T) {
	json, html, text := "application/json", "text/html", "text/plain"
	tests := []struct {
		accept string
		offers []string
		want   string
	}{
		{"", []string{json, html}, json},
		{"  ", []string{html}, html},
		{"text/html", []string{json, html}, html},
		{"TEXT/HTML", []string{json, html}, html},
		{"application/json;q=0.5, text/html", []string{json, html}, html},
		{"*/*", []string{json, html}, json},
		{"text/*;q=0.9, */*;q=0.1", []string{json, html}, html},
		// The most specific range sets the weight, even when it is lower.
		{"text/*, text/html;q=0", []string{html, text}, text},
		{"*/*, application/json;q=0", []string{json}, ""},
		{"text/html;level=1;q=0.2, text/html;q=0.8", []string{"text/html;level=1", html}, html},
		{"text/html;level=1, text/html;q=0.1", []string{"text/html;level=1"}, "text/html;level=1"},
		{"text/html;level=1", []string{html}, ""},
		{"image/png", []string{json, html}, ""},
		// Ties go to the first offer.
		{"text/html, application/json", []string{json, html}, json},
		// Malformed elements are skipped, not fatal.
		{"text/html;q=2, application/json", []string{html, json}, json},
		{"garbage, text/html;q=0.3", []string{html}, html},
		{`text/html;foo="a,b;c";q=0.4, application/json;q=0.3`, []string{json, `text/html;foo="a,b;c"`}, `text/html;foo="a,b;c"`},
		{"text/html;q=0.001", []string{html}, html},
		{"text/html;q=0.0001", []string{html}, ""},
		{"text/html", nil, ""},
	}
	for _, tt := range tests {
		if got := negotiate.ContentType(tt.accept, tt.offers...); got != tt.want {
			t.Errorf("ContentType(%q, %q) = %q, want %q", tt.accept, tt.offers, got, tt.want)
		}
	}
}

func TestEncoding(t *testing.T) {
	all := []string{"br", "zstd", "gzip", "identity"}
	tests := []struct {
		accept string
		offers []string
		want   string
	}{
		{"", all, "identity"},
		{"", []string{"gzip"}, ""},
		{"gzip", all, "gzip"},
		{"gzip, br", all, "br"},
		{"gzip;q=1.0, br;q=0.8, zstd;q=0.9", all, "gzip"},
		{"x-gzip", all, "gzip"},
		{"*", all, "br"},
		{"*;q=0", all, ""},
		{"*;q=0, identity", all, "identity"},
		{"identity;q=0", []string{"identity"}, ""},
		{"gzip;q=0", all, "identity"},
		{"deflate", all, "identity"},
		{"BR;Q=0.5, gzip;q=0.4", all, "br"},
		{"gzip;q=bad", all, "identity"},
	}
	for _, tt := range tests {
		if got := negotiate.Encoding(tt.accept, tt.offers...); got != tt.want {
			t.Errorf("Encoding(%q, %q) = %q, want %q", tt.accept, tt.offers, got, tt.want)
		}
	}
}

func TestLanguage(t *testing.T) {
	tests := []struct {
		accept string
		offers []string
		want   string
	}{
		{"", []string{"en", "fr"}, "en"},
		{"fr", []string{"en", "fr"}, "fr"},
		{"fr-CH, fr;q=0.9, en;q=0.8, *;q=0.5", []string{"de", "en-US", "fr"}, "fr"},
		{"en", []string{"en-US"}, "en-US"},
		{"en-US", []string{"en"}, ""},
		{"en-gb;q=0.2, en;q=0.9", []string{"en-GB", "en-US"}, "en-US"},
		{"*", []string{"de"}, "de"},
		{"*, de;q=0", []string{"de", "it"}, "it"},
		{"e", []string{"en"}, ""},
	}
	for _, tt := range tests {
		if got := negotiate.Language(tt.accept, tt.offers...); got != tt.want {
			t.Errorf("Language(%q, %q) = %q, want %q", tt.accept, tt.offers, got, tt.want)
		}
	}
}

func TestParse(t *testing.T) {
	got := negotiate.Parse(`text/HTML;Level=1;q=0.7;ext=x, ,*/*;q=0.1, bad/;q=oops, text/plain;charset="utf-8"`)
	want := []negotiate.Spec{
		{Value: "text/html", Params: []negotiate.Param{{"level", "1"}}, Q: 0.7},
		{Value: "*/*", Q: 0.1},
		{Value: "text/plain", Params: []negotiate.Param{{"charset", "utf-8"}}, Q: 1},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
}

func FuzzAccept(f *testing.F) {
	for _, s := range []string{
		"", "*/*", "text/html;q=0.5, */*;q=0.1", `a/b;x="q,;\"";q=1.000`, "text/*;level=1;q=0",
		"gzip;q=0.001, *;q=0", "en-US, en;q=0.5", ",,,;;;===", `"`, `a/b;q="0.5"`, "a/b;q=1.0001",
	} {
		f.Add(s)
	}
	offers := []string{"text/html", "application/json", "text/html;level=1", "*/*"}
	f.Fuzz(func(t *testing.T, field string) {
		for _, s := range negotiate.Parse(field) {
			if s.Q < 0 || s.Q > 1 || s.Value == "" {
				t.Fatalf("Parse(%q) gave %+v", field, s)
			}
		}
		if got := negotiate.ContentType(field, offers...); got != "" && !slices.Contains(offers, got) {
			t.Fatalf("ContentType chose %q, not offered", got)
		}
		// Refusing everything by name leaves nothing acceptable, whatever
		// came before.
		if got := negotiate.ContentType(field+", */*;q=0, text/*;q=0, text/html;q=0, application/json;q=0, text/html;level=1;q=0", offers[:3]...); got != "" {
			if s := negotiate.Parse(field); len(s) == 0 || !slices.ContainsFunc(s, func(s negotiate.Spec) bool { return s.Q > 0 }) {
				t.Fatalf("ContentType(%q) accepted %q", field, got)
			}
		}
		if got := negotiate.Encoding(field, "br", "gzip", "identity"); got != "" && got != "br" && got != "gzip" && got != "identity" {
			t.Fatalf("Encoding chose %q", got)
		}
		negotiate.Language(field, "en", "en-US", "fr")
	})
}
