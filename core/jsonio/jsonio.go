package jsonio

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"strings"
	"sync"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/glitch"
)

// DefaultMaxBytes is the body limit of Decode: 1 MiB holds any API
// document a person writes, and keeps a request from costing the server
// more than that in memory (the decoded value costs a few times the text).
const DefaultMaxBytes = 1 << 20

// maxPooledBuffer is the largest buffer returned to the pool.
const maxPooledBuffer = 64 << 10

// Errors of Decode, wrapped in a *glitch.Error carrying the status; match
// them with errors.Is.
var (
	// ErrContentType is a body whose Content-Type is not JSON (415).
	ErrContentType = errors.New("jsonio: Content-Type is not JSON")
	// ErrTooLarge is a body over DecodeOptions.MaxBytes (413).
	ErrTooLarge = errors.New("jsonio: body over the limit")
	// ErrMalformed is a body that is not one JSON value, or does not fit
	// the target's types (400).
	ErrMalformed = errors.New("jsonio: malformed JSON body")
	// ErrUnknownField is a field the target does not have, refused under
	// DisallowUnknownFields (400).
	ErrUnknownField = errors.New("jsonio: unknown field")
	// ErrInvalidOptions is a DecodeOptions with a negative MaxBytes.
	ErrInvalidOptions = errors.New("jsonio: DecodeOptions.MaxBytes is negative")
)

// DecodeOptions configure Decode. The zero value is ready to use.
type DecodeOptions struct {
	// MaxBytes bounds the body; 0 means DefaultMaxBytes.
	MaxBytes int64
	// DisallowUnknownFields refuses object fields the target does not
	// have, so a typo in a client is an error rather than a silent
	// default.
	DisallowUnknownFields bool
	// AllowMissingContentType accepts a body without Content-Type as JSON,
	// for clients that send none (curl -d sets a form type, so this is
	// rarely what helps). A Content-Type that is present must still be JSON.
	AllowMissingContentType bool
}

var bufferPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func getBuffer() *bytes.Buffer { return bufferPool.Get().(*bytes.Buffer) }

func putBuffer(b *bytes.Buffer) {
	if b.Cap() > maxPooledBuffer {
		return
	}
	b.Reset()
	bufferPool.Put(b)
}

// Decode reads the request body as one JSON value into v.
func Decode(req *core.Request, v any, opts *DecodeOptions) error {
	var o DecodeOptions
	if opts != nil {
		o = *opts
	}
	if o.MaxBytes < 0 {
		return ErrInvalidOptions
	}
	if o.MaxBytes == 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if err := checkContentType(req.Header().Peek("Content-Type"), o.AllowMissingContentType); err != nil {
		return err
	}
	if req.ContentLength() > o.MaxBytes {
		return tooLarge(o.MaxBytes)
	}
	buf := getBuffer()
	defer putBuffer(buf)
	if n := req.ContentLength(); n > 0 {
		buf.Grow(int(n))
	}
	if _, err := buf.ReadFrom(io.LimitReader(req.Body(), o.MaxBytes+1)); err != nil {
		return readError(err)
	}
	if int64(buf.Len()) > o.MaxBytes {
		return tooLarge(o.MaxBytes)
	}
	data := buf.Bytes()
	if len(bytes.TrimSpace(data)) == 0 {
		return glitchOf(400, "the body is empty", fmt.Errorf("%w: empty body", ErrMalformed))
	}
	if !o.DisallowUnknownFields {
		// Unmarshal also refuses anything after the value.
		return decodeError(json.Unmarshal(data, v))
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return glitchOf(400, "malformed JSON", fmt.Errorf("%w: data after the value", ErrMalformed))
	}
	return nil
}

