package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/identity"
	"github.com/tophat-go/tophat/core/metrics"
	"github.com/tophat-go/tophat/transports/pipe"
	"go.uber.org/goleak"

	"github.com/tophat-go/tophat/internal/testtool"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testArgon2 keeps hashing cheap in tests; the format and the check are
// the same as with DefaultArgon2.
var testArgon2 = Argon2Params{Time: 1, Memory: 64, Threads: 1}

// postgresEnv names a PostgreSQL server the tests may create schemas in,
// as a URL: .ci/run starts one and sets it.
const postgresEnv = "TOPHAT_TEST_POSTGRES"

// backends runs test once against SQLite and once against PostgreSQL. The
// PostgreSQL run skips without a server, naming the Debian package, and
// fails instead under TOPHAT_REQUIRE_TOOLS=1 (CI).
func backends(t *testing.T, test func(t *testing.T, dsn string)) {
	t.Run("sqlite", func(t *testing.T) {
		test(t, filepath.Join(t.TempDir(), "api.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		test(t, postgresDSN(t))
	})
}

// postgresDSN makes a fresh schema on the server in $TOPHAT_TEST_POSTGRES,
// dropped when the test ends, and returns a URL whose connections use it.
func postgresDSN(t *testing.T) string {
	t.Helper()
	base := os.Getenv(postgresEnv)
	if base == "" {
		msg := "no PostgreSQL server: set " + postgresEnv + "=postgres://… (apt-get install postgresql; .ci/run starts one)"
		testtool.Missing(t, msg)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("%s: %v", postgresEnv, err)
	}
	defer conn.Close(ctx)
	var b [6]byte
	rand.Read(b[:])
	schema := "api_test_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Error(err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema) // a run-time parameter of every connection
	u.RawQuery = q.Encode()
	return u.String()
}

// syncBuffer collects log output written from the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type server struct {
	t       *testing.T
	l       *pipe.Listener
	logs    *syncBuffer
	metrics *metrics.Recorder
}

const allowedOrigin = "http://app.example"

// start serves the API on a pipe with a database at dsn.
func start(t *testing.T, dsn string) *server {
	t.Helper()
	store, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	rec, err := metrics.New(metrics.Config{})
	if err != nil {
		t.Fatal(err)
	}
	h, err := newHandler(Config{
		Store:    store,
		Keys:     [][]byte{identity.NewKey()},
		Insecure: true,
		Origins:  []string{allowedOrigin},
		Argon2:   testArgon2,
		Logger:   slog.New(slog.NewTextHandler(logs, nil)),
		// As behind a proxy that sets X-Request-Id.
		TrustRequestIDs: true,
		Metrics:         rec,
	})
	if err != nil {
		t.Fatal(err)
	}
	l, err := pipe.Listen("", nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := &core.Server{Handler: h}
	rec.Hook(&srv.Options)
	go srv.Serve(l)
	t.Cleanup(func() {
		srv.Close()
		store.Close()
	})
	return &server{t: t, l: l, logs: logs, metrics: rec}
}

// client is a user's browser: Go's client with a cookie jar.
func (s *server) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	tr := s.l.Client().Transport.(*http.Transport)
	s.t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Jar: jar}
}

type result struct {
	status int
	header http.Header
	body   []byte
}

func (r result) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decoding %q: %v", r.body, err)
	}
}

// do sends a request; a string body goes as JSON.
func do(t *testing.T, c *http.Client, method, path string, body any, header ...string) result {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case io.Reader:
		r = b
	default:
		j, _ := json.Marshal(b)
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, "http://api"+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return result{resp.StatusCode, resp.Header, b}
}

func expect(t *testing.T, what string, r result, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: %d %s, want %d", what, r.status, r.body, status)
	}
}

// signedIn signs up name and logs in on a fresh client.
func (s *server) signedIn(name string) *http.Client {
	s.t.Helper()
	c := s.client()
	creds := credentials{Name: name, Password: "password of " + name}
	expect(s.t, "signup "+name, do(s.t, c, "POST", "/signup", creds), 201)
	expect(s.t, "login "+name, do(s.t, c, "POST", "/login", creds), 200)
	return c
}

