package compress

import (
	"compress/gzip"
	"errors"
	"io"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
)

// An encoder is what the three libraries' writers have in common: Reset
// starts a new stream on another writer, keeping the large state (hash
// tables, history) that makes a new one expensive.
type encoder interface {
	io.WriteCloser
	Flush() error
	Reset(io.Writer)
}

// codings is the one table of the content codings this package speaks:
// its name in Accept-Encoding and Content-Encoding, and how to make an
// encoder at the levels of a (validated) Config.
var codings = []struct {
	name string
	new  func(c *Config) (encoder, error)
}{
	{"zstd", newZstd},
	{"br", newBrotli},
	{"gzip", newGzip},
}

// codingIndex returns the index of name in codings, or -1.
func codingIndex(name string) int {
	for i, c := range codings {
		if c.name == name {
			return i
		}
	}
	return -1
}

func newGzip(c *Config) (encoder, error) {
	level := c.GzipLevel
	if level == 0 {
		level = gzip.DefaultCompression
	}
	return gzip.NewWriterLevel(io.Discard, level)
}

func newBrotli(c *Config) (encoder, error) {
	level := c.BrotliLevel
	if level == 0 {
		level = DefaultBrotliLevel
	}
	return brotli.NewWriterOptions(io.Discard, brotli.WriterOptions{Quality: level, LGWin: windowLog}), nil
}

func newZstd(c *Config) (encoder, error) {
	level := c.ZstdLevel
	if level == 0 {
		level = 3
	}
	return zstd.NewWriter(nil,
		zstd.WithEncoderLevel(zstd.EncoderLevelFromZstd(level)),
		// One goroutine, the caller's: the encoder compresses during Write
		// and Flush and starts none of its own, so an encoder dropped from
		// an aborted response leaks nothing.
		zstd.WithEncoderConcurrency(1),
		zstd.WithWindowSize(1<<windowLog),
		// An empty streamed body still gets a valid frame, so a client
		// told Content-Encoding: zstd has something to decode.
		zstd.WithZeroFrames(true),
	)
}

// errBodyOver is the error of a write that reaches a pooled encoder after
// its response's body ended; the core never does it, so seeing it means a
// bug, not a client that went away.
var errBodyOver = errors.New("compress: write after the response body ended")

// A pooled is the writer a BodyFilter hands the core: an encoder whose
// output goes to the response through sink. It returns to its pool on a
// clean Close; after an error, or when the core drops the response without
// closing it, it is left to the garbage collector, so no encoder with a
// broken state is reused.
type pooled struct {
	enc  encoder
	sink sink
	pool *sync.Pool
}

// A sink lets an encoder keep one destination for life (Reset needs no
// new one per response) while each response points it at its own stream,
// and lets Close cut it off, so a pooled encoder holds no response.
type sink struct{ dst io.Writer }

func (s *sink) Write(p []byte) (int, error) {
	if s.dst == nil {
		return 0, errBodyOver
	}
	return s.dst.Write(p)
}

// start begins a compressed body written to dst.
func (p *pooled) start(dst io.Writer) {
	p.sink.dst = dst
	p.enc.Reset(&p.sink)
}

func (p *pooled) Write(b []byte) (int, error) { return p.enc.Write(b) }

// Flush pushes what the encoder holds to the response, so that what was
// written so far (a server-sent event) can be decoded by the client now.
func (p *pooled) Flush() error { return p.enc.Flush() }

// Close ends the compressed stream and gives the encoder back.
func (p *pooled) Close() error {
	err := p.enc.Close()
	p.sink.dst = nil
	if err == nil {
		p.pool.Put(p)
	}
	return err
}

// newPool returns a pool of encoders for coding i, after making one to
// find out whether c's levels are accepted.
func newPool(i int, c *Config) (*sync.Pool, error) {
	first, err := codings[i].new(c)
	if err != nil {
		return nil, err
	}
	pool := new(sync.Pool)
	pool.New = func() any {
		enc, err := codings[i].new(c)
		if err != nil {
			// The same Config made the first encoder without an error.
			panic("compress: " + codings[i].name + " encoder: " + err.Error())
		}
		return &pooled{enc: enc, pool: pool}
	}
	pool.Put(&pooled{enc: first, pool: pool})
	return pool, nil
}
