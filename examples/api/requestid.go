package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"strings"

	"github.com/tophat-go/tophat/core"
)

// newRequestID returns 128 random bits in hex: unique without coordination
// between servers.
func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

type loggerKey struct{}

// loggerOf returns the logger requestIDs put in req's context.
func loggerOf(req *core.Request) *slog.Logger {
	if l, ok := req.Context().Value(loggerKey{}).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}

// maxRequestIDBytes bounds an ID taken from a client, which goes into
// every log line of its request.
const maxRequestIDBytes = 64

// requestIDs gives each request an ID, or keeps the X-Request-Id a proxy
// in front already gave it, answers it in X-Request-Id, and logs the
// access line and every error with it, so one grep finds a request's story.
func requestIDs(logger *slog.Logger, quiet bool) core.Middleware {
	return func(next core.Handler) core.Handler {
		return core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
			id := req.Header().Get("X-Request-Id")
			if !validRequestID(id) {
				id = newRequestID()
			}
			w.Header().Set("X-Request-Id", id)
			l := logger.With("request_id", id)
			req.SetContext(context.WithValue(req.Context(), loggerKey{}, l))
			if quiet {
				return next.Serve(req, w)
			}
			return core.AccessLog(l)(next).Serve(req, w)
		})
	}
}

// validRequestID accepts what cannot forge a log line or a header:
// letters, digits and "-_.:".
func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDBytes {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-_.:", c) >= 0) {
			return false
		}
	}
	return true
}
