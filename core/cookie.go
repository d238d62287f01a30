package core

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// A Cookie is a cookie for the client to store, sent with
// ResponseWriter.SetCookie as a Set-Cookie field (RFC 6265 and the cookie
// attributes browsers implement since: SameSite, Partitioned, the
// __Secure- and __Host- name prefixes).
type Cookie struct {
	Name  string
	Value string

	Path    string    // "" leaves it to the client (the request path's directory)
	Domain  string    // "" means this host only
	Expires time.Time // zero: not sent
	// MaxAge is the lifetime in seconds: 0 sends no Max-Age, a negative
	// value sends Max-Age=0, which deletes the cookie.
	MaxAge      int
	Secure      bool
	HttpOnly    bool
	SameSite    SameSite
	Partitioned bool // CHIPS: kept per top-level site; requires Secure
}

// SameSite is the SameSite attribute of a Cookie.
type SameSite uint8

// The SameSite values. SameSiteDefault sends no attribute, which browsers
// treat as Lax.
const (
	SameSiteDefault SameSite = iota
	SameSiteLax
	SameSiteStrict
	SameSiteNone // requires Secure
)

// ErrInvalidCookie is matched (errors.Is) by every error of SetCookie; the
// error says what was wrong.
var ErrInvalidCookie = errors.New("tophat: invalid cookie")

type cookieError struct{ reason string }

func (e *cookieError) Error() string { return "tophat: invalid cookie: " + e.reason }
func (e *cookieError) Is(target error) bool {
	return target == ErrInvalidCookie
}

// SetCookie adds a Set-Cookie field for c, before a terminal method. It
// refuses, with an error matching ErrInvalidCookie and adding nothing, a
// cookie a client would reject or misread: a name that is no token, a
// value outside RFC 6265's cookie-octets, an attribute with ';' or a
// control byte, SameSite=None or Partitioned without Secure, a __Secure-
// name without Secure, or a __Host- name without Secure, with a Domain or
// with a Path other than "/".
func (w *ResponseWriter) SetCookie(c Cookie) error {
	v, err := c.String()
	if err != nil {
		return err
	}
	w.header.Add("Set-Cookie", v)
	return nil
}

// DeleteCookie asks the client to delete the cookie c names. A client
// deletes only the cookie set with the same name, Path and Domain, and
// takes the order only under the same rules as the cookie (Secure for a
// __Secure- or __Host- name, Partitioned for a partitioned one), so c
// should carry the attributes the cookie was set with; its value and
// lifetime are replaced.
func (w *ResponseWriter) DeleteCookie(c Cookie) error {
	c.Value, c.MaxAge, c.Expires = "", -1, time.Unix(0, 0)
	return w.SetCookie(c)
}

// String returns the Set-Cookie field value for c, or the error SetCookie
// would return.
func (c *Cookie) String() (string, error) {
	if !validFieldName(c.Name) {
		return "", &cookieError{"name " + strconv.Quote(c.Name) + " is not a token"}
	}
	if !validCookieValue(c.Value) {
		return "", &cookieError{"value of " + c.Name + " has a byte outside cookie-octets (quote or encode it)"}
	}
	if !validCookieAttr(c.Path) {
		return "", &cookieError{"Path of " + c.Name + " has ';' or a control byte"}
	}
	if !validCookieDomain(c.Domain) {
		return "", &cookieError{"Domain " + strconv.Quote(c.Domain) + " of " + c.Name + " is not a host name"}
	}
	switch {
	case c.SameSite == SameSiteNone && !c.Secure:
		return "", &cookieError{c.Name + ": SameSite=None requires Secure"}
	case c.Partitioned && !c.Secure:
		return "", &cookieError{c.Name + ": Partitioned requires Secure"}
	case strings.HasPrefix(c.Name, "__Secure-") && !c.Secure:
		return "", &cookieError{c.Name + ": the __Secure- prefix requires Secure"}
	case strings.HasPrefix(c.Name, "__Host-") && (!c.Secure || c.Domain != "" || c.Path != "/"):
		return "", &cookieError{c.Name + ": the __Host- prefix requires Secure, Path=/ and no Domain"}
	case c.SameSite > SameSiteNone:
		return "", &cookieError{c.Name + ": unknown SameSite value"}
	}
	var stack [256]byte // most cookies fit: the one allocation is the string
	b := append(stack[:0], c.Name...)
	b = append(b, '=')
	b = append(b, c.Value...)
	if c.Path != "" {
		b = append(b, "; Path="...)
		b = append(b, c.Path...)
	}
	if c.Domain != "" {
		b = append(b, "; Domain="...)
		b = append(b, strings.TrimPrefix(c.Domain, ".")...)
	}
	if !c.Expires.IsZero() {
		b = append(b, "; Expires="...)
		b = c.Expires.UTC().AppendFormat(b, imfFixdate)
	}
	switch {
	case c.MaxAge > 0:
		b = append(b, "; Max-Age="...)
		b = strconv.AppendInt(b, int64(c.MaxAge), 10)
	case c.MaxAge < 0:
		b = append(b, "; Max-Age=0"...)
	}
	if c.Secure {
		b = append(b, "; Secure"...)
	}
	if c.HttpOnly {
		b = append(b, "; HttpOnly"...)
	}
	switch c.SameSite {
	case SameSiteLax:
		b = append(b, "; SameSite=Lax"...)
	case SameSiteStrict:
		b = append(b, "; SameSite=Strict"...)
	case SameSiteNone:
		b = append(b, "; SameSite=None"...)
	}
	if c.Partitioned {
		b = append(b, "; Partitioned"...)
	}
	return string(b), nil
}

// validCookieValue accepts *cookie-octet or one wrapped in double quotes
// (RFC 6265 section 4.1.1).
func validCookieValue(v string) bool {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x21 || c > 0x7e || c == '"' || c == ',' || c == ';' || c == '\\' {
			return false
		}
	}
	return true
}

func validCookieAttr(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c == 0x7f || c == ';' {
			return false
		}
	}
	return true
}

func validCookieDomain(d string) bool {
	if d == "" {
		return true
	}
	d = strings.TrimPrefix(d, ".")
	return len(d) <= 253 && validHost([]byte(d), false) && !strings.Contains(d, ":")
}
