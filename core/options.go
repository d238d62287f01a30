package core

import (
	"context"
	"log/slog"
	"time"
)

// Options configure how a stream is served. The zero value is ready to use:
// every zero field takes the default named beside it. A negative duration
// disables that timeout; a negative size disables that limit where noted.
type Options struct {
	// ReadHeaderTimeout bounds the time from the first byte of a request
	// (or from the start of a new stream) to the end of its header block.
	// Default 10s: slow-header clients (slowloris) hold a stream no longer.
	ReadHeaderTimeout time.Duration
	// IdleTimeout bounds the wait for the next request on a kept-alive
	// stream. Default 60s.
	IdleTimeout time.Duration
	// BodyReadTimeout bounds each wait for request body bytes (an
	// inactivity timeout, so large uploads on a live link are never cut).
	// Default 30s.
	BodyReadTimeout time.Duration
	// WriteTimeout bounds each write to the stream (an inactivity timeout,
	// so long streaming responses live as long as the client reads).
	// Default 30s.
	WriteTimeout time.Duration

	// MaxRequestLineBytes limits the request line; a longer one is answered
	// 414. Default 8 KiB, the figure common servers and proxies use.
	MaxRequestLineBytes int
	// MaxHeaderBytes limits the whole request head (request line and header
	// fields); a larger one is answered 431. Default 32 KiB: every head of a
	// real browser fits, and it bounds the memory one stream can pin.
	MaxHeaderBytes int
	// MaxHeaderFields limits the number of header fields (431 past it).
	// Default 100: field lookup is a linear scan, so this also bounds CPU.
	MaxHeaderFields int
	// MaxBodyBytes limits a request body; a larger declared Content-Length
	// is answered 413 before the handler runs, and reads past the limit of
	// a chunked body fail with ErrBodyTooLarge. Default 32 MiB; -1 means no
	// limit.
	MaxBodyBytes int64
	// MaxChunkLineBytes limits one chunk-size line with its extensions.
	// Default 4 KiB (CWE-400: extensions are otherwise unbounded input).
	MaxChunkLineBytes int
	// MaxTrailerBytes limits the trailer section of a chunked body.
	// Default 8 KiB.
	MaxTrailerBytes int
	// MaxDrainBytes is how much unread request body the server reads and
	// discards after a handler returns so the stream can be kept alive;
	// past it the stream is closed instead. Default 256 KiB.
	MaxDrainBytes int64

	// AllowConnect hands CONNECT requests (authority-form) to the handler,
	// which may tunnel with ResponseWriter.Upgrade. Off: an origin server is
	// no proxy, and CONNECT is answered 501.
	AllowConnect bool
	// FoldContentLength accepts several Content-Length fields or a list
	// when all values are identical (RFC 9112 section 6.3 allows it). Off:
	// any repetition is answered 400, the stricter reading.
	FoldContentLength bool

	// ErrorLog receives what the core cannot report elsewhere: handlers
	// that panic or return no response. Default slog.Default().
	ErrorLog *slog.Logger
	// BaseContext is the context of every request on the stream. Default
	// context.Background(). Server sets one that is cancelled by Close.
	BaseContext context.Context
}

// Defaults of Options, named so their reasons live in one place.
const (
	DefaultReadHeaderTimeout   = 10 * time.Second
	DefaultIdleTimeout         = 60 * time.Second
	DefaultBodyReadTimeout     = 30 * time.Second
	DefaultWriteTimeout        = 30 * time.Second
	DefaultMaxRequestLineBytes = 8 << 10
	DefaultMaxHeaderBytes      = 32 << 10
	DefaultMaxHeaderFields     = 100
	DefaultMaxBodyBytes        = 32 << 20
	DefaultMaxChunkLineBytes   = 4 << 10
	DefaultMaxTrailerBytes     = 8 << 10
	DefaultMaxDrainBytes       = 256 << 10
)

// withDefaults returns a copy of o with every zero field set to its default.
func (o *Options) withDefaults() Options {
	var r Options
	if o != nil {
		r = *o
	}
	setDuration(&r.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	setDuration(&r.IdleTimeout, DefaultIdleTimeout)
	setDuration(&r.BodyReadTimeout, DefaultBodyReadTimeout)
	setDuration(&r.WriteTimeout, DefaultWriteTimeout)
	setInt(&r.MaxRequestLineBytes, DefaultMaxRequestLineBytes)
	setInt(&r.MaxHeaderBytes, DefaultMaxHeaderBytes)
	setInt(&r.MaxHeaderFields, DefaultMaxHeaderFields)
	setInt(&r.MaxChunkLineBytes, DefaultMaxChunkLineBytes)
	setInt(&r.MaxTrailerBytes, DefaultMaxTrailerBytes)
	if r.MaxBodyBytes == 0 {
		r.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if r.MaxDrainBytes == 0 {
		r.MaxDrainBytes = DefaultMaxDrainBytes
	}
	if r.MaxRequestLineBytes > r.MaxHeaderBytes {
		r.MaxHeaderBytes = r.MaxRequestLineBytes
	}
	if r.ErrorLog == nil {
		r.ErrorLog = slog.Default()
	}
	if r.BaseContext == nil {
		r.BaseContext = context.Background()
	}
	return r
}

func setDuration(d *time.Duration, def time.Duration) {
	if *d == 0 {
		*d = def
	}
}

func setInt(n *int, def int) {
	if *n <= 0 {
		*n = def
	}
}
