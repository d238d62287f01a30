// Command api is a small JSON API for notes, with users: sign up, log in
// (an encrypted identity cookie), then create, list, read, change and
// delete your own notes.
//
//	go run ./examples/api                                  # SQLite in ./api.db, http://127.0.0.1:8080/
//	go run ./examples/api -db /var/lib/notes.db -listen unix:///tmp/api.sock
//	go run ./examples/api -db postgres://user:pass@localhost/notes
//
//	curl -i -d '{"name":"ada","password":"correct horse"}' -H 'Content-Type: application/json' localhost:8080/signup
//	curl -i -c jar -d '{"name":"ada","password":"correct horse"}' -H 'Content-Type: application/json' localhost:8080/login
//	curl -i -b jar -d '{"title":"first","body":"hello"}' -H 'Content-Type: application/json' localhost:8080/notes
//	curl -i -b jar 'localhost:8080/notes?limit=10'        # {"notes":[…],"next":"/notes?after=…"} while there are more
//	curl -i -b jar -X PUT -d '{"title":"first","body":"changed"}' -H 'Content-Type: application/json' localhost:8080/notes/1
//	curl -i -b jar -X DELETE localhost:8080/notes/1
//
// Routes: POST /signup, POST /login, POST /logout, GET /me, GET and POST
// /notes, GET, PUT and DELETE /notes/{id}. Errors are JSON problem
// documents when the client asks for JSON (glitch), every response carries
// X-Request-Id, and every log line of a request names it.
//
// The database is a SQLite file (pure Go, modernc.org/sqlite), created and
// migrated on the first run; a postgres:// URL uses PostgreSQL through a
// pgx connection pool instead, migrated the same way. Passwords are
// hashed with argon2id. The identity cookie is sealed with -key (32 bytes,
// base64) or $API_KEY; without either a random key is made and logins
// last until the server restarts. -origin lets a web page on another
// origin call the API with the user's cookie (CORS).
//
// -trace FILE (or $API_TRACE; "-" for standard error) writes an
// OpenTelemetry server span per request to FILE as JSON, continuing the
// trace of an incoming traceparent (see trace.go).
//
// GET /metrics serves Prometheus's text format: requests by route and
// status with their times to first and last byte, responses whose client
// left, refused requests, and connections by how they ended (core/metrics,
// core/metrics/prometheus). Behind a proxy, keep /metrics off the public
// side.
//
//	curl -s localhost:8080/metrics | grep ^tophat_
package main

import (
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/identity"
	"github.com/tophat-go/tophat/core/metrics"
	"github.com/tophat-go/tophat/examples/internal/serve"
)

func main() {
	dsn := flag.String("db", "api.db", "SQLite file, or a postgres:// URL")
	key := flag.String("key", os.Getenv("API_KEY"), "identity cookie key: 32 bytes in base64 (default $API_KEY, else random)")
	origins := flag.String("origin", "http://localhost:3000", "comma-separated origins whose pages may call the API with cookies")
	trustIDs := flag.Bool("trust-request-id", false, "keep the X-Request-Id requests arrive with (behind a proxy that sets it)")
	traceTo := flag.String("trace", os.Getenv("API_TRACE"), "write a span per request as JSON to this file, - for standard error (default $API_TRACE; none if empty)")
	serve.Command("api", func(ctx context.Context, address, devCert string, quiet bool) error {
		keys, err := identityKeys(*key)
		if err != nil {
			return err
		}
		store, err := Open(ctx, *dsn)
		if err != nil {
			return err
		}
		defer store.Close()
		rec, err := metrics.New(metrics.Config{})
		if err != nil {
			return err
		}
		h, err := newHandler(Config{
			Store: store,
			Keys:  keys,
			// The cookie goes over plain HTTP only when the server speaks it.
			Insecure:        !strings.HasPrefix(address, "tls+"),
			Origins:         strings.Split(*origins, ","),
			Argon2:          DefaultArgon2,
			Quiet:           quiet,
			TrustRequestIDs: *trustIDs,
			Metrics:         rec,
		})
		if err != nil {
			return err
		}
		if *traceTo != "" {
			trace, stop, err := startTracing(*traceTo)
			if err != nil {
				return err
			}
			defer stop()
			h = trace(h)
		}
		srv := &core.Server{Handler: h}
		rec.Hook(&srv.Options) // streams and refused requests
		return serve.RunServer(ctx, "api", address, devCert, srv)
	})
}

func identityKeys(b64 string) ([][]byte, error) {
	if b64 == "" {
		slog.Warn("no -key or API_KEY: a random key seals identities, so logins end when the server restarts")
		return [][]byte{identity.NewKey()}, nil
	}
	k, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(k) != identity.KeySize {
		return nil, errors.Join(fmt.Errorf("-key: want %d bytes in base64, such as %s", identity.KeySize,
			base64.StdEncoding.EncodeToString(identity.NewKey())), err)
	}
	return [][]byte{k}, nil
}
