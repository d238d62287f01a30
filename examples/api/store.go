package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Errors of the store, which the handlers turn into 404 and 409.
var (
	errNotFound = errors.New("api: not found")
	errTaken    = errors.New("api: name already taken")
)

// A User is an account. Hash is its argon2id password hash.
type User struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Hash string `json:"-"`
}

// A Note belongs to one user, who alone sees it.
type Note struct {
	ID        int64     `json:"id"`
	Title     string    `json:"title"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// db is what the store needs of a database, so that one set of queries
// serves SQLite (database/sql) and PostgreSQL (a pgx pool). Queries are
// written with "?" placeholders; the PostgreSQL side numbers them.
type db interface {
	exec(ctx context.Context, query string, args ...any) (rowsAffected int64, err error)
	// queryRow scans the first row into dest, or returns errNotFound.
	queryRow(ctx context.Context, query string, dest []any, args ...any) error
	// query calls scan for each row; scan reads the row into its arguments.
	query(ctx context.Context, query string, each func(scan func(dest ...any) error) error, args ...any) error
	// migrate applies the steps after the last one applied, each once,
	// in one transaction that other servers starting at once wait for.
	migrate(ctx context.Context, steps []string) error
	isUniqueViolation(err error) bool
	close()
}

// Store keeps users and notes.
type Store struct{ db db }

// Open connects to dsn, a SQLite file path (created if missing) or a
// postgres:// URL, and brings the schema up to date.
func Open(ctx context.Context, dsn string) (*Store, error) {
	var (
		d     db
		steps []string
		err   error
	)
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		d, err = openPostgres(ctx, dsn)
		steps = postgresSchema
	} else {
		d, err = openSQLite(dsn)
		steps = sqliteSchema
	}
	if err != nil {
		return nil, err
	}
	if err := d.migrate(ctx, steps); err != nil {
		d.close()
		return nil, fmt.Errorf("migrating the schema: %w", err)
	}
	return &Store{db: d}, nil
}

// Close closes the database.
func (s *Store) Close() { s.db.close() }

// The schemas differ only where the dialects do: identity columns.
// Times are Unix milliseconds, the same integer in both.
var (
	sqliteSchema = []string{
		`CREATE TABLE users (
			id INTEGER PRIMARY KEY,
			name TEXT NOT NULL UNIQUE,
			hash TEXT NOT NULL)`,
		`CREATE TABLE notes (
			id INTEGER PRIMARY KEY,
			user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
			title TEXT NOT NULL,
			body TEXT NOT NULL,
			created_at BIGINT NOT NULL,
			updated_at BIGINT NOT NULL)`,
		`CREATE INDEX notes_by_user ON notes(user_id, id)`,
	}
	postgresSchema = []string{
		`CREATE TABLE users (
			id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
			name TEXT NOT NULL UNIQUE,
			hash TEXT NOT NULL)`,
		`CREATE TABLE notes (
			id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
			user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
			title TEXT NOT NULL,
			body TEXT NOT NULL,
			created_at BIGINT NOT NULL,
			updated_at BIGINT NOT NULL)`,
		`CREATE INDEX notes_by_user ON notes(user_id, id)`,
	}
)

// CreateUser adds a user, or fails with errTaken.
func (s *Store) CreateUser(ctx context.Context, name, hash string) (User, error) {
	u := User{Name: name, Hash: hash}
	err := s.db.queryRow(ctx, `INSERT INTO users (name, hash) VALUES (?, ?) RETURNING id`, []any{&u.ID}, name, hash)
	if s.db.isUniqueViolation(err) {
		return User{}, errTaken
	}
	return u, err
}

// UserByName finds a user, or fails with errNotFound.
func (s *Store) UserByName(ctx context.Context, name string) (User, error) {
	u := User{Name: name}
	err := s.db.queryRow(ctx, `SELECT id, hash FROM users WHERE name = ?`, []any{&u.ID, &u.Hash}, name)
	return u, err
}

// UserByID finds a user, or fails with errNotFound.
func (s *Store) UserByID(ctx context.Context, id int64) (User, error) {
	u := User{ID: id}
	err := s.db.queryRow(ctx, `SELECT name, hash FROM users WHERE id = ?`, []any{&u.Name, &u.Hash}, id)
	return u, err
}

// CreateNote adds a note for user.
func (s *Store) CreateNote(ctx context.Context, user int64, title, body string, now time.Time) (Note, error) {
	n := Note{Title: title, Body: body, CreatedAt: now.UTC().Truncate(time.Millisecond)}
	n.UpdatedAt = n.CreatedAt
	err := s.db.queryRow(ctx,
		`INSERT INTO notes (user_id, title, body, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		[]any{&n.ID}, user, title, body, now.UnixMilli(), now.UnixMilli())
	return n, err
}

const noteColumns = `id, title, body, created_at, updated_at`

func scanNote(scan func(dest ...any) error) (Note, error) {
	var n Note
	var created, updated int64
	err := scan(&n.ID, &n.Title, &n.Body, &created, &updated)
	n.CreatedAt, n.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	return n, err
}

