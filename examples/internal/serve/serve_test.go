package serve

import (
	"strings"
	"testing"
)

func TestListenAddress(t *testing.T) {
	for _, tc := range []struct{ listen, addr, want string }{
		{"", "", "tcp://127.0.0.1:8080"},
		{"", ":9000", "tcp://:9000"},
		{"unix:///tmp/x.sock", "", "unix:///tmp/x.sock"},
	} {
		if got, err := ListenAddress(tc.listen, tc.addr); err != nil || got != tc.want {
			t.Errorf("ListenAddress(%q, %q) = %q, %v; want %q", tc.listen, tc.addr, got, err, tc.want)
		}
	}
	if _, err := ListenAddress("tcp://127.0.0.1:1", "127.0.0.1:1"); err == nil || !strings.Contains(err.Error(), "both") {
		t.Errorf("-listen with -addr: %v", err)
	}
	_, err := ListenAddress("", "tcp://127.0.0.1:9001")
	if err == nil || strings.Contains(err.Error(), "tcp://tcp://") ||
		!strings.Contains(err.Error(), "-addr takes HOST:PORT") || !strings.Contains(err.Error(), "write -listen tcp://127.0.0.1:9001") {
		t.Errorf("-addr with a scheme: %v", err)
	}
}
