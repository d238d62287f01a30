package main

import (
	"errors"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/cors"
	"github.com/tophat-go/tophat/core/glitch"
	"github.com/tophat-go/tophat/core/identity"
	"github.com/tophat-go/tophat/core/jsonio"
	"github.com/tophat-go/tophat/core/metrics"
	"github.com/tophat-go/tophat/core/metrics/prometheus"
	"github.com/tophat-go/tophat/core/requestid"
	"github.com/tophat-go/tophat/core/router"
)

// Limits of what a client may store, with the body limit that follows.
const (
	maxNameRunes     = 64
	minPasswordBytes = 8
	// Argon2 hashes any length in the same time, but a password longer
	// than this is a mistake, not a secret.
	maxPasswordBytes = 1024
	maxTitleRunes    = 200
	maxNoteBytes     = 32 << 10
	// maxBodyBytes fits the largest note with its title and JSON escapes
	// to spare; anything larger is 413 before it is read.
	maxBodyBytes = 64 << 10

	defaultPageSize = 20
	maxPageSize     = 100
)

// Config is what the API is built from.
type Config struct {
	Store *Store
	// Keys seal the identity cookies, newest first (identity.Config.Keys).
	Keys [][]byte
	// Insecure lets the identity cookie travel over plain HTTP: for a
	// server on http://localhost.
	Insecure bool
	// Origins may call the API from scripts in a browser, with cookies.
	Origins []string
	// Argon2 is the cost of new password hashes.
	Argon2 Argon2Params
	// Logger receives the access log and the errors; nil is slog.Default.
	Logger *slog.Logger
	// Quiet turns the access log off; errors are still logged.
	Quiet bool
	// TrustRequestIDs keeps the X-Request-Id a request arrives with, for
	// a server behind a proxy that sets it; otherwise every request gets
	// a new one, so clients cannot choose what the logs call them.
	TrustRequestIDs bool
	// Metrics, if set, records every request and is served at GET
	// /metrics in Prometheus's format. The program hooks the server's
	// Options to it as well, for the streams and the refused requests.
	Metrics *metrics.Recorder
}

type api struct {
	store  *Store
	ids    *identity.Manager
	argon2 Argon2Params
	dummy  string // a hash to check when the name is unknown, see login
	logger *slog.Logger
}

// newHandler returns the whole API:
//
//	metrics ─► request ID ─► access log ─► CORS ─► identity ─► router ─► handler
//	                                                            ├─ /notes, /me: Require (401)
//	                                                            └─ /metrics: the counts
//
// The request ID is in the X-Request-Id field of every response, and in
// the access log line and the error line of its request. Metrics come
// first so that they count every answer, the 401s and 404s included.
func newHandler(cfg Config) (core.Handler, error) {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	ids, err := identity.New(identity.Config{Keys: cfg.Keys, CookieName: "session", Insecure: cfg.Insecure})
	if err != nil {
		return nil, err
	}
	withCORS, err := cors.New(cors.Config{
		AllowOrigins:     cfg.Origins,
		AllowMethods:     []string{"PUT", "DELETE"},
		AllowHeaders:     []string{"Content-Type", "X-Request-Id"},
		ExposeHeaders:    []string{"Location", "X-Request-Id"},
		AllowCredentials: true, // the identity is a cookie
		MaxAge:           10 * time.Minute,
	})
	if err != nil {
		return nil, err
	}
	var trust func(*core.Request) bool
	if cfg.TrustRequestIDs {
		trust = func(*core.Request) bool { return true }
	}
	requestIDs, err := requestid.New(requestid.Config{TrustIncoming: trust})
	if err != nil {
		return nil, err
	}
	a := &api{store: cfg.Store, ids: ids, argon2: cfg.Argon2, dummy: hashPassword("not a password", cfg.Argon2), logger: logger}

	r := router.New()
	r.Handle("POST /signup", a.handle(a.signup))
	r.Handle("POST /login", a.handle(a.login))
	r.Handle("POST /logout", a.handle(a.logout))
	user := r.Group("", ids.Require)
	user.Handle("GET /me", a.handle(a.me))
	user.Handle("GET /notes", a.handle(a.listNotes))
	user.Handle("POST /notes", a.handle(a.createNote))
	user.Handle("GET /notes/{id}", a.handle(a.getNote))
	user.Handle("PUT /notes/{id}", a.handle(a.updateNote))
	user.Handle("DELETE /notes/{id}", a.handle(a.deleteNote))
	middleware := []core.Middleware{requestIDs, requestid.AccessLog(logger), withCORS, ids.Middleware}
	if cfg.Quiet {
		middleware = slices.Delete(middleware, 1, 2)
	}
	if cfg.Metrics != nil {
		r.Handle("GET /metrics", prometheus.Handler(cfg.Metrics))
		middleware = slices.Insert(middleware, 0, cfg.Metrics.Middleware)
	}
	return core.Chain(r, middleware...), nil
}

