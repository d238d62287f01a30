package negotiate_test

import (
	"fmt"

	"github.com/tophat-go/tophat/core/negotiate"
)

// A browser's Accept field picks HTML over JSON; an API client's picks JSON.
func ExampleContentType() {
	browser := "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
	fmt.Println(negotiate.ContentType(browser, "application/json", "text/html"))
	fmt.Println(negotiate.ContentType("application/json", "application/json", "text/html"))
	fmt.Printf("%q\n", negotiate.ContentType("image/png", "application/json"))
	// Output:
	// text/html
	// application/json
	// ""
}

// Precompressed or compressed variants are chosen by weight; identity is
// the fallback unless refused.
func ExampleEncoding() {
	fmt.Println(negotiate.Encoding("gzip, br;q=0.9", "br", "zstd", "gzip", "identity"))
	fmt.Println(negotiate.Encoding("", "br", "gzip", "identity"))
	// Output:
	// gzip
	// identity
}

func ExampleLanguage() {
	fmt.Println(negotiate.Language("fr-CH, fr;q=0.9, en;q=0.8", "en", "fr"))
	// Output: fr
}
