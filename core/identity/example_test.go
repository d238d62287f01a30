package identity_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/identity"
	"github.com/tophat-go/tophat/transports/pipe"
)

func Example() {
	m, err := identity.New(identity.Config{
		Keys:     [][]byte{identity.NewKey()}, // in production: loaded from secret storage
		LoginURL: "/login",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	login := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		// ... check the password first.
		if _, err := m.LogIn(w, "alice"); err != nil {
			return w.SendString(500, err.Error())
		}
		return w.SendStatus(204)
	})
	account := m.Require(core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		id, _ := identity.FromContext(req.Context())
		return w.SendString(200, "hello, "+id.ID)
	}))
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		if req.Path() == "/login" {
			return login.Serve(req, w)
		}
		return account.Serve(req, w)
	})

	l, _ := pipe.Listen("", nil)
	srv := &core.Server{Handler: h}
	done := make(chan struct{})
	go func() { srv.Serve(l); close(done) }()
	client := l.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	defer func() { client.CloseIdleConnections(); srv.Shutdown(context.Background()); <-done }()

	get := func(path, cookie string) *http.Response {
		req, _ := http.NewRequest("GET", "http://app"+path, nil)
		req.Header.Set("Accept", "text/html")
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		resp, err := client.Do(req)
		if err != nil {
			panic(err)
		}
		return resp
	}

	resp := get("/account", "")
	resp.Body.Close()
	fmt.Println(resp.StatusCode, resp.Header.Get("Location"))

	resp = get("/login", "")
	resp.Body.Close()
	setCookie := resp.Header.Get("Set-Cookie")
	fmt.Println(setCookie[strings.Index(setCookie, ";")+2:])

	resp = get("/account", setCookie[:strings.Index(setCookie, ";")])
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, string(body))
	// Output:
	// 303 /login?next=%2Faccount
	// Path=/; Max-Age=604800; Secure; HttpOnly; SameSite=Lax
	// 200 hello, alice
}

func ExampleManager_SetKeys() {
	oldKey, newKey := identity.NewKey(), identity.NewKey()
	m, _ := identity.New(identity.Config{Keys: [][]byte{oldKey}})
	sealed, _ := m.Seal(identity.Identity{ID: "bob", ExpiresAt: time.Now().Add(time.Hour)})

	// Rotate: the new key seals from now on, the old one still opens.
	m.SetKeys(newKey, oldKey)
	id, err := m.Open(sealed)
	fmt.Println(id.ID, err)

	// Retire the old key once its cookies have expired.
	m.SetKeys(newKey)
	_, err = m.Open(sealed)
	fmt.Println(err)
	// Output:
	// bob <nil>
	// identity: cookie is not authentic or its key is retired
}
