package identity

import (
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/chacha20poly1305"
)

// DefaultMaxAge is how long an identity lasts when Config.MaxAge is zero:
// a week, the usual "remember me" span; shorten it for sensitive services.
const DefaultMaxAge = 7 * 24 * time.Hour

// DefaultCookieName is the cookie's base name when Config.CookieName is
// empty.
const DefaultCookieName = "identity"

// KeySize is the size of a key: XChaCha20-Poly1305 takes 256 bits.
const KeySize = chacha20poly1305.KeySize

// SameSite is the SameSite attribute of the cookie.
type SameSite int

const (
	// SameSiteLax sends the cookie on same-site requests and on top-level
	// navigations from other sites: links work, cross-site forms and
	// scripts do not carry it. The default.
	SameSiteLax SameSite = iota
	// SameSiteStrict sends the cookie on same-site requests only.
	SameSiteStrict
	// SameSiteNone sends the cookie on every request; browsers require
	// Secure with it.
	SameSiteNone
)

func (s SameSite) String() string {
	switch s {
	case SameSiteLax:
		return "Lax"
	case SameSiteStrict:
		return "Strict"
	case SameSiteNone:
		return "None"
	}
	return fmt.Sprintf("SameSite(%d)", int(s))
}

// Config configures a Manager. Keys is required; every other zero field
// means the default beside it.
type Config struct {
	// Keys are the keys of KeySize bytes, newest first: Keys[0] seals new
	// cookies and every key opens them. To rotate, put a new key first and
	// keep the old ones until the cookies they sealed have expired; then
	// retire them by leaving them out. Generate keys with NewKey.
	Keys [][]byte
	// CookieName is the cookie's base name (a token). The Manager prefixes
	// it as the cookie's attributes allow, so browsers enforce them:
	// "__Host-" when Secure with Path "/" and no Domain (the cookie belongs
	// to this host alone), else "__Secure-" when Secure. Default
	// DefaultCookieName.
	CookieName string
	// Path is the cookie's Path. Default "/".
	Path string
	// Domain, if set, shares the cookie with the domain's subdomains.
	// Leave it empty to keep the cookie to the host that set it.
	Domain string
	// Insecure drops the Secure attribute, so the cookie also travels over
	// plain HTTP: for development on http://localhost only.
	Insecure bool
	// SameSite is the SameSite attribute. Default SameSiteLax.
	SameSite SameSite
	// MaxAge is how long an identity lasts from log in: it is sealed into
	// the cookie (a cookie replayed after it is refused, whatever the
	// browser does) and sent as Max-Age. Default DefaultMaxAge.
	MaxAge time.Duration
	// LoginURL, if set, is where Require redirects browsers without an
	// identity (303, with the original target in the "next" query
	// parameter). Without it, Require answers 401.
	LoginURL string
	// Now returns the current time. Default time.Now; tests set a clock.
	Now func() time.Time
}

// Validate reports the first field of c that makes no sense. It repairs
// nothing: a key of the wrong size or an attribute that cannot be sent is an
// error naming the field.
func (c *Config) Validate() error {
	if c == nil {
		return fmt.Errorf("identity: nil Config")
	}
	if len(c.Keys) == 0 {
		return fmt.Errorf("identity: Config.Keys is empty")
	}
	if err := checkKeys(c.Keys); err != nil {
		return err
	}
	if c.CookieName != "" && !isToken(c.CookieName) {
		return fmt.Errorf("identity: Config.CookieName %q is not a token", c.CookieName)
	}
	if lower := strings.ToLower(c.CookieName); strings.HasPrefix(lower, "__host-") || strings.HasPrefix(lower, "__secure-") {
		return fmt.Errorf("identity: Config.CookieName %q has a prefix; the Manager adds the one that applies", c.CookieName)
	}
	if c.Path != "" && (c.Path[0] != '/' || !isAttributeValue(c.Path)) {
		return fmt.Errorf("identity: Config.Path %q is not an absolute path without ';' or control bytes", c.Path)
	}
	if c.Domain != "" && !isDomain(c.Domain) {
		return fmt.Errorf("identity: Config.Domain %q is not a domain name", c.Domain)
	}
	switch c.SameSite {
	case SameSiteLax, SameSiteStrict:
	case SameSiteNone:
		if c.Insecure {
			return fmt.Errorf("identity: Config.SameSite None needs Secure: browsers refuse it with Insecure")
		}
	default:
		return fmt.Errorf("identity: Config.SameSite is unknown (%v)", c.SameSite)
	}
	if c.MaxAge < 0 {
		return fmt.Errorf("identity: Config.MaxAge is negative (%v)", c.MaxAge)
	}
	if c.MaxAge != 0 && c.MaxAge < time.Second {
		return fmt.Errorf("identity: Config.MaxAge %v is under the one second Max-Age can say", c.MaxAge)
	}
	if c.LoginURL != "" && (!isAttributeValue(c.LoginURL) || strings.ContainsAny(c.LoginURL, " #")) {
		return fmt.Errorf("identity: Config.LoginURL %q cannot be sent in Location", c.LoginURL)
	}
	return nil
}

func checkKeys(keys [][]byte) error {
	for i, k := range keys {
		if len(k) != KeySize {
			return fmt.Errorf("identity: Config.Keys[%d] has %d bytes, want %d", i, len(k), KeySize)
		}
		for j := range i {
			if string(keys[j]) == string(k) {
				return fmt.Errorf("identity: Config.Keys[%d] repeats Keys[%d]", i, j)
			}
		}
	}
	return nil
}

// isToken reports whether s is an RFC 9110 token, as a cookie name must be
// (RFC 6265 section 4.1.1).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0 {
			continue
		}
		return false
	}
	return true
}

// isAttributeValue reports whether s may be a cookie attribute value:
// RFC 6265's "any CHAR except CTLs or ';'".
func isAttributeValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == ';' {
			return false
		}
	}
	return true
}

// isDomain reports whether s is a host name (RFC 1034 labels, an optional
// leading dot, which browsers ignore).
func isDomain(s string) bool {
	s = strings.TrimPrefix(s, ".")
	if s == "" || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}
