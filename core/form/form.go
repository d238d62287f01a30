package form

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/textproto"
	"net/url"
	"os"
	"sync"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/glitch"
)

// Default limits, chosen so a default Parse never holds more than a few
// tens of MiB for one request whatever the client sends.
const (
	// DefaultMaxMemory is how much of the uploaded files is kept in memory
	// before they spill to disk: net/http's customary 32 MiB is for one
	// process serving a few users; 8 MiB leaves room for many at once.
	DefaultMaxMemory = 8 << 20
	// DefaultMaxFileBytes bounds one file, the core's default body limit.
	DefaultMaxFileBytes = core.DefaultMaxBodyBytes
	// DefaultMaxValueBytes bounds all values together (urlencoded bodies
	// and the non-file parts): 10 MiB, net/http's figure.
	DefaultMaxValueBytes = 10 << 20
	// DefaultMaxFields bounds the number of values (net/url's own count).
	DefaultMaxFields = 1000
	// DefaultMaxParts bounds multipart parts, files included, as
	// mime/multipart's ReadForm does (CVE-2023-24536: each part costs a
	// header map even when empty).
	DefaultMaxParts = 1000
)

// Errors Parse and Parts return, wrapped in a *glitch.Error that carries
// the status (413, 400, 415); match them with errors.Is.
var (
	// ErrTooLarge is a body past one of the Limits.
	ErrTooLarge = errors.New("form: body past a limit")
	// ErrMalformed is a body that does not parse.
	ErrMalformed = errors.New("form: malformed body")
	// ErrNotForm is a Content-Type that is no form encoding.
	ErrNotForm = errors.New("form: Content-Type is not a form encoding")
	// ErrInvalidLimits is a Limits with a negative field.
	ErrInvalidLimits = errors.New("form: invalid Limits")
)

// Limits bound what parsing a form may cost. A zero field takes the
// default named beside it; a negative one is refused.
type Limits struct {
	// MaxMemory is how many bytes of files are held in memory; the rest go
	// to temporary files. Default DefaultMaxMemory.
	MaxMemory int64
	// MaxFileBytes bounds each file. Default DefaultMaxFileBytes.
	MaxFileBytes int64
	// MaxValueBytes bounds all values together, names included, which
	// are always held in memory. Default DefaultMaxValueBytes.
	MaxValueBytes int64
	// MaxFields bounds the number of values. Default DefaultMaxFields.
	MaxFields int
	// MaxParts bounds the parts of a multipart body. Default DefaultMaxParts.
	MaxParts int
	// TempDir holds the temporary files; "" means os.TempDir().
	TempDir string
}

// Validate reports a negative limit, naming it.
func (l *Limits) Validate() error {
	switch {
	case l == nil:
		return nil
	case l.MaxMemory < 0:
		return fmt.Errorf("%w: MaxMemory %d", ErrInvalidLimits, l.MaxMemory)
	case l.MaxFileBytes < 0:
		return fmt.Errorf("%w: MaxFileBytes %d", ErrInvalidLimits, l.MaxFileBytes)
	case l.MaxValueBytes < 0:
		return fmt.Errorf("%w: MaxValueBytes %d", ErrInvalidLimits, l.MaxValueBytes)
	case l.MaxFields < 0:
		return fmt.Errorf("%w: MaxFields %d", ErrInvalidLimits, l.MaxFields)
	case l.MaxParts < 0:
		return fmt.Errorf("%w: MaxParts %d", ErrInvalidLimits, l.MaxParts)
	}
	return nil
}

func (l *Limits) withDefaults() Limits {
	var d Limits
	if l != nil {
		d = *l
	}
	d.MaxMemory = orDefault(d.MaxMemory, DefaultMaxMemory)
	d.MaxFileBytes = orDefault(d.MaxFileBytes, DefaultMaxFileBytes)
	d.MaxValueBytes = orDefault(d.MaxValueBytes, DefaultMaxValueBytes)
	d.MaxFields = int(orDefault(int64(d.MaxFields), DefaultMaxFields))
	d.MaxParts = int(orDefault(int64(d.MaxParts), DefaultMaxParts))
	return d
}