func TestAccounts(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		s := start(t, dsn)
		c := s.client()
		ada := credentials{Name: "ada", Password: "correct horse"}

		r := do(t, c, "POST", "/signup", ada)
		expect(t, "signup", r, 201)
		var u User
		r.decode(t, &u)
		if u.Name != "ada" || u.ID == 0 || strings.Contains(string(r.body), "argon2") {
			t.Fatalf("signup answered %s", r.body)
		}
		expect(t, "signup again", do(t, c, "POST", "/signup", ada), 409)
		expect(t, "short password", do(t, c, "POST", "/signup", credentials{"bob", "short"}), 422)
		expect(t, "empty name", do(t, c, "POST", "/signup", credentials{"", "long enough"}), 422)

		expect(t, "me before login", do(t, c, "GET", "/me", nil), 401)
		r = do(t, c, "POST", "/login", credentials{"ada", "wrong horse"})
		expect(t, "wrong password", r, 401)
		if r.header.Get("Set-Cookie") != "" || r.header.Get("WWW-Authenticate") == "" {
			t.Errorf("wrong password: %v", r.header)
		}
		expect(t, "unknown name", do(t, c, "POST", "/login", credentials{"nobody", "correct horse"}), 401)

		r = do(t, c, "POST", "/login", ada)
		expect(t, "login", r, 200)
		if sc := r.header.Get("Set-Cookie"); !strings.HasPrefix(sc, "session=") || !strings.Contains(sc, "HttpOnly") {
			t.Errorf("login cookie %q", sc)
		}
		r = do(t, c, "GET", "/me", nil)
		expect(t, "me", r, 200)
		r.decode(t, &u)
		if u.Name != "ada" {
			t.Errorf("me: %s", r.body)
		}

		expect(t, "logout", do(t, c, "POST", "/logout", nil), 204)
		expect(t, "me after logout", do(t, c, "GET", "/me", nil), 401)

		// The stored hash is argon2id with the configured cost.
		store, err := Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		stored, err := store.UserByName(context.Background(), "ada")
		if err != nil || !strings.HasPrefix(stored.Hash, "$argon2id$v=19$m=64,t=1,p=1$") {
			t.Fatalf("stored hash %q, %v", stored.Hash, err)
		}
	})
}

func TestNotes(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		s := start(t, dsn)
		ada, bob := s.signedIn("ada"), s.signedIn("bob")

		var created []Note
		for i := range 5 {
			r := do(t, ada, "POST", "/notes", noteInput{Title: fmt.Sprintf("note %d", i), Body: "body"})
			expect(t, "create", r, 201)
			var n Note
			r.decode(t, &n)
			if n.Title != fmt.Sprintf("note %d", i) || n.CreatedAt.IsZero() || r.header.Get("Location") != fmt.Sprintf("/notes/%d", n.ID) {
				t.Fatalf("created %s, Location %q", r.body, r.header.Get("Location"))
			}
			created = append(created, n)
		}

		// Pages of two, followed through "next" as a client would.
		var listed []Note
		pages := 0
		for next := "/notes?limit=2"; next != ""; pages++ {
			r := do(t, ada, "GET", next, nil)
			expect(t, next, r, 200)
			var p page
			r.decode(t, &p)
			if len(p.Notes) == 0 || len(p.Notes) > 2 {
				t.Fatalf("%s: %s", next, r.body)
			}
			listed = append(listed, p.Notes...)
			next = p.Next
		}
		if pages != 3 || len(listed) != 5 {
			t.Fatalf("%d pages, %d notes", pages, len(listed))
		}
		for i, n := range listed {
			if n.ID != created[i].ID || n.Title != created[i].Title || !n.CreatedAt.Equal(created[i].CreatedAt) {
				t.Errorf("listed[%d] = %+v, created %+v", i, n, created[i])
			}
		}
		expect(t, "limit 0", do(t, ada, "GET", "/notes?limit=0", nil), 400)
		expect(t, "limit 101", do(t, ada, "GET", "/notes?limit=101", nil), 400)
		expect(t, "after -1", do(t, ada, "GET", "/notes?after=-1", nil), 400)

		// Another user sees none of them, and cannot touch them.
		one := fmt.Sprintf("/notes/%d", created[1].ID)
		r := do(t, bob, "GET", "/notes", nil)
		expect(t, "bob's list", r, 200)
		if string(r.body) != "{\"notes\":[]}\n" {
			t.Errorf("bob's list: %s", r.body)
		}
		expect(t, "bob reads ada's", do(t, bob, "GET", one, nil), 404)
		expect(t, "bob changes ada's", do(t, bob, "PUT", one, noteInput{Title: "mine"}), 404)
		expect(t, "bob deletes ada's", do(t, bob, "DELETE", one, nil), 404)

		r = do(t, ada, "PUT", one, noteInput{Title: "changed", Body: "new body"})
		expect(t, "update", r, 200)
		var n Note
		r.decode(t, &n)
		if n.ID != created[1].ID || n.Title != "changed" || n.Body != "new body" || n.UpdatedAt.Before(n.CreatedAt) {
			t.Fatalf("updated: %s", r.body)
		}
		r = do(t, ada, "GET", one, nil)
		expect(t, "read", r, 200)
		r.decode(t, &n)
		if n.Title != "changed" || n.Body != "new body" {
			t.Fatalf("read after update: %s", r.body)
		}
		expect(t, "update with no title", do(t, ada, "PUT", one, noteInput{Body: "x"}), 422)

		expect(t, "delete", do(t, ada, "DELETE", one, nil), 204)
		expect(t, "read deleted", do(t, ada, "GET", one, nil), 404)
		expect(t, "delete again", do(t, ada, "DELETE", one, nil), 404)
		expect(t, "update deleted", do(t, ada, "PUT", one, noteInput{Title: "x"}), 404)
		expect(t, "id not a number", do(t, ada, "GET", "/notes/first", nil), 404)
		r = do(t, ada, "GET", "/notes", nil)
		var p page
		r.decode(t, &p)
		if len(p.Notes) != 4 || p.Next != "" {
			t.Errorf("after delete: %s", r.body)
		}
		expect(t, "method", do(t, ada, "PATCH", one, nil), 405)
	})
}

