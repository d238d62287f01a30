package identity_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/identity"
	"github.com/tophat-go/tophat/transports/pipe"
)

// app serves /login, /logout, /me (anyone) and /private (Require) for m on
// a core.Server over the pipe transport, and returns Go's client for it.
func app(t testing.TB, m *identity.Manager) *http.Client {
	t.Helper()
	routes := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		switch req.Path() {
		case "/login":
			if _, err := m.LogIn(w, req.Query().Get("user")); err != nil {
				return w.SendString(500, err.Error())
			}
			return w.SendStatus(204)
		case "/logout":
			m.LogOut(w)
			return w.SendStatus(204)
		}
		id, ok := identity.FromContext(req.Context())
		if !ok {
			return w.SendString(200, "anonymous")
		}
		return w.SendString(200, id.ID)
	})
	private := m.Require(routes)
	h := m.Middleware(core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		if strings.HasPrefix(req.Path(), "/private") {
			return private.Serve(req, w)
		}
		return routes.Serve(req, w)
	}))
	l, err := pipe.Listen("", nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := &core.Server{Handler: h}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	client := l.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	t.Cleanup(func() {
		client.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		<-served
	})
	return client
}

// do sends a GET with the header pairs given (a name may repeat) and
// returns the response and its body.
func do(t testing.TB, client *http.Client, target string, header ...string) (*http.Response, string, error) {
	req, err := http.NewRequest("GET", "http://app.example"+target, nil)
	if err != nil {
		return nil, "", err
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, string(body), err
}

func mustDo(t *testing.T, client *http.Client, target string, header ...string) (*http.Response, string) {
	t.Helper()
	resp, body, err := do(t, client, target, header...)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// logIn logs user in and returns the parsed Set-Cookie.
func logIn(t *testing.T, client *http.Client, user string) *http.Cookie {
	t.Helper()
	resp, _ := mustDo(t, client, "/login?user="+user)
	sc := resp.Header.Values("Set-Cookie")
	if resp.StatusCode != 204 || len(sc) != 1 {
		t.Fatalf("login: status %d, Set-Cookie %q", resp.StatusCode, sc)
	}
	c, err := http.ParseSetCookie(sc[0])
	if err != nil {
		t.Fatalf("Set-Cookie %q does not parse: %v", sc[0], err)
	}
	return c
}

func TestLogInAndOut(t *testing.T) {
	c := newClock()
	m := newManager(t, identity.Config{Keys: [][]byte{key(1)}, Now: c.Now, MaxAge: 2 * time.Hour, LoginURL: "/login?from=app"})
	client := app(t, m)

	ck := logIn(t, client, "alice")
	if ck.Name != "__Host-identity" || !ck.HttpOnly || !ck.Secure || ck.SameSite != http.SameSiteLaxMode ||
		ck.Path != "/" || ck.Domain != "" || ck.MaxAge != 7200 {
		t.Fatalf("cookie attributes: %+v", ck)
	}
	pair := ck.Name + "=" + ck.Value

	for _, tt := range []struct {
		name   string
		header []string
		want   string
	}{
		{"no cookie", nil, "anonymous"},
		{"alone", []string{"Cookie", pair}, "alice"},
		{"among many pairs", []string{"Cookie", "a=1; b=2; " + pair + "; c=3"}, "alice"},
		{"after an invalid one of the same name, same field",
			[]string{"Cookie", "__Host-identity=forged; " + pair}, "alice"},
		{"in a later Cookie field, after an invalid one",
			[]string{"Cookie", "a=1", "Cookie", "__Host-identity=" + ck.Value[:20] + "; x=y", "Cookie", pair}, "alice"},
		{"name without prefix is not ours", []string{"Cookie", "identity=" + ck.Value}, "anonymous"},
		{"name differs in case", []string{"Cookie", "__host-identity=" + ck.Value}, "anonymous"},
		{"quoted value", []string{"Cookie", ck.Name + `="` + ck.Value + `"`}, "alice"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, body := mustDo(t, client, "/me", tt.header...); body != tt.want {
				t.Fatalf("got %q, want %q", body, tt.want)
			}
		})
	}

	t.Run("require", func(t *testing.T) {
		resp, body := mustDo(t, client, "/private?a=b", "Cookie", pair)
		if resp.StatusCode != 200 || body != "alice" {
			t.Fatalf("with identity: %d %q", resp.StatusCode, body)
		}
		for _, tt := range []struct {
			accept   string
			status   int
			location string
		}{
			{"text/html,application/xhtml+xml,*/*;q=0.8", 303, "/login?from=app&next=%2Fprivate%3Fa%3Db"},
			{"TEXT/*", 303, "/login?from=app&next=%2Fprivate%3Fa%3Db"},
			{"application/json", 401, ""},
			{"*/*", 401, ""},
			{"text/html;q=0, application/json", 401, ""},
			{"", 401, ""},
		} {
			resp, _ := mustDo(t, client, "/private?a=b", "Accept", tt.accept, "Cookie", "__Host-identity=forged")
			if resp.StatusCode != tt.status || resp.Header.Get("Location") != tt.location {
				t.Errorf("Accept %q: %d Location %q, want %d %q", tt.accept, resp.StatusCode, resp.Header.Get("Location"), tt.status, tt.location)
			}
			if tt.status == 401 && resp.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("Accept %q: 401 without a challenge", tt.accept)
			}
		}
	})

	t.Run("log out", func(t *testing.T) {
		resp, _ := mustDo(t, client, "/logout", "Cookie", pair)
		out, err := http.ParseSetCookie(resp.Header.Get("Set-Cookie"))
		if err != nil {
			t.Fatal(err)
		}
		if out.Name != ck.Name || out.Value != "" || out.MaxAge >= 0 || out.Path != "/" || !out.Secure || !out.HttpOnly {
			t.Fatalf("logout cookie does not expire the identity: %+v", out)
		}
	})

	t.Run("expired", func(t *testing.T) {
		c.Advance(2 * time.Hour)
		if _, body := mustDo(t, client, "/me", "Cookie", pair); body != "anonymous" {
			t.Fatalf("expired identity accepted: %q", body)
		}
		if resp, _ := mustDo(t, client, "/private", "Cookie", pair); resp.StatusCode != 401 {
			t.Fatalf("expired identity let through: %d", resp.StatusCode)
		}
	})
}