func orDefault(v, def int64) int64 {
	if v == 0 {
		return def
	}
	return v
}

// A Form is a parsed form body.
type Form struct {
	// Value holds the values by name, in the order they came.
	Value url.Values
	// File holds the files of a multipart body by field name.
	File map[string][]*File

	mu    sync.Mutex
	temps []string
	stop  func() bool
}

// A File is an uploaded file, in memory or in a temporary file.
type File struct {
	// Filename is the name the client gave, as sent: never use it as a
	// path without cleaning it.
	Filename string
	// Header holds the part's header fields (Content-Type, ...).
	Header textproto.MIMEHeader
	// Size is the file's length in bytes.
	Size int64

	content []byte
	path    string
}

// Open opens the file for reading. A spilled file can be opened only
// until the form's files are removed.
func (f *File) Open() (multipart.File, error) {
	if f.path == "" {
		return sectionReadCloser{io.NewSectionReader(bytes.NewReader(f.content), 0, f.Size)}, nil
	}
	return os.Open(f.path)
}

type sectionReadCloser struct{ *io.SectionReader }

func (sectionReadCloser) Close() error { return nil }

// RemoveAll removes the form's temporary files now, rather than when the
// request's context ends. It may be called more than once.
func (f *Form) RemoveAll() error {
	f.mu.Lock()
	temps := f.temps
	f.temps = nil
	stop := f.stop
	f.mu.Unlock()
	if stop != nil {
		stop()
	}
	var errs []error
	for _, p := range temps {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Parse reads the request body as a form, urlencoded or multipart by its
// Content-Type, within limits (nil for the defaults). Temporary files are
// removed when the request's context ends (see the package documentation).
func Parse(req *core.Request, limits *Limits) (*Form, error) {
	if err := limits.Validate(); err != nil {
		return nil, err
	}
	l := limits.withDefaults()
	mediaType, params, err := mime.ParseMediaType(req.Header().Get("Content-Type"))
	switch {
	case err != nil && req.Header().Get("Content-Type") != "":
		return nil, glitchOf(400, "malformed Content-Type", fmt.Errorf("%w: %v", ErrMalformed, err))
	case mediaType == "application/x-www-form-urlencoded":
		f := &Form{Value: url.Values{}}
		return f, parseURLEncodedBody(req.Body(), f.Value, &l)
	case mediaType == "multipart/form-data":
		boundary := params["boundary"]
		if boundary == "" {
			return nil, glitchOf(400, "multipart body without a boundary", ErrMalformed)
		}
		f := &Form{Value: url.Values{}, File: map[string][]*File{}}
		if err := f.readMultipart(multipart.NewReader(req.Body(), boundary), &l); err != nil {
			f.RemoveAll()
			return nil, err
		}
		if len(f.temps) > 0 {
			f.stop = context.AfterFunc(req.Context(), func() { f.RemoveAll() })
		}
		return f, nil
	}
	return nil, glitchOf(415, "the body must be a form", ErrNotForm)
}

// Parts returns a reader of the parts of a multipart/form-data body, for
// handlers that process each part as it arrives. Nothing is held or
// limited beyond the core's body limit: the handler reads each part and
// decides.
func Parts(req *core.Request) (*multipart.Reader, error) {
	mediaType, params, err := mime.ParseMediaType(req.Header().Get("Content-Type"))
	if err != nil || mediaType != "multipart/form-data" {
		return nil, glitchOf(415, "the body must be multipart/form-data", ErrNotForm)
	}
	if params["boundary"] == "" {
		return nil, glitchOf(400, "multipart body without a boundary", ErrMalformed)
	}
	return multipart.NewReader(req.Body(), params["boundary"]), nil
}

func (f *Form) readMultipart(mr *multipart.Reader, l *Limits) error {
	valueBudget, memoryBudget := l.MaxValueBytes, l.MaxMemory
	fields, parts := 0, 0
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return bodyError(err)
		}
		if parts++; parts > l.MaxParts {
			return glitchOf(413, "too many parts", fmt.Errorf("%w: more than %d parts", ErrTooLarge, l.MaxParts))
		}
		name := part.FormName()
		if name == "" {
			continue // not a form field (RFC 7578 section 4.2 requires a name); skipped
		}
		if part.FileName() == "" {
			if fields++; fields > l.MaxFields {
				return glitchOf(413, "too many fields", fmt.Errorf("%w: more than %d fields", ErrTooLarge, l.MaxFields))
			}
			valueBudget -= int64(len(name))
			value, err := readAtMost(part, valueBudget)
			if err != nil {
				return err
			}
			valueBudget -= int64(len(value))
			f.Value[name] = append(f.Value[name], string(value))
			continue
		}
		file, err := f.readFile(part, l, &memoryBudget)
		if err != nil {
			return err
		}
		f.File[name] = append(f.File[name], file)
	}
}