// checkContentType accepts application/json and every type with the
// +json structured syntax suffix (RFC 6839), with no charset but UTF-8
// (RFC 8259 section 8.1).
func checkContentType(field []byte, allowMissing bool) error {
	if len(field) == 0 {
		if allowMissing {
			return nil
		}
		return glitchOf(415, "the body must be JSON (Content-Type: application/json)", ErrContentType)
	}
	mediaType, params, err := mime.ParseMediaType(string(field))
	if err != nil || !(mediaType == "application/json" || strings.HasSuffix(mediaType, "+json")) {
		return glitchOf(415, "the body must be JSON (Content-Type: application/json)",
			fmt.Errorf("%w: %q", ErrContentType, field))
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return glitchOf(415, "JSON must be UTF-8", fmt.Errorf("%w: charset %q", ErrContentType, cs))
	}
	return nil
}

func tooLarge(limit int64) error {
	return glitchOf(413, "the body is too large", fmt.Errorf("%w of %d bytes", ErrTooLarge, limit))
}

// readError passes the core's body errors (413, 400: glitch.StatusOf reads
// them) and stream failures through.
func readError(err error) error {
	return fmt.Errorf("jsonio: reading the body: %w", err)
}

// decodeError maps encoding/json's errors to 400s, saying where, since a
// client can act on "field age: want number" but not on "bad request".
func decodeError(err error) error {
	if err == nil {
		return nil
	}
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	var invalid *json.InvalidUnmarshalError
	switch {
	case errors.As(err, &invalid):
		return glitch.Internal(fmt.Errorf("jsonio: %w", err)) // the handler passed a non-pointer
	case errors.As(err, &syntax):
		return glitchOf(400, fmt.Sprintf("malformed JSON at byte %d", syntax.Offset), fmt.Errorf("%w: %v", ErrMalformed, err))
	case errors.As(err, &typeErr):
		return glitchOf(400, fmt.Sprintf("field %s: want %s, got JSON %s", typeErr.Field, typeErr.Type, typeErr.Value),
			fmt.Errorf("%w: %v", ErrMalformed, err))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// encoding/json has no type for it; the text is documented API.
		return glitchOf(400, strings.TrimPrefix(err.Error(), "json: "), fmt.Errorf("%w: %v", ErrUnknownField, err))
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return glitchOf(400, "JSON ends too early", fmt.Errorf("%w: %v", ErrMalformed, err))
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return err
	}
	return glitchOf(400, "malformed JSON", fmt.Errorf("%w: %v", ErrMalformed, err))
}

// encoder is a pooled buffer with an encoder bound to it, so Send makes
// neither per call.
type encoder struct {
	buf bytes.Buffer
	enc *json.Encoder
}

var encoderPool = sync.Pool{New: func() any {
	e := &encoder{}
	e.enc = json.NewEncoder(&e.buf)
	return e
}}

// Send encodes v and sends it with status, Content-Type application/json
// (unless a JSON type is set already) and Content-Length. The body ends in
// a newline, as json.Encoder writes it. If v cannot be encoded nothing is
// sent, and the error (a 500 glitch) is returned with a zero receipt.
func Send(w *core.ResponseWriter, status int, v any) (core.ResponseWritten, error) {
	e := encoderPool.Get().(*encoder)
	defer func() {
		if e.buf.Cap() <= maxPooledBuffer {
			e.buf.Reset()
			encoderPool.Put(e)
		}
	}()
	if err := e.enc.Encode(v); err != nil {
		return core.ResponseWritten{}, glitch.Internal(fmt.Errorf("jsonio: encoding the response: %w", err))
	}
	if ct := w.Header().Get("Content-Type"); ct == "" || !isJSONType(ct) {
		w.Header().Set("Content-Type", "application/json")
	}
	// Send copies the body out before it returns, so the buffer can go
	// back to the pool.
	return w.Send(status, e.buf.Bytes()), nil
}

func isJSONType(ct string) bool {
	mediaType, _, _ := strings.Cut(ct, ";")
	mediaType = strings.TrimSpace(mediaType)
	return strings.EqualFold(mediaType, "application/json") || strings.HasSuffix(strings.ToLower(mediaType), "+json")
}

func glitchOf(status int, message string, cause error) error {
	return &glitch.Error{Status: status, Message: message, Cause: cause}
}
