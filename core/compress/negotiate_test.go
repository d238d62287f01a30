package compress

import (
	"math"
	"net/http"
	"strings"
	"testing"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/coretest"
	"github.com/tophat-go/tophat/core/negotiate"
)

func TestChoose(t *testing.T) {
	for _, tt := range []struct {
		accept string
		offers []string // Config.Encodings; nil for the defaults
		want   string
	}{
		{"", nil, "identity"},
		{"   ", nil, "identity"},
		{"gzip", nil, "gzip"},
		{"x-gzip", nil, "gzip"},
		{"GZIP", nil, "gzip"},
		{"br", nil, "br"},
		{"zstd", nil, "zstd"},
		{"deflate", nil, "identity"},
		{"compress, deflate", nil, "identity"},
		// Browsers weigh every coding alike: the server's order decides.
		{"gzip, deflate, br, zstd", nil, "zstd"},
		{"gzip, deflate, br", nil, "br"},
		{"gzip, deflate, br, zstd", []string{"gzip", "br", "zstd"}, "gzip"},
		{"gzip, deflate, br, zstd", []string{"br"}, "br"},
		{"zstd", []string{"gzip", "br"}, "identity"},
		// Weights rule over the server's order.
		{"gzip;q=1, br;q=0.9", nil, "gzip"},
		{"br;q=0.5, gzip;q=0.8, zstd;q=0.1", nil, "gzip"},
		{"gzip ; q=0.3 , br ; Q=0.4", nil, "br"},
		{"zstd;q=0.999, br", nil, "br"},
		// The wildcard stands for the codings not named.
		{"*", nil, "zstd"},
		{"*;q=0.5, gzip", nil, "gzip"},
		{"zstd;q=0, *", nil, "br"},
		{"zstd;q=0, br;q=0, *", nil, "gzip"},
		{"*;q=0.2, br;q=0.1", nil, "zstd"},
		// Exclusions.
		{"gzip;q=0", nil, "identity"},
		{"gzip;q=0.000", nil, "identity"},
		{"gzip;q=0, x-gzip;q=0", nil, "identity"},
		{"*;q=0", nil, "identity"}, // nothing acceptable: sent as is
		{"identity;q=0, gzip;q=0", nil, "identity"},
		{"identity;q=0", nil, "identity"},
		{"*;q=0, gzip", nil, "gzip"},
		// Identity loses a tie with a coding, and wins when weighed more.
		{"identity, gzip", nil, "gzip"},
		{"identity;q=1, gzip;q=0.5", nil, "identity"},
		{"identity;q=0.5, gzip;q=0.5", nil, "gzip"},
		// Elements that do not parse are skipped, not fatal.
		{"gzip;q=bad, br", nil, "br"},
		{"gzip;q=2", nil, "identity"},
		{",,, gzip ,", nil, "gzip"},
		{"gzip;q=0.5;level=3", nil, "gzip"},
	} {
		m, err := newMiddleware(Config{Encodings: tt.offers})
		if err != nil {
			t.Fatal(err)
		}
		if got := m.offers[m.choose(tt.accept)]; got != tt.want {
			t.Errorf("Accept-Encoding %q, offers %v: got %s, want %s", tt.accept, tt.offers, got, tt.want)
		}
	}
}

// TestSeveralAcceptEncodingFields checks that fields are joined as one
// list, as RFC 9110 section 5.3 says they mean.
func TestSeveralAcceptEncodingFields(t *testing.T) {
	mw, err := New(Config{MinSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	h := core.Chain(core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return w.SendString(200, "some text")
	}), mw)
	for _, tt := range []struct {
		fields []string
		want   string
	}{
		{[]string{"gzip;q=0.1", "br"}, "br"},
		{[]string{"zstd;q=0", "br;q=0.2", "gzip;q=0.3"}, "gzip"},
		{[]string{"identity", "*;q=0"}, ""},
	} {
		req := coretest.NewRequest("GET", "/", nil)
		req.Header = http.Header{"Accept-Encoding": tt.fields}
		res := req.Serve(h)
		if got := res.Header.Get("Content-Encoding"); got != tt.want {
			t.Errorf("fields %q: Content-Encoding %q, want %q", tt.fields, got, tt.want)
		}
	}
}

// weight is an oracle for the weight RFC 9110 section 12.5.3 gives coding
// in an Accept-Encoding value, in thousandths, built on negotiate.Parse
// rather than on the matcher choose uses.
func weight(specs []negotiate.Spec, coding string) int {
	exact, star := -1, -1
	for _, s := range specs {
		q := int(math.Round(s.Q * 1000))
		switch {
		case s.Value == coding, coding == "gzip" && s.Value == "x-gzip":
			exact = max(exact, q)
		case s.Value == "*":
			star = max(star, q)
		}
	}
	switch {
	case exact >= 0:
		return exact
	case star >= 0:
		return star
	case coding == "identity":
		return 1 // acceptable unless refused, below any coding asked for
	}
	return 0
}

func FuzzChoose(f *testing.F) {
	for _, seed := range []string{
		"", "gzip", "gzip, deflate, br, zstd", "br;q=0.5, gzip;q=0.8, zstd;q=0.1",
		"*;q=0", "identity;q=0, *", "zstd;q=0, *", "x-gzip;q=0.3, gzip;q=0.2",
		"gzip;q=0.001", "identity;q=0.001, gzip;q=0.001", `br;x="a,b", gzip`,
		"gzip;q=1.000, br;q=1.0001", "GZip ;Q=0.7", "*, identity;q=0",
	} {
		f.Add(seed)
	}
	m, err := newMiddleware(Config{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, accept string) {
		i := m.choose(accept)
		if i < 0 || i >= len(m.offers) {
			t.Fatalf("index %d out of %v", i, m.offers)
		}
		specs := negotiate.Parse(accept)
		best, bestW := "identity", 0
		for _, o := range m.offers {
			if w := weight(specs, o); w > bestW {
				best, bestW = o, w
			}
		}
		if got := m.offers[i]; got != best {
			t.Fatalf("Accept-Encoding %q: chose %s, the oracle %s (specs %+v)", accept, got, best, specs)
		}
		if m.coding[i] >= 0 && !strings.EqualFold(codings[m.coding[i]].name, m.offers[i]) {
			t.Fatalf("offer %s maps to coding %s", m.offers[i], codings[m.coding[i]].name)
		}
	})
}
