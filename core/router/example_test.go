package router_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/router"
	"github.com/tophat-go/tophat/transports/pipe"
)

// get fetches a URL from a Router served on an in-memory listener and
// prints what came back.
func get(h core.Handler, method string, paths ...string) {
	l, _ := pipe.Listen("", nil)
	srv := &core.Server{Handler: h}
	go srv.Serve(l)
	defer srv.Close()
	c := l.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	defer c.CloseIdleConnections()
	for _, p := range paths {
		req, _ := http.NewRequest(method, "http://app"+p, nil)
		resp, err := c.Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Printf("%s %s: %d", method, p, resp.StatusCode)
		if len(body) > 0 {
			fmt.Printf(" %s", strings.TrimSpace(string(body)))
		}
		if a := resp.Header.Get("Allow"); a != "" {
			fmt.Printf(" (Allow: %s)", a)
		}
		if l := resp.Header.Get("Location"); l != "" {
			fmt.Printf(" -> %s", l)
		}
		fmt.Println()
	}
}

func Example() {
	r := router.New()
	r.HandleFunc("GET /users/{id}", func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return w.SendString(200, "user "+req.PathValue("id")+" via "+req.Pattern())
	})
	r.HandleFunc("GET /users/new", func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return w.SendString(200, "the form for a new user")
	})
	r.HandleFunc("GET /files/{path...}", func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return w.SendString(200, "file "+req.PathValue("path"))
	})

	get(r, "GET", "/users/42", "/users/new", "/files/css/site.css", "/files", "/nowhere")
	get(r, "DELETE", "/users/42")
	// Output:
	// GET /users/42: 200 user 42 via GET /users/{id}
	// GET /users/new: 200 the form for a new user
	// GET /files/css/site.css: 200 file css/site.css
	// GET /files: 307 -> /files/
	// GET /nowhere: 404 404 page not found
	// DELETE /users/42: 405 Method Not Allowed (Allow: GET, HEAD, OPTIONS)
}

// A Group shares a prefix and middleware among routes; the middleware runs
// after routing, so it can label requests with their pattern.
func ExampleRouter_Group() {
	requireKey := func(next core.Handler) core.Handler {
		return core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
			if req.Header().Get("X-Key") != "secret" {
				return w.SendString(401, "no key for "+req.Pattern())
			}
			return next.Serve(req, w)
		})
	}
	r := router.New()
	api := r.Group("/api", requireKey)
	api.HandleFunc("GET /orders/{order}", func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return w.SendString(200, "order "+req.PathValue("order"))
	})

	get(r, "GET", "/api/orders/7")
	// Output:
	// GET /api/orders/7: 401 no key for GET /api/orders/{order}
}

// Register returns the error that Handle panics with: a conflict names both
// patterns and a path they both match.
func ExampleRouter_Register() {
	r := router.New()
	ok := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return w.SendStatus(204)
	})
	fmt.Println(r.Register("/posts/{id}", ok))
	fmt.Println(r.Register("/{kind}/latest", ok))
	fmt.Println(r.Register("/posts/{id", ok))
	// Output:
	// <nil>
	// router: patterns conflict: "/{kind}/latest" and "/posts/{id}": both match "/posts/latest" and neither is more specific
	// router: invalid pattern "/posts/{id": wildcard "{id" must end with }
}

// Every answer but a routed one comes from the Router; OPTIONS is answered
// with the methods the path has.
func ExampleRouter_Serve_options() {
	r := router.New()
	noop := func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten { return w.SendStatus(204) }
	r.HandleFunc("GET /items/{id}", noop)
	r.HandleFunc("PUT /items/{id}", noop)

	get(r, "OPTIONS", "/items/1")
	// Output:
	// OPTIONS /items/1: 204 (Allow: GET, HEAD, OPTIONS, PUT)
}
