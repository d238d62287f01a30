package core

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"
)

// Options configure how a stream is served. The zero value is ready to use:
// every zero field takes the default named beside it. A negative duration
// disables that timeout. Sizes must not be negative, except where a field
// says what -1 means; Validate reports those that are.
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
	// It covers the blocked read alone: a handler may compute as long as it
	// likes between reads. Default 30s.
	BodyReadTimeout time.Duration
	// WriteTimeout bounds each write to the stream (an inactivity timeout,
	// so long streaming responses live as long as the client reads). It
	// covers the blocked write alone. Default 30s.
	//
	// On a stream with deadlines, every timeout may fire up to a quarter of
	// itself late, never early: a busy stream keeps a deadline that is close
	// enough instead of moving it for every request.
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
	// MaxBodyBytes limits a request body unless its handler sets another
	// limit with Request.SetBodyLimit: a body past it fails to read with
	// ErrBodyTooLarge, and the core answers 413. Default 32 MiB; -1 means
	// no limit.
	MaxBodyBytes int64
	// MaxBodyBytesCeiling is the most a handler may raise its request's
	// limit to with Request.SetBodyLimit (an upload route, say); a declared
	// Content-Length above it is answered 413 before any handler runs.
	// Default MaxBodyBytes; -1 means no ceiling.
	MaxBodyBytesCeiling int64
	// MaxChunkLineBytes limits one chunk-size line with its extensions.
	// Default 4 KiB (CWE-400: extensions are otherwise unbounded input).
	MaxChunkLineBytes int
	// MaxTrailerBytes limits the trailer section of a chunked body.
	// Default 8 KiB.
	MaxTrailerBytes int
	// MaxDrainBytes is how much unread request body the server reads and
	// discards after a handler returns so the stream can be kept alive;
	// past it the stream is closed instead. Default 256 KiB; -1 means never
	// drain, always close.
	MaxDrainBytes int64

	// AllowConnect hands CONNECT requests (authority-form) to the handler,
	// which may tunnel with ResponseWriter.Upgrade. Off: an origin server is
	// no proxy, and CONNECT is answered 501.
	AllowConnect bool
	// FoldContentLength accepts several Content-Length fields or a list
	// when all values are identical (RFC 9112 section 6.3 allows it). Off:
	// any repetition is answered 400, the stricter reading.
	FoldContentLength bool

	// FlushEachResponse writes every response to the stream as it is
	// completed. Off: a complete response to a pipelined request may wait
	// in the write buffer and leave with the next ones in one write (its
	// receipt then says Buffered), which is much faster for clients that
	// pipeline. Set it when every receipt must be of the wire.
	FlushEachResponse bool

	// ErrorLog receives what the core cannot report elsewhere: handlers
	// that panic (with their stack) or return no response. Default
	// slog.Default().
	ErrorLog *slog.Logger
	// OnReject, if set, is called for every request the core refuses (a
	// malformed head, a limit passed, a malformed or too large body, a
	// timeout while the head arrives), so access logs and metrics see them.
	// It runs on the serving goroutine before the stream closes.
	OnReject func(Rejection)
	// OnStream, if set, is called on the serving goroutine when the core
	// begins serving a stream and when it is done with it (after closing
	// it, or after a handler took it over), with the reason it ended. It
	// must not block: the stream's goroutine waits for it.
	OnStream func(StreamEvent)
	// BaseContext is the parent of every request's context. Default
	// context.Background(). Server sets one that is cancelled by Close.
	BaseContext context.Context
	// Go, if set, runs f on a new goroutine. The core then watches the
	// stream while a handler that asked for its Request.Context runs, and
	// cancels that context when the client closes the stream, as net/http
	// does. It needs a stream with SetReadDeadline that may be called while
	// another goroutine reads, as a net.Conn's may; a stream that cannot
	// (KCP sessions) says so with a method BackgroundReadable() bool that
	// returns false, and is not watched. Server sets Go; a ServeConn caller
	// may set it to func(f func()) { go f() }.
	Go func(f func())

	shutdown <-chan struct{} // set by Server: closed when Shutdown starts
}