func TestUnauthorised(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		s := start(t, dsn)
		anon := s.client()
		for _, req := range []struct{ method, path string }{
			{"GET", "/me"}, {"GET", "/notes"}, {"POST", "/notes"}, {"GET", "/notes/1"}, {"PUT", "/notes/1"}, {"DELETE", "/notes/1"},
		} {
			var body any
			if req.method == "POST" || req.method == "PUT" {
				body = noteInput{Title: "t"}
			}
			r := do(t, anon, req.method, req.path, body)
			expect(t, req.method+" "+req.path, r, 401)
			if r.header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s %s: no WWW-Authenticate", req.method, req.path)
			}
		}
		// A cookie this server did not seal, or one sealed by another
		// server's key, is no identity.
		for _, cookie := range []string{"session=forged", "session=" + sealedElsewhere(t)} {
			expect(t, cookie, do(t, anon, "GET", "/notes", nil, "Cookie", cookie), 401)
		}
	})
}

func sealedElsewhere(t *testing.T) string {
	m, err := identity.New(identity.Config{Keys: [][]byte{identity.NewKey()}, CookieName: "session", Insecure: true})
	if err != nil {
		t.Fatal(err)
	}
	v, err := m.Seal(identity.Identity{ID: "1"})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestBadBodies(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		s := start(t, dsn)
		c := s.signedIn("ada")

		r := do(t, c, "POST", "/notes", `{"title": "unterminated`, "Accept", "application/json")
		expect(t, "bad JSON", r, 400)
		var problem struct {
			Status int    `json:"status"`
			Title  string `json:"title"`
		}
		r.decode(t, &problem)
		if problem.Status != 400 || r.header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("bad JSON answered %s %s", r.header.Get("Content-Type"), r.body)
		}
		expect(t, "two values", do(t, c, "POST", "/notes", `{"title":"a"} {"title":"b"}`), 400)
		expect(t, "unknown field", do(t, c, "POST", "/notes", `{"title":"a","tags":[]}`), 400)
		expect(t, "wrong type", do(t, c, "POST", "/notes", `{"title":7}`), 400)
		expect(t, "form", do(t, c, "POST", "/notes", `{"title":"a"}`, "Content-Type", "application/x-www-form-urlencoded"), 415)

		big := `{"title":"big","body":"` + strings.Repeat("x", maxBodyBytes) + `"}`
		expect(t, "oversized", do(t, c, "POST", "/notes", big), 413)
		// Without Content-Length the limit is found while reading.
		expect(t, "oversized, chunked", do(t, c, "POST", "/notes", io.MultiReader(strings.NewReader(big))), 413)
		// Under the body limit but over the note's own.
		long := `{"title":"long","body":"` + strings.Repeat("x", maxNoteBytes+1) + `"}`
		expect(t, "note too long", do(t, c, "POST", "/notes", long), 422)

		r = do(t, c, "GET", "/notes", nil)
		var p page
		r.decode(t, &p)
		if len(p.Notes) != 0 {
			t.Errorf("a refused body was stored: %s", r.body)
		}
	})
}

