package cors_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/cors"
	"github.com/tophat-go/tophat/transports/pipe"
)

// serve runs the middleware over a handler that marks its responses, on a
// core.Server over the pipe transport, and returns Go's client for it.
func serve(t *testing.T, cfg cors.Config) *http.Client {
	t.Helper()
	mw, err := cors.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		w.Header().Set("X-Handler", "yes")
		w.Header().Add("Vary", "Accept-Encoding")
		return w.SendString(200, "ok")
	})
	l, err := pipe.Listen("", nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := &core.Server{Handler: core.Chain(h, mw)}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	client := l.Client()
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

var corsFields = []string{
	"Access-Control-Allow-Origin",
	"Access-Control-Allow-Credentials",
	"Access-Control-Allow-Methods",
	"Access-Control-Allow-Headers",
	"Access-Control-Expose-Headers",
	"Access-Control-Max-Age",
	"Access-Control-Allow-Private-Network",
}

type exchange struct {
	name    string
	method  string
	header  []string // name, value pairs; a name may repeat
	status  int
	handler bool              // the request reached the handler
	fields  map[string]string // the CORS fields expected; the others must be absent
	vary    string            // every Vary field, joined
}

const preflightVary = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"

func run(t *testing.T, client *http.Client, tests []exchange) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, "http://api.example/x", nil)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i+1 < len(tt.header); i += 2 {
				req.Header.Add(tt.header[i], tt.header[i+1])
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if got := resp.Header.Get("X-Handler") == "yes"; got != tt.handler {
				t.Errorf("reached handler: %v, want %v", got, tt.handler)
			}
			for _, name := range corsFields {
				got, want := resp.Header.Values(name), tt.fields[name]
				switch {
				case want == "" && len(got) != 0:
					t.Errorf("%s: %q, want none", name, got)
				case want != "" && (len(got) != 1 || got[0] != want):
					t.Errorf("%s: %q, want %q", name, got, want)
				}
			}
			if got := strings.Join(resp.Header.Values("Vary"), ", "); got != tt.vary {
				t.Errorf("Vary: %q, want %q", got, tt.vary)
			}
		})
	}
}

