package identity_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tophat-go/tophat/core/identity"
)

func TestValidate(t *testing.T) {
	k := [][]byte{key(1)}
	tests := []struct {
		name string
		cfg  identity.Config
		bad  string // a word the error must contain; "" for a valid config
	}{
		{"minimal", identity.Config{Keys: k}, ""},
		{"everything", identity.Config{Keys: [][]byte{key(1), key(2)}, CookieName: "sid", Path: "/app", Domain: ".example.com",
			SameSite: identity.SameSiteNone, MaxAge: time.Hour, LoginURL: "/login?x=1"}, ""},
		{"no keys", identity.Config{}, "Keys"},
		{"short key", identity.Config{Keys: [][]byte{key(1)[:31]}}, "Keys[0]"},
		{"repeated key", identity.Config{Keys: [][]byte{key(1), key(2), key(1)}}, "Keys[2]"},
		{"name not a token", identity.Config{Keys: k, CookieName: "my id"}, "CookieName"},
		{"name with prefix", identity.Config{Keys: k, CookieName: "__Host-id"}, "prefix"},
		{"relative path", identity.Config{Keys: k, Path: "app"}, "Path"},
		{"path with semicolon", identity.Config{Keys: k, Path: "/a;b"}, "Path"},
		{"path with control", identity.Config{Keys: k, Path: "/a\nb"}, "Path"},
		{"domain with port", identity.Config{Keys: k, Domain: "example.com:80"}, "Domain"},
		{"domain label dash", identity.Config{Keys: k, Domain: "-a.example.com"}, "Domain"},
		{"SameSite None insecure", identity.Config{Keys: k, SameSite: identity.SameSiteNone, Insecure: true}, "SameSite"},
		{"SameSite unknown", identity.Config{Keys: k, SameSite: 9}, "SameSite"},
		{"negative MaxAge", identity.Config{Keys: k, MaxAge: -time.Second}, "MaxAge"},
		{"sub-second MaxAge", identity.Config{Keys: k, MaxAge: time.Millisecond}, "MaxAge"},
		{"LoginURL with space", identity.Config{Keys: k, LoginURL: "/log in"}, "LoginURL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := identity.New(tt.cfg)
			if tt.bad == "" {
				if err != nil || m == nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), "identity: ") || !strings.Contains(err.Error(), tt.bad) {
				t.Fatalf("err = %v, want an identity: error naming %q", err, tt.bad)
			}
		})
	}
}

// TestCookieName: the prefix follows the attributes, so the browser holds
// the cookie to them.
func TestCookieName(t *testing.T) {
	k := [][]byte{key(1)}
	for _, tt := range []struct {
		cfg  identity.Config
		want string
	}{
		{identity.Config{Keys: k}, "__Host-identity"},
		{identity.Config{Keys: k, CookieName: "sid", Path: "/"}, "__Host-sid"},
		{identity.Config{Keys: k, Path: "/app"}, "__Secure-identity"},
		{identity.Config{Keys: k, Domain: "example.com"}, "__Secure-identity"},
		{identity.Config{Keys: k, Insecure: true}, "identity"},
	} {
		if got := newManager(t, tt.cfg).CookieName(); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.cfg, got, tt.want)
		}
	}
}