// handle answers f's errors through glitch, logged with the request's
// ID: one place turns every error into a response.
func (a *api) handle(f glitch.HandlerFunc) core.Handler {
	return core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		rw, err := f(req, w)
		if err == nil {
			return rw
		}
		r := glitch.Responder{Logger: a.logger.With(requestid.Attr(req.Context()))}
		return r.Respond(req, w, rw, err)
	})
}

type credentials struct {
	Name     string `json:"name"`
	Password string `json:"password"`
}

type noteInput struct {
	Title string `json:"title"`
	Body  string `json:"body"`
}

var decodeOptions = &jsonio.DecodeOptions{MaxBytes: maxBodyBytes, DisallowUnknownFields: true}

func (a *api) signup(req *core.Request, w *core.ResponseWriter) (core.ResponseWritten, error) {
	var in credentials
	if err := jsonio.Decode(req, &in, decodeOptions); err != nil {
		return core.ResponseWritten{}, err
	}
	if n := utf8.RuneCountInString(in.Name); n == 0 || n > maxNameRunes || strings.TrimSpace(in.Name) != in.Name {
		return core.ResponseWritten{}, glitch.Unprocessable("name: 1 to 64 characters, no leading or trailing space")
	}
	if len(in.Password) < minPasswordBytes || len(in.Password) > maxPasswordBytes {
		return core.ResponseWritten{}, glitch.Unprocessable("password: 8 to 1024 bytes")
	}
	u, err := a.store.CreateUser(req.Context(), in.Name, hashPassword(in.Password, a.argon2))
	if errors.Is(err, errTaken) {
		return core.ResponseWritten{}, glitch.Conflict("name already taken")
	}
	if err != nil {
		return core.ResponseWritten{}, glitch.Internal(err)
	}
	return jsonio.Send(w, 201, u)
}

func (a *api) login(req *core.Request, w *core.ResponseWriter) (core.ResponseWritten, error) {
	var in credentials
	if err := jsonio.Decode(req, &in, decodeOptions); err != nil {
		return core.ResponseWritten{}, err
	}
	u, err := a.store.UserByName(req.Context(), in.Name)
	hash := u.Hash
	if errors.Is(err, errNotFound) {
		// Spend the time a real check takes, so that how long the answer
		// takes does not tell which names exist.
		hash = a.dummy
	} else if err != nil {
		return core.ResponseWritten{}, glitch.Internal(err)
	}
	ok, herr := checkPassword(in.Password, hash)
	if herr != nil {
		return core.ResponseWritten{}, glitch.Internal(herr)
	}
	if !ok || err != nil {
		w.Header().Set("WWW-Authenticate", `Cookie realm="api"`)
		return core.ResponseWritten{}, glitch.Unauthorized("wrong name or password")
	}
	if _, err := a.ids.LogIn(w, strconv.FormatInt(u.ID, 10)); err != nil {
		return core.ResponseWritten{}, glitch.Internal(err)
	}
	return jsonio.Send(w, 200, u)
}

func (a *api) logout(req *core.Request, w *core.ResponseWriter) (core.ResponseWritten, error) {
	a.ids.LogOut(w)
	return w.SendStatus(204), nil
}

// userID is the logged-in user; Require let the request through, so there
// is one, sealed by this server.
func userID(req *core.Request) (int64, error) {
	id, ok := identity.FromContext(req.Context())
	if !ok {
		return 0, glitch.Unauthorized("authentication required")
	}
	n, err := strconv.ParseInt(id.ID, 10, 64)
	if err != nil {
		return 0, glitch.Internal(err)
	}
	return n, nil
}

func (a *api) me(req *core.Request, w *core.ResponseWriter) (core.ResponseWritten, error) {
	uid, err := userID(req)
	if err != nil {
		return core.ResponseWritten{}, err
	}
	u, err := a.store.UserByID(req.Context(), uid)
	if err != nil {
		return core.ResponseWritten{}, glitch.Internal(err)
	}
	return jsonio.Send(w, 200, u)
}

// A page of notes, and the URL of the next one while there is more.
type page struct {
	Notes []Note `json:"notes"`
	Next  string `json:"next,omitempty"`
}