// TestListedOriginsWithCredentials follows the Fetch standard's CORS check
// (an echoed origin and Allow-Credentials: true for a credentialed request)
// and its CORS-preflight fetch (method and header checks, safelisted
// methods, Max-Age, Private Network Access).
func TestListedOriginsWithCredentials(t *testing.T) {
	client := serve(t, cors.Config{
		AllowOrigins:        []string{"https://app.example", "http://localhost:3000"},
		AllowMethods:        []string{"PUT", "PATCH"},
		AllowHeaders:        []string{"X-Token", "Content-Type"},
		ExposeHeaders:       []string{"X-Total", "X-Page"},
		AllowCredentials:    true,
		MaxAge:              10 * time.Minute,
		AllowPrivateNetwork: true,
	})
	const pfVary = preflightVary + ", Access-Control-Request-Private-Network"
	allowed := map[string]string{
		"Access-Control-Allow-Origin":      "https://app.example",
		"Access-Control-Allow-Credentials": "true",
		"Access-Control-Expose-Headers":    "X-Total, X-Page",
	}
	preflightOK := func(extra ...string) map[string]string {
		m := map[string]string{
			"Access-Control-Allow-Origin":      "https://app.example",
			"Access-Control-Allow-Credentials": "true",
			"Access-Control-Allow-Methods":     "PUT, PATCH",
			"Access-Control-Max-Age":           "600",
		}
		for i := 0; i+1 < len(extra); i += 2 {
			m[extra[i]] = extra[i+1]
		}
		return m
	}
	run(t, client, []exchange{
		{name: "actual, allowed origin", method: "GET", header: []string{"Origin", "https://app.example"},
			status: 200, handler: true, fields: allowed, vary: "Origin, Accept-Encoding"},
		{name: "actual, second listed origin", method: "DELETE", header: []string{"Origin", "http://localhost:3000"},
			status: 200, handler: true, fields: map[string]string{
				"Access-Control-Allow-Origin":      "http://localhost:3000",
				"Access-Control-Allow-Credentials": "true",
				"Access-Control-Expose-Headers":    "X-Total, X-Page",
			}, vary: "Origin, Accept-Encoding"},
		{name: "actual, other origin still served, no CORS", method: "GET", header: []string{"Origin", "https://evil.example"},
			status: 200, handler: true, vary: "Origin, Accept-Encoding"},
		{name: "actual, origin differs in case", method: "GET", header: []string{"Origin", "https://APP.example"},
			status: 200, handler: true, vary: "Origin, Accept-Encoding"},
		{name: "actual, origin with path", method: "GET", header: []string{"Origin", "https://app.example/"},
			status: 200, handler: true, vary: "Origin, Accept-Encoding"},
		{name: "actual, null origin not listed", method: "POST", header: []string{"Origin", "null"},
			status: 200, handler: true, vary: "Origin, Accept-Encoding"},
		{name: "actual, two Origin fields", method: "GET", header: []string{"Origin", "https://app.example", "Origin", "https://app.example"},
			status: 200, handler: true, vary: "Origin, Accept-Encoding"},
		{name: "actual, no Origin still varies", method: "GET",
			status: 200, handler: true, vary: "Origin, Accept-Encoding"},
		{name: "preflight, allowed", method: "OPTIONS", header: []string{
			"Origin", "https://app.example", "Access-Control-Request-Method", "PUT",
			"Access-Control-Request-Headers", "x-token,content-type"},
			status: 204, fields: preflightOK("Access-Control-Allow-Headers", "x-token, content-type"), vary: pfVary},
		{name: "preflight, header lists trimmed, split over fields, any case", method: "OPTIONS", header: []string{
			"Origin", "https://app.example", "Access-Control-Request-Method", "PATCH",
			"Access-Control-Request-Headers", " X-TOKEN ,, ",
			"Access-Control-Request-Headers", "Content-Type\t"},
			status: 204, fields: preflightOK("Access-Control-Allow-Headers", "x-token, content-type"), vary: pfVary},
		{name: "preflight, safelisted method needs no listing", method: "OPTIONS", header: []string{
			"Origin", "https://app.example", "Access-Control-Request-Method", "POST"},
			status: 204, fields: preflightOK(), vary: pfVary},
		{name: "preflight, method is case sensitive", method: "OPTIONS", header: []string{
			"Origin", "https://app.example", "Access-Control-Request-Method", "patch"},
			status: 403, vary: pfVary},
		{name: "preflight, method not allowed", method: "OPTIONS", header: []string{
			"Origin", "https://app.example", "Access-Control-Request-Method", "DELETE"},
			status: 403, vary: pfVary},
		{name: "preflight, method not a token", method: "OPTIONS", header: []string{
			"Origin", "https://app.example", "Access-Control-Request-Method", "GET POST"},
			status: 403, vary: pfVary},
		{name: "preflight, one header not allowed", method: "OPTIONS", header: []string{
			"Origin", "https://app.example", "Access-Control-Request-Method", "PUT",
			"Access-Control-Request-Headers", "x-token, x-other"},
			status: 403, vary: pfVary},
		{name: "preflight, other origin", method: "OPTIONS", header: []string{
			"Origin", "https://evil.example", "Access-Control-Request-Method", "GET"},
			status: 403, vary: pfVary},
		{name: "preflight, private network", method: "OPTIONS", header: []string{
			"Origin", "https://app.example", "Access-Control-Request-Method", "GET",
			"Access-Control-Request-Private-Network", "true"},
			status: 204, fields: preflightOK("Access-Control-Allow-Private-Network", "true"), vary: pfVary},
		{name: "OPTIONS without request method is an actual request", method: "OPTIONS", header: []string{
			"Origin", "https://app.example"},
			status: 200, handler: true, fields: allowed, vary: "Origin, Accept-Encoding"},
		{name: "OPTIONS without Origin is no preflight", method: "OPTIONS", header: []string{
			"Access-Control-Request-Method", "PUT"},
			status: 200, handler: true, vary: "Origin, Accept-Encoding"},
	})
}

// TestAnyOrigin checks the wildcard answers: "*" for every request, so
// nothing varies by Origin, and echoed methods and fields, since the Fetch
// standard's "*" never covers Authorization.
func TestAnyOrigin(t *testing.T) {
	client := serve(t, cors.Config{
		AllowOrigins:  []string{"*"},
		AllowMethods:  []string{"*"},
		AllowHeaders:  []string{"*"},
		ExposeHeaders: []string{"*"},
	})
	const pfVary = "Access-Control-Request-Method, Access-Control-Request-Headers"
	star := map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "*"}
	run(t, client, []exchange{
		{name: "actual with Origin", method: "GET", header: []string{"Origin", "https://any.example"},
			status: 200, handler: true, fields: star, vary: "Accept-Encoding"},
		{name: "actual without Origin", method: "GET",
			status: 200, handler: true, fields: star, vary: "Accept-Encoding"},
		{name: "actual from null", method: "GET", header: []string{"Origin", "null"},
			status: 200, handler: true, fields: star, vary: "Accept-Encoding"},
		{name: "preflight echoes method and fields", method: "OPTIONS", header: []string{
			"Origin", "https://any.example", "Access-Control-Request-Method", "PURGE",
			"Access-Control-Request-Headers", "authorization, x-anything"},
			status: 204, fields: map[string]string{
				"Access-Control-Allow-Origin":  "*",
				"Access-Control-Allow-Methods": "PURGE",
				"Access-Control-Allow-Headers": "authorization, x-anything",
			}, vary: pfVary},
		{name: "preflight asking for private network, not enabled", method: "OPTIONS", header: []string{
			"Origin", "https://any.example", "Access-Control-Request-Method", "GET",
			"Access-Control-Request-Private-Network", "true"},
			status: 204, fields: map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET"},
			vary: pfVary},
		{name: "preflight with a field that is no token", method: "OPTIONS", header: []string{
			"Origin", "https://any.example", "Access-Control-Request-Method", "GET",
			"Access-Control-Request-Headers", "x-a, x(b)"},
			status: 403, vary: pfVary},
	})
}

