package identity

import (
	"context"
	"crypto/cipher"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tophat-go/tophat/core"
)

// A Manager seals identities into cookies and reads them back. Its methods
// are safe for concurrent use.
type Manager struct {
	cfg  Config
	name string // the cookie name, with its prefix
	ad   []byte // additional data of every sealed value
	// cookie is the cookie LogIn and LogOut set, without its value: one
	// set of attributes, so that log out replaces what log in set.
	cookie core.Cookie
	aeads  atomic.Pointer[[]cipher.AEAD]
}

// New returns a Manager for cfg, or the error of cfg.Validate.
func New(cfg Config) (*Manager, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.CookieName == "" {
		cfg.CookieName = DefaultCookieName
	}
	if cfg.Path == "" {
		cfg.Path = "/"
	}
	if cfg.MaxAge == 0 {
		cfg.MaxAge = DefaultMaxAge
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	m := &Manager{cfg: cfg}
	switch {
	case !cfg.Insecure && cfg.Path == "/" && cfg.Domain == "":
		m.name = "__Host-" + cfg.CookieName
	case !cfg.Insecure:
		m.name = "__Secure-" + cfg.CookieName
	default:
		m.name = cfg.CookieName
	}
	m.ad = []byte("tophat identity\x00" + m.name)
	m.cookie = core.Cookie{
		Name:   m.name,
		Path:   cfg.Path,
		Domain: strings.TrimPrefix(cfg.Domain, "."),
		MaxAge: int(cfg.MaxAge / time.Second),
		Secure: !cfg.Insecure,
		// Scripts never need the sealed value, and keeping it from them
		// keeps it from injected ones.
		HttpOnly: true,
		SameSite: [...]core.SameSite{SameSiteLax: core.SameSiteLax, SameSiteStrict: core.SameSiteStrict, SameSiteNone: core.SameSiteNone}[cfg.SameSite],
	}
	// The core holds cookies to RFC 6265 and the prefixes' rules; asking it
	// now means LogIn cannot fail on them later.
	if _, err := m.cookie.String(); err != nil {
		return nil, fmt.Errorf("identity: %w", err)
	}
	if err := m.SetKeys(cfg.Keys...); err != nil {
		return nil, err
	}
	return m, nil
}

// SetKeys replaces the keys while the Manager serves, newest first, as
// Config.Keys: the way to rotate without a restart. A cookie sealed with a
// key left out no longer opens.
func (m *Manager) SetKeys(keys ...[]byte) error {
	aeads, err := newAEADs(keys)
	if err != nil {
		return err
	}
	m.aeads.Store(&aeads)
	return nil
}

// CookieName returns the name of the cookie, with its prefix.
func (m *Manager) CookieName() string { return m.name }

// Seal seals id with the newest key, as LogIn does, for a cookie of this
// Manager's name.
func (m *Manager) Seal(id Identity) (string, error) {
	return seal((*m.aeads.Load())[0], m.ad, id)
}

// Open opens a value that Seal made. It fails with ErrInvalid for a value
// no current key authenticates and ErrExpired for one past its expiry.
func (m *Manager) Open(value string) (Identity, error) {
	return open(*m.aeads.Load(), m.ad, value, m.cfg.Now())
}

// LogIn seals an identity for id, valid for Config.MaxAge from now, and sets
// its cookie on the response. Call it before the terminal method.
func (m *Manager) LogIn(w *core.ResponseWriter, id string) (Identity, error) {
	now := m.cfg.Now()
	ident := Identity{ID: id, IssuedAt: now.Truncate(time.Second), ExpiresAt: now.Add(m.cfg.MaxAge).Truncate(time.Second)}
	value, err := m.Seal(ident)
	if err != nil {
		return Identity{}, err
	}
	c := m.cookie
	c.Value = value
	if err := w.SetCookie(c); err != nil {
		return Identity{}, fmt.Errorf("identity: %w", err)
	}
	return ident, nil
}

// LogOut expires the cookie on the response. It carries the same Path,
// Domain and prefix as the cookie it replaces, or the browser would keep
// that one.
func (m *Manager) LogOut(w *core.ResponseWriter) {
	c := m.cookie
	c.MaxAge = -1 // Max-Age=0: delete now
	// c was checked by New; only a response already sent can refuse it.
	w.SetCookie(c)
}

// Load reads the identity from the request's cookies. Every pair of every
// Cookie field is considered: a browser sends several cookies of one name
// when they differ in Path or Domain (a stale one from an old
// configuration, one planted by a sibling subdomain), and the first that
// opens wins. It returns ErrNoIdentity when no cookie has the name, else
// ErrExpired or ErrInvalid when none opens.
func (m *Manager) Load(req *core.Request) (Identity, error) {
	err := ErrNoIdentity
	for name, value := range req.Cookies() {
		if string(name) != m.name {
			continue
		}
		id, e := m.Open(string(value))
		if e == nil {
			return id, nil
		}
		if err != ErrExpired {
			err = e // expired says more than invalid
		}
	}
	return Identity{}, err
}

type contextKey struct{}

// Middleware loads the request's identity, if it has one, into its context
// for FromContext and Require. A request without one (or with a cookie that
// does not open) goes on as anonymous; the middleware never answers.
func (m *Manager) Middleware(next core.Handler) core.Handler {
	return core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		if id, err := m.Load(req); err == nil {
			req.SetContext(context.WithValue(req.Context(), contextKey{}, id))
		}
		return next.Serve(req, w)
	})
}

