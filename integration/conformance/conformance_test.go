package conformance

import (
	"fmt"
	"net"
	"testing"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports/tcp"
)

// startTophat serves EchoTophat on a loopback TCP listener until the test
// ends and returns a dialer for it.
func startTophat(t testing.TB, opts core.Options) func() (net.Conn, error) {
	t.Helper()
	ln, err := tcp.Listen("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := &core.Server{Handler: EchoTophat(), Options: opts}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	addr := ln.Addr().String()
	return func() (net.Conn, error) { return net.Dial("tcp", addr) }
}

func TestConformance(t *testing.T) {
	if len(Cases) < 250 {
		t.Errorf("the suite has %d cases, fewer than 250", len(Cases))
	}
	names := map[string]bool{}
	for _, c := range Cases {
		names[c.Name] = true
	}
	for name := range KnownFailures {
		if !names[name] {
			t.Errorf("known failure %q is no case", name)
		}
	}
	dial := startTophat(t, TophatOptions())
	outcomes := RunAll(dial, Cases, 8)
	pass := 0
	for i := range Cases {
		c := &Cases[i]
		err := c.Check(outcomes[i])
		if err == nil {
			pass++
		}
		t.Run(c.Name, func(t *testing.T) {
			known, isKnown := KnownFailures[c.Name]
			switch {
			case err != nil && isKnown:
				fmt.Printf("KNOWN FAILURE %s (%s): %v; %s\n", c.Name, c.Section, err, known)
				t.Skipf("known failure (%s): %v; %s", c.Section, err, known)
			case err != nil:
				t.Errorf("%s: %v\nsent %q", c.Section, err, c.Raw)
			case isKnown:
				t.Errorf("known failure %q passes now: take it off KnownFailures", c.Name)
			}
		})
	}
	fmt.Printf("conformance: %d/%d cases pass\n", pass, len(Cases))
}