// TestOriginFunc checks the predicate, and that it adds to the list.
func TestOriginFunc(t *testing.T) {
	var mu sync.Mutex // the predicate runs on the server's goroutines
	var seen []string
	client := serve(t, cors.Config{
		AllowOrigins: []string{"https://listed.example"},
		AllowOriginFunc: func(o string) bool {
			mu.Lock()
			defer mu.Unlock()
			seen = append(seen, o)
			return strings.HasPrefix(o, "https://") && strings.HasSuffix(o, ".example.com")
		},
		AllowCredentials: true,
	})
	echo := func(o string) map[string]string {
		return map[string]string{"Access-Control-Allow-Origin": o, "Access-Control-Allow-Credentials": "true"}
	}
	run(t, client, []exchange{
		{name: "predicate allows", method: "GET", header: []string{"Origin", "https://a.example.com"},
			status: 200, handler: true, fields: echo("https://a.example.com"), vary: "Origin, Accept-Encoding"},
		{name: "list allows", method: "GET", header: []string{"Origin", "https://listed.example"},
			status: 200, handler: true, fields: echo("https://listed.example"), vary: "Origin, Accept-Encoding"},
		{name: "predicate refuses", method: "GET", header: []string{"Origin", "http://a.example.com"},
			status: 200, handler: true, vary: "Origin, Accept-Encoding"},
		{name: "preflight by predicate", method: "OPTIONS", header: []string{
			"Origin", "https://b.example.com", "Access-Control-Request-Method", "GET"},
			status: 204, fields: echo("https://b.example.com"), vary: preflightVary},
	})
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(seen, " ") != "https://a.example.com http://a.example.com https://b.example.com" {
		t.Fatalf("predicate saw %q", seen)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  cors.Config
		bad  string // a word the error must contain; "" for a valid config
	}{
		{"zero", cors.Config{}, ""},
		{"list", cors.Config{AllowOrigins: []string{"https://a.example", "http://localhost:8080", "null"}}, ""},
		{"any", cors.Config{AllowOrigins: []string{"*"}, AllowHeaders: []string{"*"}, MaxAge: time.Hour}, ""},
		{"any with credentials", cors.Config{AllowOrigins: []string{"*"}, AllowCredentials: true}, "AllowCredentials"},
		{"star mixed", cors.Config{AllowOrigins: []string{"*", "https://a.example"}}, "AllowOrigins"},
		{"origin with path", cors.Config{AllowOrigins: []string{"https://a.example/"}}, "https://a.example/"},
		{"origin with query", cors.Config{AllowOrigins: []string{"https://a.example?"}}, "https://a.example?"},
		{"origin without scheme", cors.Config{AllowOrigins: []string{"a.example"}}, "a.example"},
		{"origin upper case", cors.Config{AllowOrigins: []string{"https://A.example"}}, "lower case"},
		{"origin with user", cors.Config{AllowOrigins: []string{"https://u@a.example"}}, "u@a.example"},
		{"method not a token", cors.Config{AllowMethods: []string{"GET "}}, "AllowMethods"},
		{"header not a token", cors.Config{AllowHeaders: []string{"X-A:"}}, "AllowHeaders"},
		{"header star mixed", cors.Config{AllowHeaders: []string{"*", "X-A"}}, "AllowHeaders"},
		{"expose empty", cors.Config{ExposeHeaders: []string{""}}, "ExposeHeaders"},
		{"expose star with credentials", cors.Config{ExposeHeaders: []string{"*"}, AllowCredentials: true}, "ExposeHeaders"},
		{"negative max age", cors.Config{MaxAge: -time.Second}, "MaxAge"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mw, err := cors.New(tt.cfg)
			if tt.bad == "" {
				if err != nil || mw == nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), "cors: ") || !strings.Contains(err.Error(), tt.bad) {
				t.Fatalf("err = %v, want a cors: error naming %q", err, tt.bad)
			}
		})
	}
	var nilCfg *cors.Config
	if nilCfg.Validate() == nil {
		t.Fatal("nil Config validated")
	}
}
