package compress_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/compress"
	"github.com/tophat-go/tophat/transports/pipe"
)

// encodings are the codings the middleware speaks, in the defaults' order.
var encodings = []string{"zstd", "br", "gzip"}

// text is a body that compresses, unlike random bytes, and that no two
// lengths make equal by chance.
func text(n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, `{"id":%d,"name":"item %d","tags":["a","b"]}`+"\n", i, i*7)
	}
	return b.String()[:n]
}

// decoder returns a reader of what r holds in the content coding enc,
// written with the decoders of the libraries (zstd's and brotli's) or the
// standard library (gzip's), none of which shares code with the encoders
// but the format.
func decoder(enc string, r io.Reader) (io.Reader, func(), error) {
	switch enc {
	case "gzip":
		zr, err := gzip.NewReader(r)
		return zr, func() {}, err
	case "br":
		return brotli.NewReader(r), func() {}, nil
	case "zstd":
		// One goroutine: the decoder reads no further than the block it
		// decodes, so a flushed block is returned without waiting for more.
		zr, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, nil, err
		}
		return zr, zr.Close, nil
	case "", "identity":
		return r, func() {}, nil
	}
	return nil, nil, fmt.Errorf("unknown coding %q", enc)
}

// decode returns body decoded from the coding enc.
func decode(enc string, body []byte) ([]byte, error) {
	r, done, err := decoder(enc, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	defer done()
	return io.ReadAll(r)
}

// serve serves h on a pipe listener until the test ends, and returns a
// client that sees the bytes as sent: Go's transport neither asks for nor
// undoes compression.
func serve(t *testing.T, h core.Handler) *http.Client {
	t.Helper()
	l, err := pipe.Listen("", nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := &core.Server{Handler: h}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	tr := l.Client().Transport.(*http.Transport).Clone()
	tr.DisableCompression = true
	client := &http.Client{Transport: tr}
	t.Cleanup(func() {
		client.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			srv.Close()
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-served; !errors.Is(err, core.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	return client
}

// get sends a GET (or another method) with Accept-Encoding accept and
// returns the response with its body read whole.
func get(t *testing.T, client *http.Client, method, url, accept string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if accept != "" {
		req.Header.Set("Accept-Encoding", accept)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, url, err)
	}
	return resp, body
}

func mustNew(t testing.TB, cfg compress.Config) core.Middleware {
	t.Helper()
	mw, err := compress.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return mw
}