func (a *api) listNotes(req *core.Request, w *core.ResponseWriter) (core.ResponseWritten, error) {
	uid, err := userID(req)
	if err != nil {
		return core.ResponseWritten{}, err
	}
	q := req.Query()
	limit, after := defaultPageSize, int64(0)
	if s := q.Get("limit"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit < 1 || limit > maxPageSize {
			return core.ResponseWritten{}, glitch.BadRequest("limit: a number from 1 to 100")
		}
	}
	if s := q.Get("after"); s != "" {
		if after, err = strconv.ParseInt(s, 10, 64); err != nil || after < 0 {
			return core.ResponseWritten{}, glitch.BadRequest("after: the id of a note")
		}
	}
	// One more than the page says whether there is a next page.
	notes, err := a.store.Notes(req.Context(), uid, after, limit+1)
	if err != nil {
		return core.ResponseWritten{}, glitch.Internal(err)
	}
	p := page{Notes: notes}
	if len(notes) > limit {
		p.Notes = notes[:limit]
		p.Next = "/notes?" + url.Values{
			"after": {strconv.FormatInt(notes[limit-1].ID, 10)},
			"limit": {strconv.Itoa(limit)},
		}.Encode()
	}
	return jsonio.Send(w, 200, p)
}

func decodeNote(req *core.Request) (noteInput, error) {
	var in noteInput
	if err := jsonio.Decode(req, &in, decodeOptions); err != nil {
		return in, err
	}
	if n := utf8.RuneCountInString(in.Title); n == 0 || n > maxTitleRunes {
		return in, glitch.Unprocessable("title: 1 to 200 characters")
	}
	if len(in.Body) > maxNoteBytes {
		return in, glitch.Unprocessable("body: at most 32 KiB")
	}
	return in, nil
}

// noteID reads {id}; one that is no number names no note.
func noteID(req *core.Request) (int64, error) {
	id, err := strconv.ParseInt(req.PathValue("id"), 10, 64)
	if err != nil {
		return 0, glitch.NotFound("no such note")
	}
	return id, nil
}

func (a *api) createNote(req *core.Request, w *core.ResponseWriter) (core.ResponseWritten, error) {
	uid, err := userID(req)
	if err != nil {
		return core.ResponseWritten{}, err
	}
	in, err := decodeNote(req)
	if err != nil {
		return core.ResponseWritten{}, err
	}
	n, err := a.store.CreateNote(req.Context(), uid, in.Title, in.Body, time.Now())
	if err != nil {
		return core.ResponseWritten{}, glitch.Internal(err)
	}
	w.Header().Set("Location", "/notes/"+strconv.FormatInt(n.ID, 10))
	return jsonio.Send(w, 201, n)
}

func (a *api) getNote(req *core.Request, w *core.ResponseWriter) (core.ResponseWritten, error) {
	uid, err := userID(req)
	if err != nil {
		return core.ResponseWritten{}, err
	}
	id, err := noteID(req)
	if err != nil {
		return core.ResponseWritten{}, err
	}
	n, err := a.store.Note(req.Context(), uid, id)
	if errors.Is(err, errNotFound) {
		return core.ResponseWritten{}, glitch.NotFound("no such note")
	}
	if err != nil {
		return core.ResponseWritten{}, glitch.Internal(err)
	}
	return jsonio.Send(w, 200, n)
}

func (a *api) updateNote(req *core.Request, w *core.ResponseWriter) (core.ResponseWritten, error) {
	uid, err := userID(req)
	if err != nil {
		return core.ResponseWritten{}, err
	}
	id, err := noteID(req)
	if err != nil {
		return core.ResponseWritten{}, err
	}
	in, err := decodeNote(req)
	if err != nil {
		return core.ResponseWritten{}, err
	}
	err = a.store.UpdateNote(req.Context(), uid, id, in.Title, in.Body, time.Now())
	if errors.Is(err, errNotFound) {
		return core.ResponseWritten{}, glitch.NotFound("no such note")
	}
	if err != nil {
		return core.ResponseWritten{}, glitch.Internal(err)
	}
	return a.getNote(req, w)
}

func (a *api) deleteNote(req *core.Request, w *core.ResponseWriter) (core.ResponseWritten, error) {
	uid, err := userID(req)
	if err != nil {
		return core.ResponseWritten{}, err
	}
	id, err := noteID(req)
	if err != nil {
		return core.ResponseWritten{}, err
	}
	err = a.store.DeleteNote(req.Context(), uid, id)
	if errors.Is(err, errNotFound) {
		return core.ResponseWritten{}, glitch.NotFound("no such note")
	}
	if err != nil {
		return core.ResponseWritten{}, glitch.Internal(err)
	}
	return w.SendStatus(204), nil
}