// A Rejection describes a request the core refused.
type Rejection struct {
	// Status is the status of the answer, or would have been if the stream
	// could still carry one (see Answered).
	Status int
	// Reason says what was wrong.
	Reason string
	// Err is the *ProtocolError, for errors.Is against the sentinels.
	Err error
	// RequestLine is the request line when the head was parsed that far.
	RequestLine string
	// RemoteAddr is the peer's address if the stream knows it.
	RemoteAddr net.Addr
	// Answered reports whether the core sent the error response; it is
	// false when the handler's own response was already on the wire.
	Answered bool
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

// minChunkLineBytes is the smallest MaxChunkLineBytes that holds the size
// line of any chunk (16 hex digits and CRLF).
const minChunkLineBytes = 18

// Validate reports the first field of o that makes no sense: a negative
// size (other than the -1 that MaxBodyBytes and MaxDrainBytes accept), a
// request line limit above the head limit, a chunk line limit too short for
// a chunk size. A nil *Options is valid. ServeConn and Server.Serve refuse
// invalid options with the error Validate returns.
func (o *Options) Validate() error {
	if o == nil {
		return nil
	}
	for _, f := range []struct {
		name string
		n    int64
	}{
		{"MaxRequestLineBytes", int64(o.MaxRequestLineBytes)},
		{"MaxHeaderBytes", int64(o.MaxHeaderBytes)},
		{"MaxHeaderFields", int64(o.MaxHeaderFields)},
		{"MaxChunkLineBytes", int64(o.MaxChunkLineBytes)},
		{"MaxTrailerBytes", int64(o.MaxTrailerBytes)},
	} {
		if f.n < 0 {
			return fmt.Errorf("tophat: Options.%s is %d; want 0 for the default or a positive size", f.name, f.n)
		}
	}
	if o.MaxBodyBytes < -1 {
		return fmt.Errorf("tophat: Options.MaxBodyBytes is %d; want -1 (no limit), 0 (default) or a size", o.MaxBodyBytes)
	}
	if o.MaxBodyBytesCeiling < -1 {
		return fmt.Errorf("tophat: Options.MaxBodyBytesCeiling is %d; want -1 (no ceiling), 0 (MaxBodyBytes) or a size", o.MaxBodyBytesCeiling)
	}
	if o.MaxDrainBytes < -1 {
		return fmt.Errorf("tophat: Options.MaxDrainBytes is %d; want -1 (never drain), 0 (default) or a size", o.MaxDrainBytes)
	}
	if o.MaxChunkLineBytes > 0 && o.MaxChunkLineBytes < minChunkLineBytes {
		return fmt.Errorf("tophat: Options.MaxChunkLineBytes is %d; a chunk-size line needs at least %d", o.MaxChunkLineBytes, minChunkLineBytes)
	}
	d := o.withDefaults()
	if d.MaxBodyBytesCeiling >= 0 && (d.MaxBodyBytes < 0 || d.MaxBodyBytes > d.MaxBodyBytesCeiling) {
		return fmt.Errorf("tophat: Options.MaxBodyBytes (%d) is above MaxBodyBytesCeiling (%d)", d.MaxBodyBytes, d.MaxBodyBytesCeiling)
	}
	if d.MaxRequestLineBytes > d.MaxHeaderBytes {
		return fmt.Errorf("tophat: Options.MaxRequestLineBytes (%d) is above MaxHeaderBytes (%d), which the request line is part of",
			d.MaxRequestLineBytes, d.MaxHeaderBytes)
	}
	return nil
}

// withDefaults returns a copy of o with every zero field set to its
// default. It repairs nothing else: Validate refuses what is wrong.
func (o *Options) withDefaults() Options {
	var r Options
	if o != nil {
		r = *o
	}
	setDefault(&r.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	setDefault(&r.IdleTimeout, DefaultIdleTimeout)
	setDefault(&r.BodyReadTimeout, DefaultBodyReadTimeout)
	setDefault(&r.WriteTimeout, DefaultWriteTimeout)
	setDefault(&r.MaxRequestLineBytes, DefaultMaxRequestLineBytes)
	setDefault(&r.MaxHeaderBytes, DefaultMaxHeaderBytes)
	setDefault(&r.MaxHeaderFields, DefaultMaxHeaderFields)
	setDefault(&r.MaxChunkLineBytes, DefaultMaxChunkLineBytes)
	setDefault(&r.MaxTrailerBytes, DefaultMaxTrailerBytes)
	setDefault(&r.MaxBodyBytes, DefaultMaxBodyBytes)
	setDefault(&r.MaxBodyBytesCeiling, r.MaxBodyBytes)
	setDefault(&r.MaxDrainBytes, DefaultMaxDrainBytes)
	if r.ErrorLog == nil {
		r.ErrorLog = slog.Default()
	}
	if r.BaseContext == nil {
		r.BaseContext = context.Background()
	}
	return r
}

func setDefault[T time.Duration | int | int64](v *T, def T) {
	if *v == 0 {
		*v = def
	}
}