// readFile reads one file part, in memory while memoryBudget lasts, then
// into a temporary file.
func (f *Form) readFile(part *multipart.Part, l *Limits, memoryBudget *int64) (*File, error) {
	file := &File{Filename: part.FileName(), Header: part.Header}
	inMemory := min(*memoryBudget, l.MaxFileBytes)
	buf, err := io.ReadAll(io.LimitReader(part, inMemory+1))
	if err != nil {
		return nil, bodyError(err)
	}
	if int64(len(buf)) <= inMemory {
		*memoryBudget -= int64(len(buf))
		file.content, file.Size = buf, int64(len(buf))
		return file, nil
	}
	tmp, err := os.CreateTemp(l.TempDir, "tophat-form-*")
	if err != nil {
		return nil, glitch.Internal(fmt.Errorf("form: creating a temporary file: %w", err))
	}
	f.mu.Lock()
	f.temps = append(f.temps, tmp.Name())
	f.mu.Unlock()
	file.path = tmp.Name()
	n, err := tmp.Write(buf)
	if err == nil {
		var m int64
		m, err = io.Copy(tmp, io.LimitReader(part, l.MaxFileBytes-int64(n)+1))
		file.Size = int64(n) + m
	}
	if closeErr := tmp.Close(); err == nil && closeErr != nil {
		err = glitch.Internal(fmt.Errorf("form: writing a temporary file: %w", closeErr))
	}
	if err != nil {
		return nil, bodyError(err)
	}
	if file.Size > l.MaxFileBytes {
		return nil, glitchOf(413, "file too large", fmt.Errorf("%w: a file over %d bytes", ErrTooLarge, l.MaxFileBytes))
	}
	return file, nil
}

// readAtMost reads r whole, failing with 413 past budget bytes.
func readAtMost(r io.Reader, budget int64) ([]byte, error) {
	if budget < 0 {
		budget = 0
	}
	b, err := io.ReadAll(io.LimitReader(r, budget+1))
	if err != nil {
		return nil, bodyError(err)
	}
	if int64(len(b)) > budget {
		return nil, glitchOf(413, "form values too large", fmt.Errorf("%w: values over the limit", ErrTooLarge))
	}
	return b, nil
}

// bodyError classifies a failure while reading: the core's own body errors
// (413, 400), glitches and stream failures pass as they are; anything else
// comes from mime/multipart and means a malformed body.
func bodyError(err error) error {
	var pe *core.ProtocolError
	var ge *glitch.Error
	if errors.As(err, &pe) || errors.As(err, &ge) || errors.Is(err, core.ErrResponseOver) {
		return err
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return err // the stream failed (a timeout): not the client's syntax
	}
	return glitchOf(400, "malformed multipart body", fmt.Errorf("%w: %v", ErrMalformed, err))
}

func glitchOf(status int, message string, cause error) error {
	return &glitch.Error{Status: status, Message: message, Cause: cause}
}