// FromContext returns the identity Middleware loaded, and whether there is
// one.
func FromContext(ctx context.Context) (Identity, bool) {
	id, ok := ctx.Value(contextKey{}).(Identity)
	return id, ok
}

// Require lets only requests with an identity through (loading it as
// Middleware does, if no Middleware ran before it). Others are answered:
// a browser asking for HTML is redirected (303) to Config.LoginURL with the
// target it asked for in "next", so the login page can send it back; any
// other client, or any client without a LoginURL, gets 401.
func (m *Manager) Require(next core.Handler) core.Handler {
	return core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		if _, ok := FromContext(req.Context()); !ok {
			id, err := m.Load(req)
			if err != nil {
				return m.refuse(req, w)
			}
			req.SetContext(context.WithValue(req.Context(), contextKey{}, id))
		}
		return next.Serve(req, w)
	})
}

// refuse answers a request that Require turns away.
func (m *Manager) refuse(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
	if m.cfg.LoginURL != "" && acceptsHTML(req) {
		w.Header().Set("Location", m.loginURL(req))
		return w.SendStatus(303)
	}
	// RFC 9110 requires a challenge with 401; a cookie has no standard
	// scheme, so the challenge names it.
	w.Header().Set("WWW-Authenticate", `Cookie realm="`+m.name+`"`)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	return w.SendString(401, "authentication required\n")
}

// loginURL is LoginURL with the request's own target in "next". Only the
// path and query are passed, never a scheme or host, so the login page
// cannot be turned into an open redirect by this parameter.
func (m *Manager) loginURL(req *core.Request) string {
	target := req.Target()
	if req.TargetForm() != core.OriginForm {
		target = (&url.URL{Path: req.Path(), RawQuery: req.RawQuery()}).RequestURI()
	}
	sep := "?"
	if strings.Contains(m.cfg.LoginURL, "?") {
		sep = "&"
	}
	return m.cfg.LoginURL + sep + "next=" + url.QueryEscape(target)
}

// acceptsHTML reports whether an Accept field lists text/html (or text/*)
// with a non-zero q, as browsers do for navigations; "*/*" alone does not
// count, since API clients send it.
func acceptsHTML(req *core.Request) bool {
	for name, value := range req.Header().All() {
		if !strings.EqualFold(string(name), "Accept") {
			continue
		}
		for r := range strings.SplitSeq(string(value), ",") {
			mediaType, params, _ := strings.Cut(r, ";")
			mediaType = strings.ToLower(strings.TrimSpace(mediaType))
			if mediaType != "text/html" && mediaType != "text/*" {
				continue
			}
			if !zeroQ(params) {
				return true
			}
		}
	}
	return false
}

// zeroQ reports whether media-range parameters carry q=0 (RFC 9110 section
// 12.4.2: "not acceptable").
func zeroQ(params string) bool {
	for p := range strings.SplitSeq(params, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(k, "q") {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return err == nil && f == 0
		}
	}
	return false
}
