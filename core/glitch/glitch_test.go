package glitch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/tophat-go/tophat/core"
)

var errDB = errors.New("db: connection refused")

func TestStatusOf(t *testing.T) {
	cases := []struct {
		name    string
		err     error
		status  int
		message string
	}{
		{"nil", nil, 200, ""},
		{"not found", NotFound("no such thing"), 404, "no such thing"},
		{"reason phrase", NotFound(""), 404, "Not Found"},
		{"bad request", BadRequest("bad id"), 400, "bad id"},
		{"unauthorized", Unauthorized(""), 401, "Unauthorized"},
		{"forbidden", Forbidden("admins only"), 403, "admins only"},
		{"conflict", Conflict("exists"), 409, "exists"},
		{"unprocessable", Unprocessable("age < 0"), 422, "age < 0"},
		{"too many", TooManyRequests(""), 429, "Too Many Requests"},
		{"internal hides cause", Internal(errDB), 500, "Internal Server Error"},
		{"unavailable", Unavailable(errDB), 503, "Service Unavailable"},
		{"wrapped", fmt.Errorf("loading: %w", Conflict("taken")), 409, "taken"},
		{"Wrap", Wrap(errDB, 502, "upstream failed"), 502, "upstream failed"},
		{"unknown status has a message", New(599, ""), 599, "Error"},
		{"status out of range", New(200, "fine?"), 500, "Internal Server Error"},
		{"body too large", core.ErrBodyTooLarge, 413, "request body larger than the limit"},
		{"body too large, wrapped", fmt.Errorf("decoding: %w", core.ErrBodyTooLarge), 413, "request body larger than the limit"},
		{"malformed chunk", core.ErrMalformedChunk, 400, "malformed chunked body"},
		{"truncated body", core.ErrBodyTruncated, 400, "stream ended inside the request body"},
		{"deadline", fmt.Errorf("query: %w", context.DeadlineExceeded), 503, "Service Unavailable"},
		{"plain error", errDB, 500, "Internal Server Error"},
		{"EOF", io.ErrUnexpectedEOF, 500, "Internal Server Error"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, message := classify(tc.err)
			if status != tc.status || message != tc.message {
				t.Errorf("classify = %d %q, want %d %q", status, message, tc.status, tc.message)
			}
			if StatusOf(tc.err) != tc.status {
				t.Errorf("StatusOf = %d, want %d", StatusOf(tc.err), tc.status)
			}
		})
	}
}

func TestErrorChain(t *testing.T) {
	err := fmt.Errorf("handler: %w", Wrap(errDB, 503, "try later"))
	if !errors.Is(err, errDB) {
		t.Error("errors.Is does not find the cause")
	}
	if !errors.Is(err, New(503, "")) || !errors.Is(err, New(503, "try later")) {
		t.Error("errors.Is does not match an Error by status and message")
	}
	if errors.Is(err, New(503, "other")) || errors.Is(err, NotFound("")) {
		t.Error("errors.Is matches an Error with another message or status")
	}
	var ge *Error
	if !errors.As(err, &ge) || ge.Status != 503 || ge.Cause != errDB {
		t.Errorf("errors.As = %+v", ge)
	}
	if got, want := Wrap(errDB, 503, "try later").Error(), "glitch: 503 try later: db: connection refused"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got, want := NotFound("").Error(), "glitch: 404 Not Found"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if Wrap(nil, 500, "x") != nil {
		t.Error("Wrap(nil) is not nil")
	}
}

func TestPrefersJSON(t *testing.T) {
	cases := []struct {
		accept []string
		json   bool
	}{
		{nil, false},
		{[]string{"*/*"}, false},
		{[]string{"application/json"}, true},
		{[]string{"application/problem+json"}, true},
		{[]string{"Application/JSON"}, true},
		{[]string{"text/plain"}, false},
		{[]string{"application/json, text/plain, */*"}, true}, // axios
		{[]string{"text/plain, application/json"}, false},
		{[]string{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}, false}, // a browser
		{[]string{"text/plain;q=0.5, application/json"}, true},
		{[]string{"application/json;q=0.5, text/plain"}, false},
		{[]string{"application/json;q=0"}, false},
		{[]string{"application/json;q=oops"}, false},
		{[]string{"application/*;q=0.9, text/*;q=0.8"}, true},
		{[]string{"text/plain;q=0.1", "application/json; charset=utf-8"}, true},
		{[]string{"image/png"}, false},
	}
	for _, tc := range cases {
		if got := prefersJSON(tc.accept); got != tc.json {
			t.Errorf("prefersJSON(%q) = %v, want %v", tc.accept, got, tc.json)
		}
	}
}
