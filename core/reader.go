package core

import (
	"bytes"
	"io"
)

// connReader buffers what a stream sends. A request head is parsed in place
// in its buffer, and the slices a Request hands out point into it, so the
// bytes of the current head are pinned: everything below floor stays where
// it is until the next request. Room for more input is made above the floor,
// or in a fresh buffer, never by moving pinned bytes.
type connReader struct {
	src   io.Reader
	buf   []byte
	r, w  int   // unread input is buf[r:w]
	floor int   // buf[:floor] is borrowed by the current request
	err   error // sticky read error of src
	// consumed counts the bytes read from src, so a timeout can tell a
	// stalled stream from one that moved since its deadline was set.
	consumed int64

	// A byte a background read took from src while a handler ran; it comes
	// before anything src still holds.
	stash    byte
	stashed  bool
	stashBuf [1]byte // what an idle stream reads into, having no buffer
}

// initialReadBuffer fits the heads of nearly all real requests, so a kept-
// alive stream reads each request with one read into a buffer it keeps.
const initialReadBuffer = 4 << 10

// maxEmptyReads bounds reads that return nothing and no error, as bufio does.
const maxEmptyReads = 100

func (cr *connReader) reset(src io.Reader) {
	cr.src = src
	if cr.buf == nil {
		cr.buf = make([]byte, initialReadBuffer)
	}
	cr.r, cr.w, cr.floor, cr.err, cr.stashed = 0, 0, 0, nil, false
}

func (cr *connReader) buffered() int { return cr.w - cr.r }

// pending reports whether input is known to be waiting: buffered, or
// stashed by a background read.
func (cr *connReader) pending() bool { return cr.w > cr.r || cr.stashed }

// unpin releases the current head, ready for the next request. Unread
// (pipelined) input stays where it is: moving it to the start after every
// request would copy a batch of n requests n/2 times over. fill moves it
// when the room left behind it runs short.
func (cr *connReader) unpin() {
	cr.floor = 0
	if cr.r == cr.w {
		cr.r, cr.w = 0, 0
	}
}

// fill reads at least one more byte into the buffer, making room above the
// floor if it must. want is the number of unread bytes the caller needs to
// hold at once; the buffer grows to hold it.
func (cr *connReader) fill(want int) error {
	if cr.err != nil && !cr.stashed {
		return cr.err
	}
	if cr.w == len(cr.buf) {
		switch {
		case cr.w-cr.r < want && len(cr.buf)-cr.floor < want+1:
			// Not enough room even after compaction: take a larger buffer.
			// The pinned bytes stay valid in the old one.
			size := 2 * len(cr.buf)
			for size < want+1 {
				size *= 2
			}
			nb := make([]byte, size)
			cr.w = copy(nb, cr.buf[cr.r:cr.w])
			cr.buf, cr.r, cr.floor = nb, 0, 0
		case cr.r > cr.floor:
			cr.w = cr.floor + copy(cr.buf[cr.floor:], cr.buf[cr.r:cr.w])
			cr.r = cr.floor
		default:
			return errBufferFull
		}
	} else if cr.r > cr.floor && len(cr.buf)-cr.w < len(cr.buf)/4 {
		// Little room left behind the unread bytes: move them down first,
		// so the read can take in a full batch.
		cr.w = cr.floor + copy(cr.buf[cr.floor:], cr.buf[cr.r:cr.w])
		cr.r = cr.floor
	}
	if cr.stashed {
		cr.buf[cr.w] = cr.stash
		cr.w++
		cr.stashed = false
		return nil
	}
	for range maxEmptyReads {
		n, err := cr.src.Read(cr.buf[cr.w:])
		cr.w += n
		cr.consumed += int64(n)
		if err != nil {
			cr.err = err
			if n > 0 {
				return nil
			}
			return err
		}
		if n > 0 {
			return nil
		}
	}
	cr.err = io.ErrNoProgress
	return cr.err
}

var errBufferFull = &ProtocolError{Status: 431, Reason: "buffer full"}

// errLineTooLong is what readLine returns when no line end arrives in time.
var errLineTooLong = &ProtocolError{Status: 400, Reason: "line too long"}

// readLine returns the next line including its LF, borrowed from the buffer
// until the next read. A line longer than max is errLineTooLong.
func (cr *connReader) readLine(max int) ([]byte, error) {
	scanned := 0
	for {
		if i := bytes.IndexByte(cr.buf[cr.r+scanned:cr.w], '\n'); i >= 0 {
			end := cr.r + scanned + i + 1
			if end-cr.r > max {
				return nil, errLineTooLong
			}
			line := cr.buf[cr.r:end]
			cr.r = end
			return line, nil
		}
		scanned = cr.w - cr.r
		if scanned > max {
			return nil, errLineTooLong
		}
		if err := cr.fill(min(max, scanned+512) + 1); err != nil {
			return nil, err
		}
	}
}

// Read reads buffered input first, and reads straight into p when the
// buffer is empty, so large bodies are copied once.
func (cr *connReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if cr.r < cr.w {
		n := copy(p, cr.buf[cr.r:cr.w])
		cr.r += n
		return n, nil
	}
	if cr.err != nil && !cr.stashed {
		return 0, cr.err
	}
	if len(p) >= len(cr.buf)-cr.floor && !cr.stashed {
		n, err := cr.src.Read(p)
		cr.consumed += int64(n)
		if err != nil {
			cr.err = err
		}
		return n, err
	}
	if err := cr.fill(1); err != nil {
		return 0, err
	}
	n := copy(p, cr.buf[cr.r:cr.w])
	cr.r += n
	return n, nil
}

// take returns and consumes up to n buffered bytes without reading.
func (cr *connReader) take(n int) []byte {
	n = min(n, cr.w-cr.r)
	b := cr.buf[cr.r : cr.r+n]
	cr.r += n
	return b
}
