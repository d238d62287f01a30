package core

import "testing"

// TestValidFieldValueAgreesWithTheTable checks the word-at-a-time check
// against the byte table for every byte value at every position of a word
// and in the tail.
func TestValidFieldValueAgreesWithTheTable(t *testing.T) {
	base := []byte("text/plain,text/html;q=0.9,*/*;q=0.8 xyz")
	for c := range 256 {
		for pos := range len(base) {
			v := append([]byte(nil), base...)
			v[pos] = byte(c)
			if got, want := validFieldValue(v), valueTable[c]; got != want {
				t.Fatalf("byte %#x at %d: got %v, want %v", c, pos, got, want)
			}
			if got, want := validFieldValue(string(v)), valueTable[c]; got != want {
				t.Fatalf("byte %#x at %d of a string: got %v, want %v", c, pos, got, want)
			}
		}
	}
}

func FuzzValidFieldValue(f *testing.F) {
	f.Add([]byte("gzip, deflate\tbr"))
	f.Add([]byte("\x80\xff\x7f\x00"))
	f.Fuzz(func(t *testing.T, v []byte) {
		want := true
		for _, c := range v {
			want = want && valueTable[c]
		}
		if got := validFieldValue(v); got != want {
			t.Fatalf("validFieldValue(%q) on bytes = %v, want %v", v, got, want)
		}
		if got := validFieldValue(string(v)); got != want {
			t.Fatalf("validFieldValue(%q) = %v, want %v", v, got, want)
		}
	})
}

// TestEqualFoldIsASCIIOnly checks every pair of bytes: equal, or the same
// ASCII letter in either case, and nothing else (no Unicode folding, no
// folding of the symbols whose codes differ by 0x20, such as '^' and '~').
func TestEqualFoldIsASCIIOnly(t *testing.T) {
	upper := func(c int) bool { return 'A' <= c && c <= 'Z' }
	for a := range 256 {
		for b := range 256 {
			want := a == b || upper(a) && b == a+0x20 || upper(b) && a == b+0x20
			if got := equalFold([]byte{byte(a)}, string([]byte{byte(b)})); got != want {
				t.Fatalf("equalFold(%#x, %#x) = %v, want %v", a, b, got, want)
			}
		}
	}
	if equalFold([]byte("Host"), "Hos") || !equalFold([]byte("cOnTeNt-LeNgTh"), "Content-Length") {
		t.Fatal("equalFold compares lengths or cases wrongly")
	}
}
