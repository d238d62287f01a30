// Package requestid gives every request an ID: taken from a trusted
// incoming header field or made afresh, put in the request's context, sent
// back in the response header, and added to access and application logs.
//
//	ids, err := requestid.New(requestid.Config{
//		// The proxy in front sets X-Request-Id; clients cannot reach us directly.
//		TrustIncoming: func(*core.Request) bool { return true },
//	})
//	if err != nil { ... }
//	h := core.Chain(app, ids, requestid.AccessLog(logger))
//
// # Trust
//
// An incoming ID is used only when Config.TrustIncoming says so for the
// request (a proxy that sets the field, a peer address inside the network),
// and only when it is 1 to Config.MaxLength bytes of letters, digits and
// "-_.:+/=@": enough for UUIDs, ULIDs, W3C trace IDs and base64, and nothing
// that could break a log line (spaces, quotes, controls). Anything else is
// replaced by a new ID, so a client cannot choose what the logs call it.
//
// # New IDs
//
// A new ID is crypto/rand.Text: 26 characters of base32, 128 random bits,
// unique without coordination between processes; Go's generator makes one
// in well under a microsecond, with one allocation, for the string.
//
// # Logs
//
// AccessLog is core.AccessLog with a request_id attribute. For application
// logs, LogHandler wraps any slog.Handler so that records logged with the
// request's context (slog.InfoContext(req.Context(), ...)) carry the ID.
package requestid

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"

	"github.com/tophat-go/tophat/core"
)

// Defaults of Config.
const (
	DefaultHeader = "X-Request-Id"
	// DefaultMaxLength admits every common ID format (a UUID is 36 bytes,
	// a traceparent 55) and keeps a hostile one from bloating every log
	// line of the request.
	DefaultMaxLength = 128
)

// LogKey is the attribute key under which IDs are logged.
const LogKey = "request_id"

// ErrInvalidConfig is returned by New for a Config that makes no sense.
var ErrInvalidConfig = errors.New("requestid: invalid Config")

// Config configures the middleware. The zero value makes a new ID for
// every request and sends it as X-Request-Id.
type Config struct {
	// Header is the field the ID is read from and sent in. Default
	// DefaultHeader.
	Header string
	// TrustIncoming reports whether the request's own ID may be used.
	// nil trusts no request.
	TrustIncoming func(req *core.Request) bool
	// MaxLength bounds an incoming ID. Default DefaultMaxLength.
	MaxLength int
	// Generate makes a new ID. Default crypto/rand.Text. Its IDs are sent
	// as they are: they must be valid field values.
	Generate func() string
}

type ctxKey struct{}

// New returns the middleware, or ErrInvalidConfig (wrapped, naming the
// field) for a Header that is no field name or a negative MaxLength.
func New(cfg Config) (core.Middleware, error) {
	if cfg.Header == "" {
		cfg.Header = DefaultHeader
	}
	if !isToken(cfg.Header) {
		return nil, fmt.Errorf("%w: Header %q is not a field name", ErrInvalidConfig, cfg.Header)
	}
	if cfg.MaxLength < 0 {
		return nil, fmt.Errorf("%w: MaxLength %d", ErrInvalidConfig, cfg.MaxLength)
	}
	if cfg.MaxLength == 0 {
		cfg.MaxLength = DefaultMaxLength
	}
	if cfg.Generate == nil {
		cfg.Generate = rand.Text
	}
	return func(next core.Handler) core.Handler {
		return core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
			id := ""
			if cfg.TrustIncoming != nil && cfg.TrustIncoming(req) {
				if in := req.Header().Peek(cfg.Header); valid(in, cfg.MaxLength) {
					id = string(in)
				}
			}
			if id == "" {
				id = cfg.Generate()
			}
			req.SetContext(context.WithValue(req.Context(), ctxKey{}, id))
			w.Header().Set(cfg.Header, id)
			return next.Serve(req, w)
		})
	}, nil
}

// Get returns the request's ID, or "" outside the middleware.
func Get(req *core.Request) string { return FromContext(req.Context()) }

// FromContext returns the ID in ctx (a request's context or one derived
// from it), or "".
func FromContext(ctx context.Context) string {
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}

// Attr returns the ID in ctx as a log attribute.
func Attr(ctx context.Context) slog.Attr { return slog.String(LogKey, FromContext(ctx)) }

// AccessLog is core.AccessLog(logger) whose lines carry the request's ID.
// Place it inside the middleware returned by New.
func AccessLog(logger *slog.Logger) core.Middleware {
	return func(next core.Handler) core.Handler {
		return core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
			l := logger
			if l == nil {
				l = slog.Default()
			}
			return core.AccessLog(l.With(Attr(req.Context())))(next).Serve(req, w)
		})
	}
}

// LogHandler wraps h so that every record logged with a context holding a
// request ID carries it as the attribute LogKey.
func LogHandler(h slog.Handler) slog.Handler { return logHandler{h} }

type logHandler struct{ slog.Handler }

func (l logHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := FromContext(ctx); id != "" {
		r = r.Clone()
		r.AddAttrs(slog.String(LogKey, id))
	}
	return l.Handler.Handle(ctx, r)
}

func (l logHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return logHandler{l.Handler.WithAttrs(attrs)}
}

func (l logHandler) WithGroup(name string) slog.Handler { return logHandler{l.Handler.WithGroup(name)} }

// valid reports whether an incoming ID may be used.
func valid(id []byte, maxLength int) bool {
	if len(id) == 0 || len(id) > maxLength {
		return false
	}
	for _, c := range id {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-' || c == '_' || c == '.' || c == ':' || c == '+' || c == '/' || c == '=' || c == '@':
		default:
			return false
		}
	}
	return true
}

func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c < 0x7f && c > ' ' && !isSeparator(c):
		default:
			return false
		}
	}
	return s != ""
}

func isSeparator(c byte) bool {
	for i := 0; i < len(`"(),/:;<=>?@[\]{}`); i++ {
		if c == `"(),/:;<=>?@[\]{}`[i] {
			return true
		}
	}
	return false
}
