package glitch

import (
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"

	"github.com/tophat-go/tophat/core"
)

// A HandlerFunc is a handler that may fail: it answers and returns the
// ResponseWritten, or returns an error for the Responder to answer. It is a
// core.Handler through the default Responder.
type HandlerFunc func(req *core.Request, w *core.ResponseWriter) (core.ResponseWritten, error)

// Serve calls f and answers its error with the zero Responder: logs on
// slog.Default, no cause sent.
func (f HandlerFunc) Serve(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
	return defaultResponder.Handle(f).Serve(req, w)
}

var defaultResponder Responder

// A Responder turns errors into responses. The zero value is ready to use.
type Responder struct {
	// Logger receives one record per error: level Error for a 5xx, Info
	// for a 4xx. nil means slog.Default().
	Logger *slog.Logger
	// Verbose sends the private cause to the client too ("cause" in a
	// problem document, a second line in text). For development only: a
	// cause can reveal internals.
	Verbose bool
}

// Handle adapts f to a core.Handler whose errors r answers.
func (r *Responder) Handle(f HandlerFunc) core.Handler {
	return core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		rw, err := f(req, w)
		if err == nil {
			return rw
		}
		return r.Respond(req, w, rw, err)
	})
}

// headersToDrop describe a body the handler meant to send, not the error
// that replaced it, so they go before the error is answered. Others
// (Allow, Retry-After, WWW-Authenticate, CORS fields) stay, since a handler
// sets them for the error.
var headersToDrop = []string{
	"Content-Type", "Content-Length", "Content-Encoding", "Content-Range",
	"Content-Disposition", "Content-Language", "ETag", "Last-Modified",
}

// Respond answers err on w and logs it, and returns the ResponseWritten the
// handler must return. If the response was already sent (w.Sent), it only
// logs and returns rw, the handler's own receipt: a response cannot be taken
// back. A nil err returns rw unchanged.
func (r *Responder) Respond(req *core.Request, w *core.ResponseWriter, rw core.ResponseWritten, err error) core.ResponseWritten {
	if err == nil {
		return rw
	}
	status, message := classify(err)
	sent := w.Sent()
	r.log(req, err, status, sent)
	if sent {
		return rw
	}
	h := w.Header()
	for _, name := range headersToDrop {
		h.Del(name)
	}
	h.Set("X-Content-Type-Options", "nosniff")
	cause := ""
	if r.Verbose {
		cause = err.Error()
	}
	if prefersJSON(req.Header().Values("Accept")) {
		h.Set("Content-Type", "application/problem+json")
		return w.Send(status, problemJSON(status, message, req.Path(), cause))
	}
	h.Set("Content-Type", "text/plain; charset=utf-8")
	text := message + "\n"
	if cause != "" {
		text += "cause: " + cause + "\n"
	}
	return w.SendString(status, text)
}

func (r *Responder) log(req *core.Request, err error, status int, sent bool) {
	logger := r.Logger
	if logger == nil {
		logger = slog.Default()
	}
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	attrs := []slog.Attr{
		slog.String("method", req.Method()),
		slog.String("target", req.Target()),
		slog.Int("status", status),
		slog.String("err", err.Error()),
	}
	if p := req.Pattern(); p != "" {
		attrs = append(attrs, slog.String("pattern", p))
	}
	msg := "glitch: request failed"
	if sent {
		msg = "glitch: request failed after its response was sent"
	}
	// Not req.Context: it would be made just for the log, and the handler's
	// return has cancelled it or is about to.
	logger.LogAttrs(context.Background(), level, msg, attrs...)
}

// problem is an RFC 9457 problem document. "about:blank" says the status
// alone explains the problem; "title" is then its reason phrase.
type problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
	Cause    string `json:"cause,omitempty"` // an extension member, sent only when verbose
}

func problemJSON(status int, message, path, cause string) []byte {
	title := core.StatusText(status)
	p := problem{Type: "about:blank", Title: title, Status: status, Instance: path, Cause: cause}
	if message != title {
		p.Detail = message
	}
	b, err := json.Marshal(p)
	if err != nil {
		// Strings and ints always marshal; this guards the impossible.
		return []byte(`{"type":"about:blank","status":` + strconv.Itoa(status) + `}`)
	}
	return append(b, '\n')
}

// prefersJSON reads the Accept fields: JSON wins when a JSON media range
// (application/problem+json, application/json, application/*) has a higher
// q than any text one (text/plain, text/html, text/*), or the same q and
// comes first. */* alone prefers text, the format any client can read.
func prefersJSON(accept []string) bool {
	jsonQ, textQ := -1.0, -1.0
	jsonFirst := false
	for _, field := range accept {
		for _, r := range strings.Split(field, ",") {
			mediaType, params, _ := strings.Cut(r, ";")
			mediaType = strings.ToLower(strings.TrimSpace(mediaType))
			q := quality(params)
			switch mediaType {
			case "application/problem+json", "application/json", "application/*":
				if q > jsonQ {
					jsonQ = q
					jsonFirst = jsonFirst || textQ < q
				}
			case "text/plain", "text/html", "text/*", "*/*":
				if q > textQ {
					textQ = q
				}
			}
		}
	}
	return jsonQ > 0 && (jsonQ > textQ || jsonQ == textQ && jsonFirst)
}

// quality returns the q parameter of a media range (1 without one, 0 if
// malformed, which RFC 9110 reads as "not acceptable").
func quality(params string) float64 {
	for _, p := range strings.Split(params, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
			q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil || q < 0 || q > 1 {
				return 0
			}
			return q
		}
	}
	return 1
}

var _ core.Handler = HandlerFunc(nil)
