package form

import (
	"net/url"
	"reflect"
	"testing"
)

// FuzzURLEncoded compares the parser with net/url's: wherever url.ParseQuery
// finds nothing wrong, both give the same values, and the parser refuses
// exactly what url.ParseQuery complains of.
func FuzzURLEncoded(f *testing.F) {
	for _, s := range []string{"a=1&b=2", "a=%41&a=+", "&&=&", "a;b", "%zz=1", "k", "a=1&a=2&a", "%E2%82%AC=%e2%82%ac", "=", "a=%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := url.Values{}
		err := parseURLEncoded(s, got, 1<<20)
		want, wantErr := url.ParseQuery(s)
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("%q: error %v, net/url's %v", s, err, wantErr)
		}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: %v, net/url's %v", s, got, want)
		}
	})
}
