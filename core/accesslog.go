package core

import (
	"context"
	"log/slog"
)

// AccessLog returns a middleware that logs one line per request at level
// Info on logger (slog.Default() if nil), from what the ResponseWritten
// reports: method, target, status, head and body bytes, time to first and
// last byte, whether the response was only buffered (see
// ResponseWritten.Buffered), the remote address when the stream knows it,
// and the write error, if any, at level Warn.
func AccessLog(logger *slog.Logger) Middleware {
	return func(next Handler) Handler {
		return HandlerFunc(func(req *Request, w *ResponseWriter) ResponseWritten {
			rw := next.Serve(req, w)
			l := logger
			if l == nil {
				l = slog.Default()
			}
			level := slog.LevelInfo
			if rw.Err() != nil {
				level = slog.LevelWarn
			}
			ctx := context.Background()
			if !l.Enabled(ctx, level) {
				return rw
			}
			attrs := []slog.Attr{
				slog.String("method", req.Method()),
				slog.String("target", string(req.TargetBytes())),
				slog.String("proto", req.Proto()),
				slog.Int("status", rw.Status()),
				slog.Int64("head_bytes", rw.HeadBytes()),
				slog.Int64("body_bytes", rw.BodyBytes()),
				slog.Duration("ttfb", rw.TimeToFirstByte()),
				slog.Duration("ttlb", rw.Duration()),
			}
			if rw.Buffered() {
				attrs = append(attrs, slog.Bool("buffered", true))
			}
			if addr := req.RemoteAddr(); addr != nil {
				attrs = append(attrs, slog.String("remote", addr.String()))
			}
			if rw.Err() != nil {
				attrs = append(attrs, slog.String("err", rw.Err().Error()))
			}
			l.LogAttrs(ctx, level, "request", attrs...)
			return rw
		})
	}
}
