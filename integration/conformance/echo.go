package conformance

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/router"
)

// Echo builds the body of an echo answer. Header and trailer names are
// written in lower case so that servers that canonicalize names (net/http)
// and servers that keep them (tophat) produce the same lines.
type Echo struct {
	b strings.Builder
}

// Line adds one "key=value" line.
func (e *Echo) Line(key, value string) {
	e.b.WriteString(key)
	e.b.WriteByte('=')
	e.b.WriteString(value)
	e.b.WriteByte('\n')
}

// Field adds a "header name=value" or "trailer name=value" line.
func (e *Echo) Field(kind, name, value string) {
	e.Line(kind+" "+strings.ToLower(name), value)
}

// Body adds the body's length, the body itself when it is short and
// printable, and its SHA-256.
func (e *Echo) Body(body []byte) {
	e.Line("body-len", fmt.Sprint(len(body)))
	if len(body) <= 64 && printable(body) {
		e.Line("body", string(body))
	}
	sum := sha256.Sum256(body)
	e.Line("body-sha256", hex.EncodeToString(sum[:8]))
}

// String returns the echo body.
func (e *Echo) String() string { return e.b.String() }

func printable(b []byte) bool {
	for _, c := range b {
		if c < ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}

// BodyLimit is the body limit every server under test is given, so that
// the 413 cases mean the same thing for each.
const BodyLimit = 1 << 20

// routed lists the routes of the router cases: GET (and so HEAD), PUT and
// DELETE on /r/item, GET on the subtree /r/tree/.
var routed = []string{"GET /r/item", "PUT /r/item", "DELETE /r/item", "GET /r/tree/"}

// EchoTophat is the handler the suite runs tophat with: the echo of every
// request, and a core/router for paths under /r/.
func EchoTophat() core.Handler {
	rt := router.New()
	for _, p := range routed {
		rt.HandleFunc(p, echoTophat)
	}
	return core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		if strings.HasPrefix(req.Path(), "/r/") {
			return rt.Serve(req, w)
		}
		return echoTophat(req, w)
	})
}

func echoTophat(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
	body, err := io.ReadAll(req.Body())
	if err != nil {
		var pe *core.ProtocolError
		if errors.As(err, &pe) {
			return w.SendString(pe.Status, pe.Reason+"\n")
		}
		return w.SendString(500, err.Error()+"\n")
	}
	var e Echo
	e.Line("method", req.Method())
	e.Line("target", req.Target())
	e.Line("host", req.Host())
	e.Line("proto", req.Proto())
	for name, value := range req.Header().All() {
		e.Field("header", string(name), string(value))
	}
	e.Body(body)
	for name, value := range req.Trailer().All() {
		e.Field("trailer", string(name), string(value))
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	return w.SendString(200, e.String())
}

// EchoNetHTTP is the same echo for net/http, with a ServeMux for /r/.
// net/http moves Host and Transfer-Encoding out of Request.Header and keeps
// no field order, so its header lines come in the map's sorted order with
// those two missing; comparisons take that into account (see Fields).
func EchoNetHTTP() http.Handler {
	mux := http.NewServeMux()
	for _, p := range routed {
		mux.HandleFunc(p, echoNetHTTP)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/r/") {
			mux.ServeHTTP(w, r)
			return
		}
		echoNetHTTP(w, r)
	})
}

func echoNetHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, BodyLimit))
	if err != nil {
		status := 400
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			status = 413
		}
		w.Header().Set("Connection", "close")
		http.Error(w, err.Error(), status)
		return
	}
	var e Echo
	e.Line("method", r.Method)
	e.Line("target", r.RequestURI)
	e.Line("host", r.Host)
	e.Line("proto", r.Proto)
	for _, name := range sortedKeys(r.Header) {
		for _, v := range r.Header[name] {
			e.Field("header", name, v)
		}
	}
	e.Body(body)
	for _, name := range sortedKeys(r.Trailer) {
		for _, v := range r.Trailer[name] {
			e.Field("trailer", name, v)
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, e.String())
}

func sortedKeys(h http.Header) []string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