func TestCORS(t *testing.T) {
	s := start(t, filepath.Join(t.TempDir(), "api.db"))
	c := s.client()
	r := do(t, c, "OPTIONS", "/notes/1", nil,
		"Origin", allowedOrigin, "Access-Control-Request-Method", "PUT", "Access-Control-Request-Headers", "content-type")
	expect(t, "preflight", r, 204)
	h := r.header
	if h.Get("Access-Control-Allow-Origin") != allowedOrigin || h.Get("Access-Control-Allow-Credentials") != "true" ||
		!strings.Contains(h.Get("Access-Control-Allow-Methods"), "PUT") || !strings.Contains(strings.ToLower(h.Get("Access-Control-Allow-Headers")), "content-type") ||
		h.Get("Access-Control-Max-Age") != "600" {
		t.Errorf("preflight answered %v", h)
	}
	r = do(t, c, "OPTIONS", "/notes/1", nil, "Origin", "http://evil.example", "Access-Control-Request-Method", "DELETE")
	expect(t, "preflight from another origin", r, 403)
	if r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("refused preflight carries %v", r.header)
	}

	// A real cross-origin request gets the fields that let the page read
	// the answer, including the request ID.
	r = do(t, c, "POST", "/signup", credentials{"ada", "long enough"}, "Origin", allowedOrigin)
	expect(t, "cross-origin signup", r, 201)
	if r.header.Get("Access-Control-Allow-Origin") != allowedOrigin || !strings.Contains(r.header.Get("Access-Control-Expose-Headers"), "X-Request-Id") {
		t.Errorf("cross-origin answer %v", r.header)
	}
}

func TestRequestIDs(t *testing.T) {
	s := start(t, filepath.Join(t.TempDir(), "api.db"))
	c := s.client()
	r := do(t, c, "GET", "/notes", nil)
	id := r.header.Get("X-Request-Id")
	if len(id) != 26 { // crypto/rand.Text
		t.Fatalf("X-Request-Id %q", id)
	}
	if r2 := do(t, c, "GET", "/notes", nil); r2.header.Get("X-Request-Id") == id {
		t.Error("two requests, one ID")
	}
	// One from a proxy in front is kept; one that could forge a log line is not.
	if r := do(t, c, "POST", "/signup", "{", "X-Request-Id", "edge-42.a"); r.status != 400 || r.header.Get("X-Request-Id") != "edge-42.a" {
		t.Errorf("proxy's ID became %q", r.header.Get("X-Request-Id"))
	}
	if r := do(t, c, "GET", "/me", nil, "X-Request-Id", "x msg=forged"); len(r.header.Get("X-Request-Id")) != 26 {
		t.Errorf("a forged ID became %q", r.header.Get("X-Request-Id"))
	}
	// The access line and the error line of the 400 both name the request.
	s.l.Client().CloseIdleConnections()
	logs := s.logs.String()
	if !strings.Contains(logs, "msg=request") || !strings.Contains(logs, "request_id="+id) ||
		!regexp.MustCompile(`msg="glitch: request failed".*request_id=edge-42\.a`).MatchString(logs) {
		t.Errorf("logs:\n%s", logs)
	}
}

// TestReopen: a second start finds the schema migrated and the data kept.
func TestReopen(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s1, err := Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		u, err := s1.CreateUser(ctx, "ada", "hash")
		s1.Close()
		if err != nil {
			t.Fatal(err)
		}
		s2, err := Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer s2.Close()
		if got, err := s2.UserByID(ctx, u.ID); err != nil || got.Name != "ada" {
			t.Fatalf("after reopening: %+v, %v", got, err)
		}
	})
}

func TestPasswordHash(t *testing.T) {
	h := hashPassword("secret words", testArgon2)
	if h == hashPassword("secret words", testArgon2) {
		t.Error("two hashes of one password are equal: no salt")
	}
	for _, tc := range []struct {
		password string
		want     bool
	}{{"secret words", true}, {"secret word", false}, {"", false}} {
		if ok, err := checkPassword(tc.password, h); ok != tc.want || err != nil {
			t.Errorf("check %q = %v, %v", tc.password, ok, err)
		}
	}
	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=64,t=1,p=1$c2FsdA$a2V5", "$argon2id$v=18$m=64,t=1,p=1$c2FsdA$a2V5", "$argon2id$v=19$m=64$c2FsdA$a2V5", "$argon2id$v=19$m=64,t=1,p=1$!!$a2V5"} {
		if _, err := checkPassword("x", bad); err != errBadHash {
			t.Errorf("check against %q: %v", bad, err)
		}
	}
}

func TestNumbered(t *testing.T) {
	if got := numbered("UPDATE t SET a = ?, b = ? WHERE c = ?"); got != "UPDATE t SET a = $1, b = $2 WHERE c = $3" {
		t.Errorf("numbered: %q", got)
	}
}