// Note returns one of user's notes, or errNotFound (also for another
// user's note: its existence is not revealed).
func (s *Store) Note(ctx context.Context, user, id int64) (Note, error) {
	var n Note
	var created, updated int64
	err := s.db.queryRow(ctx, `SELECT `+noteColumns+` FROM notes WHERE user_id = ? AND id = ?`,
		[]any{&n.ID, &n.Title, &n.Body, &created, &updated}, user, id)
	n.CreatedAt, n.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	return n, err
}

// Notes lists up to limit of user's notes with ids above after, oldest
// first. Paging by key rather than by offset keeps every page one index
// range scan, and a note added or deleted meanwhile shifts no page.
func (s *Store) Notes(ctx context.Context, user, after int64, limit int) ([]Note, error) {
	notes := []Note{}
	err := s.db.query(ctx, `SELECT `+noteColumns+` FROM notes WHERE user_id = ? AND id > ? ORDER BY id LIMIT ?`, func(scan func(dest ...any) error) error {
		n, err := scanNote(scan)
		notes = append(notes, n)
		return err
	}, user, after, limit)
	return notes, err
}

// UpdateNote changes a note's title and body, or fails with errNotFound.
func (s *Store) UpdateNote(ctx context.Context, user, id int64, title, body string, now time.Time) error {
	n, err := s.db.exec(ctx, `UPDATE notes SET title = ?, body = ?, updated_at = ? WHERE user_id = ? AND id = ?`,
		title, body, now.UnixMilli(), user, id)
	if err == nil && n == 0 {
		err = errNotFound
	}
	return err
}

// DeleteNote deletes a note, or fails with errNotFound.
func (s *Store) DeleteNote(ctx context.Context, user, id int64) error {
	n, err := s.db.exec(ctx, `DELETE FROM notes WHERE user_id = ? AND id = ?`, user, id)
	if err == nil && n == 0 {
		err = errNotFound
	}
	return err
}

// --- SQLite through database/sql ---

type sqliteDB struct{ *sql.DB }

func openSQLite(path string) (db, error) {
	// WAL lets readers run beside the writer; busy_timeout makes a writer
	// wait for another instead of failing; immediate transactions take the
	// write lock at BEGIN, so two migrations cannot both read "version 0".
	d, err := sql.Open("sqlite", "file:"+path+
		"?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	if err := d.Ping(); err != nil {
		d.Close()
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	return sqliteDB{d}, nil
}

func (d sqliteDB) exec(ctx context.Context, query string, args ...any) (int64, error) {
	r, err := d.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return r.RowsAffected()
}

func (d sqliteDB) queryRow(ctx context.Context, query string, dest []any, args ...any) error {
	err := d.QueryRowContext(ctx, query, args...).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return errNotFound
	}
	return err
}

func (d sqliteDB) query(ctx context.Context, query string, each func(scan func(dest ...any) error) error, args ...any) error {
	rows, err := d.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (d sqliteDB) migrate(ctx context.Context, steps []string) error {
	tx, err := d.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return err
	}
	var version int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&version); err != nil {
		return err
	}
	for i := version; i < len(steps); i++ {
		if _, err := tx.ExecContext(ctx, steps[i]); err != nil {
			return fmt.Errorf("step %d: %w", i+1, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES (?)`, i+1); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func (sqliteDB) isUniqueViolation(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE
}

func (d sqliteDB) close() { d.Close() }

// --- PostgreSQL through a pgx pool ---

type postgresDB struct{ *pgxpool.Pool }

func openPostgres(ctx context.Context, dsn string) (db, error) {
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return nil, err
	}
	// pgxpool connects lazily: find a wrong address or password now,
	// not on the first request.
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connecting to PostgreSQL: %w", err)
	}
	return postgresDB{pool}, nil
}

// numbered turns the "?" placeholders into PostgreSQL's $1, $2, ...
// The queries here hold no "?" in literals.
func numbered(query string) string {
	var b strings.Builder
	n := 0
	for _, part := range strings.SplitAfter(query, "?") {
		if p, ok := strings.CutSuffix(part, "?"); ok {
			n++
			b.WriteString(p + "$" + strconv.Itoa(n))
		} else {
			b.WriteString(part)
		}
	}
	return b.String()
}

func (d postgresDB) exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := d.Exec(ctx, numbered(query), args...)
	return tag.RowsAffected(), err
}

func (d postgresDB) queryRow(ctx context.Context, query string, dest []any, args ...any) error {
	err := d.QueryRow(ctx, numbered(query), args...).Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return errNotFound
	}
	return err
}

func (d postgresDB) query(ctx context.Context, query string, each func(scan func(dest ...any) error) error, args ...any) error {
	rows, err := d.Query(ctx, numbered(query), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (d postgresDB) migrate(ctx context.Context, steps []string) error {
	return pgx.BeginFunc(ctx, d.Pool, func(tx pgx.Tx) error {
		// The advisory lock makes a second server starting at the same
		// moment wait here, then find the steps applied.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(7420117)`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
			return err
		}
		var version int
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&version); err != nil {
			return err
		}
		for i := version; i < len(steps); i++ {
			if _, err := tx.Exec(ctx, steps[i]); err != nil {
				return fmt.Errorf("step %d: %w", i+1, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_version (version) VALUES ($1)`, i+1); err != nil {
				return err
			}
		}
		return nil
	})
}

func (postgresDB) isUniqueViolation(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23505" // unique_violation
}

func (d postgresDB) close() { d.Close() }
