package core

import (
	"bytes"
	"errors"
	"io"
	"net/http/httputil"
	"testing"
)

// FuzzChunkedReader runs the chunked decoder alone over arbitrary input.
// Whatever it accepts, net/http's decoder accepts too, with the same data;
// it never reads past the end of the body, so what follows (a pipelined
// request) is left for the next reader; and every error it makes is one of
// its documented kinds.
func FuzzChunkedReader(f *testing.F) {
	for _, s := range []string{
		"0\r\n\r\nGET / HTTP/1.1\r\n",
		"5\r\nhello\r\n0\r\n\r\n",
		"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\n",
		"2;a=\"b\\\"c\"\r\nhi\r\n0\r\n\r\n",
		"5 ;a\r\nhello\r\n0\r\n\r\n",
		"5 \r\nhello\r\n0\r\n\r\n",
		"1;a=\"\\\r\"\r\nx\r\n0\r\n\r\n",
		"0\r\n\n",
		"ffffffffffffffff\r\n",
		"3\r\nhello\r\n",
		"5\r\nhel",
		"5\r\nhello\r\n0\r\n",
		"5\r\nhello\r\n0\r\nX: y\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		r := &connReader{}
		r.reset(bytes.NewReader(input))
		var req Request
		var d chunkedReader
		d.reset(r, chunkLimits{maxLine: 64, maxBody: 1 << 16, maxTrailer: 256, maxFields: 8}, &req)
		got, err := io.ReadAll(&d)
		if err != nil {
			var pe *ProtocolError
			if errors.As(err, &pe) {
				if !errors.Is(err, ErrMalformedChunk) && !errors.Is(err, ErrBodyTooLarge) && pe.Status != 431 && pe.Status != 400 {
					t.Fatalf("undocumented error %v", err)
				}
				return
			}
			if err != io.ErrUnexpectedEOF {
				t.Fatalf("error %v from a bytes.Reader", err)
			}
			return
		}
		if d.state != chunkDone {
			t.Fatalf("read as complete before the last chunk: %q", input)
		}
		consumed := len(input) - r.buffered()
		if rest, ok := bytes.CutPrefix(input, input[:consumed]); !ok || !bytes.Equal(rest, r.buf[r.r:r.w]) {
			t.Fatalf("read past the body: consumed %d of %q", consumed, input)
		}
		want, err := io.ReadAll(httputil.NewChunkedReader(bytes.NewReader(input[:consumed])))
		if err != nil {
			t.Fatalf("accepted %q as %q; net/http refuses it: %v", input[:consumed], got, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("read %q, net/http %q, from %q", got, want, input[:consumed])
		}
	})
}

func TestChunkOverheadBound(t *testing.T) {
	// Small chunks without extensions are fine however many there are.
	var small bytes.Buffer
	for range 10000 {
		small.WriteString("1\r\nx\r\n")
	}
	small.WriteString("0\r\n\r\n")
	for name, tt := range map[string]struct {
		input string
		ok    bool
	}{
		"many one-byte chunks":    {small.String(), true},
		"extensions paid by data": {string(bytes.Repeat([]byte("400;"+string(bytes.Repeat([]byte("e"), 1000))+"\r\n"+string(bytes.Repeat([]byte("d"), 1024))+"\r\n"), 50)) + "0\r\n\r\n", true},
		"extensions without data": {string(bytes.Repeat([]byte("1;"+string(bytes.Repeat([]byte("e"), 1000))+"\r\nx\r\n"), 50)) + "0\r\n\r\n", false},
	} {
		t.Run(name, func(t *testing.T) {
			r := &connReader{}
			r.reset(bytes.NewReader([]byte(tt.input)))
			var d chunkedReader
			d.reset(r, chunkLimits{maxLine: 4096, maxBody: -1, maxTrailer: 256, maxFields: 8}, nil)
			_, err := io.ReadAll(&d)
			if tt.ok != (err == nil) {
				t.Fatalf("err %v, want ok=%v", err, tt.ok)
			}
			if !tt.ok && !errors.Is(err, ErrMalformedChunk) {
				t.Fatalf("err %v does not match ErrMalformedChunk", err)
			}
		})
	}
}

// TestTruncatedChunkedBody: a chunked body that the stream ends anywhere
// before its last chunk and trailers reads as truncated, never as whole.
func TestTruncatedChunkedBody(t *testing.T) {
	whole := "5\r\nhello\r\n0\r\nX: y\r\n\r\n"
	for cut := 0; cut < len(whole); cut++ {
		r := &connReader{}
		r.reset(bytes.NewReader([]byte(whole[:cut])))
		var d chunkedReader
		d.reset(r, chunkLimits{maxLine: 64, maxBody: -1, maxTrailer: 256, maxFields: 8}, nil)
		if _, err := io.ReadAll(&d); err != io.ErrUnexpectedEOF {
			t.Errorf("cut after %d bytes %q: err %v, want io.ErrUnexpectedEOF", cut, whole[:cut], err)
		}
	}
}