// TestLoad reports why no identity was loaded.
func TestLoad(t *testing.T) {
	c := newClock()
	m := newManager(t, identity.Config{Keys: [][]byte{key(1)}, Now: c.Now, Insecure: true, CookieName: "id"})
	expired, _ := m.Seal(identity.Identity{ID: "x", ExpiresAt: c.Now()})
	got := make(chan error, 1)
	l, _ := pipe.Listen("", nil)
	srv := &core.Server{Handler: core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		_, err := m.Load(req)
		got <- err
		return w.SendStatus(204)
	})}
	go srv.Serve(l)
	client := l.Client()
	defer func() { client.CloseIdleConnections(); srv.Shutdown(context.Background()) }()
	for _, tt := range []struct {
		cookie string
		want   error
	}{
		{"", identity.ErrNoIdentity},
		{"other=1", identity.ErrNoIdentity},
		{"id=junk", identity.ErrInvalid},
		{"id=" + expired + "; id=junk", identity.ErrExpired},
		{"id=junk; id=" + expired, identity.ErrExpired},
	} {
		if _, _, err := do(t, client, "/", "Cookie", tt.cookie); err != nil {
			t.Fatal(err)
		}
		if err := <-got; !errors.Is(err, tt.want) {
			t.Errorf("Cookie %q: %v, want %v", tt.cookie, err, tt.want)
		}
	}
}

// FuzzCookieFields puts arbitrary Cookie fields, full of pairs named like
// the identity cookie, around a field with a valid one: whatever they hold,
// the identity is found (the original read only the first match).
func FuzzCookieFields(f *testing.F) {
	c := newClock()
	m := newManager(f, identity.Config{Keys: [][]byte{key(1)}, Now: c.Now})
	client := app(f, m)
	resp, _, err := do(f, client, "/login?user=dave")
	if err != nil {
		f.Fatal(err)
	}
	ck, err := http.ParseSetCookie(resp.Header.Get("Set-Cookie"))
	if err != nil {
		f.Fatal(err)
	}
	pair := ck.Name + "=" + ck.Value
	f.Add("", "")
	f.Add("__Host-identity=x", "__Host-identity=y")
	f.Add(`__Host-identity="unterminated`, "a=b;;;; ;=;")
	f.Add("a=1; __Host-identity="+ck.Value[:30], `"; __Host-identity=`)
	f.Add("=; ;", "\x01")
	f.Fuzz(func(t *testing.T, before, after string) {
		var header []string
		for _, v := range []string{before, pair, after} {
			if v != "" {
				header = append(header, "Cookie", v)
			}
		}
		resp, body, err := do(t, client, "/me", header...)
		if err != nil {
			if strings.Contains(err.Error(), "invalid header field value") {
				t.Skip("net/http refuses to send it")
			}
			t.Fatal(err)
		}
		if resp.StatusCode == 400 {
			t.Skip("the core refused the request")
		}
		if body != "dave" {
			t.Fatalf("Cookie fields %q, %q, %q: got %q", before, pair, after, body)
		}
	})
}
