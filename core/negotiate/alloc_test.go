//go:build !race

package negotiate_test

import (
	"testing"

	"github.com/tophat-go/tophat/core/negotiate"
)

func TestChoosingAllocatesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation count")
	}
	accept := "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
	offers := []string{"application/json", "text/html"}
	n := testing.AllocsPerRun(100, func() {
		negotiate.ContentType(accept, offers...)
		negotiate.Encoding("gzip, deflate, br, zstd", "br", "gzip", "identity")
		negotiate.Language("fr-CH, fr;q=0.9, en;q=0.8", "en", "fr")
	})
	if n != 0 {
		t.Fatalf("%v allocations", n)
	}
}
