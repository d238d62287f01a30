package kcp

import (
	"testing"

	"github.com/tophat-go/tophat/transports"
)

// SchemeConfig returns the Config that the kcp:// scheme builds for address
// and opts.
func SchemeConfig(t *testing.T, address string, opts *transports.Options) *Config {
	t.Helper()
	a, err := transports.ParseAddress(address)
	if err != nil {
		t.Fatal(err)
	}
	c, err := schemeConfig(a.Query, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
