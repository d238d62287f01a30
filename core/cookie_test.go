package core_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/tophat-go/tophat/core"
)

func TestSetCookie(t *testing.T) {
	expires := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	valid := []struct {
		cookie core.Cookie
		want   string
	}{
		{core.Cookie{Name: "a", Value: "b"}, "a=b"},
		{core.Cookie{Name: "id", Value: `"quoted"`, Path: "/app", Domain: ".example.com", Expires: expires, MaxAge: 60,
			Secure: true, HttpOnly: true, SameSite: core.SameSiteStrict, Partitioned: true},
			"id=\"quoted\"; Path=/app; Domain=example.com; Expires=Wed, 02 Jan 2030 03:04:05 GMT; Max-Age=60; Secure; HttpOnly; SameSite=Strict; Partitioned"},
		{core.Cookie{Name: "__Host-s", Value: "v", Path: "/", Secure: true, SameSite: core.SameSiteNone}, "__Host-s=v; Path=/; Secure; SameSite=None"},
		{core.Cookie{Name: "gone", MaxAge: -1}, "gone=; Max-Age=0"},
		{core.Cookie{Name: "lax", Value: "1", SameSite: core.SameSiteLax}, "lax=1; SameSite=Lax"},
	}
	for _, tt := range valid {
		got, err := tt.cookie.String()
		if err != nil || got != tt.want {
			t.Errorf("%+v: %q, %v; want %q", tt.cookie, got, err, tt.want)
		}
	}
	invalid := []core.Cookie{
		{Name: "", Value: "x"},
		{Name: "a b", Value: "x"},
		{Name: "a", Value: "x;y"},
		{Name: "a", Value: "x y"},
		{Name: "a", Value: "caf\xc3\xa9"},
		{Name: "a", Value: "x", Path: "/p;q"},
		{Name: "a", Value: "x", Path: "/p\r\n"},
		{Name: "a", Value: "x", Domain: "ex ample.com"},
		{Name: "a", Value: "x", Domain: "."},
		{Name: "a", Value: "x", SameSite: core.SameSiteNone},
		{Name: "a", Value: "x", Partitioned: true},
		{Name: "__Secure-a", Value: "x"},
		{Name: "__Host-a", Value: "x", Secure: true, Path: "/app"},
		{Name: "__Host-a", Value: "x", Secure: true, Path: "/", Domain: "example.com"},
	}
	for _, c := range invalid {
		if _, err := c.String(); !errors.Is(err, core.ErrInvalidCookie) {
			t.Errorf("%+v accepted (%v)", c, err)
		}
	}
}

// TestSetCookieReachesClients: Go's client reads the cookies a handler
// sets, attributes included, and a refused cookie adds no field.
func TestSetCookieReachesClients(t *testing.T) {
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		w.SetCookie(core.Cookie{Name: "session", Value: "abc", Path: "/", HttpOnly: true, SameSite: core.SameSiteLax, MaxAge: 3600})
		w.SetCookie(core.Cookie{Name: "theme", Value: "dark"})
		if err := w.SetCookie(core.Cookie{Name: "bad", Value: "a;b"}); err == nil {
			return w.SendString(500, "invalid cookie accepted")
		}
		w.DeleteCookie(core.Cookie{Name: "old", Path: "/"})
		if err := w.DeleteCookie(core.Cookie{Name: "__Host-s", Path: "/", Secure: true}); err != nil {
			return w.SendString(500, err.Error())
		}
		return w.SendStatus(204)
	})
	l := startServer(t, &core.Server{Handler: h})
	resp, err := l.Client().Get("http://app/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cookies := map[string]*http.Cookie{}
	for _, c := range resp.Cookies() {
		cookies[c.Name] = c
	}
	if len(cookies) != 4 {
		t.Fatalf("cookies %v", resp.Header.Values("Set-Cookie"))
	}
	if s := cookies["session"]; s.Value != "abc" || !s.HttpOnly || s.SameSite != http.SameSiteLaxMode || s.MaxAge != 3600 || s.Path != "/" {
		t.Errorf("session %+v", s)
	}
	if o := cookies["old"]; o.MaxAge >= 0 {
		t.Errorf("old %+v is not deleted", o)
	}
}

// BenchmarkCookieString formats the same cookie with tophat and net/http.
func BenchmarkCookieString(b *testing.B) {
	expires := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	b.Run("tophat", func(b *testing.B) {
		c := core.Cookie{Name: "session", Value: "abc123", Path: "/", Expires: expires, MaxAge: 3600,
			Secure: true, HttpOnly: true, SameSite: core.SameSiteLax}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.String(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("nethttp", func(b *testing.B) {
		c := http.Cookie{Name: "session", Value: "abc123", Path: "/", Expires: expires, MaxAge: 3600,
			Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode}
		b.ReportAllocs()
		for b.Loop() {
			if c.String() == "" {
				b.Fatal("empty")
			}
		}
	})
}
