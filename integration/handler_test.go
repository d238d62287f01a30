package integration

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tophat-go/tophat/core"
)

const (
	// bigSize is the size of the large uploads and downloads: big enough
	// to cross every buffer and window of every transport many times.
	bigSize = 10 << 20
	// pieceSize is the write size of streamed downloads.
	pieceSize = 64 << 10
	// maxEcho bounds what /echo buffers.
	maxEcho = 1 << 20
)

// serverState is what the test handler saw, for tests to check against
// what their clients saw.
type serverState struct {
	active atomic.Int64 // /slow handlers running now

	mu       sync.Mutex
	started  map[string]bool  // /slow ids whose handler ran
	finished map[string]error // /slow ids and the error of their response
}

func newServerState() *serverState {
	return &serverState{started: make(map[string]bool), finished: make(map[string]error)}
}

// testHandler serves:
//
//	GET  /hello?n=X              "hello X"
//	POST /sha256                 hex SHA-256 of the body; X-Body-Bytes and X-Chunked say what arrived
//	POST /echo                   the body back
//	GET  /download?bytes=N&seed=S  N pattern bytes, streamed in 64 KiB writes
//	GET  /slow?id=X&ms=M         slowBody(X) after M ms, recorded in the state
func testHandler(st *serverState) core.Handler {
	return core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		q := req.Query()
		switch req.Path() {
		case "/hello":
			return w.SendString(200, "hello "+q.Get("n"))
		case "/sha256":
			h := sha256.New()
			n, err := io.Copy(h, req.Body())
			if err != nil {
				return w.SendString(400, err.Error())
			}
			w.Header().Set("X-Body-Bytes", strconv.FormatInt(n, 10))
			w.Header().Set("X-Chunked", strconv.FormatBool(req.Chunked()))
			return w.SendString(200, hex.EncodeToString(h.Sum(nil)))
		case "/echo":
			body, err := io.ReadAll(io.LimitReader(req.Body(), maxEcho))
			if err != nil {
				return w.SendString(400, err.Error())
			}
			return w.Send(200, body)
		case "/download":
			n, err1 := strconv.ParseInt(q.Get("bytes"), 10, 64)
			seed, err2 := strconv.ParseUint(q.Get("seed"), 10, 64)
			if err1 != nil || err2 != nil || n < 0 {
				return w.SendString(400, "bad bytes or seed")
			}
			s := w.Begin(200)
			// A failed write leaves the client a cut-off chunked body;
			// Finish reports why.
			_ = writePattern(s, seed, n)
			return s.Finish()
		case "/slow":
			id := q.Get("id")
			ms, _ := strconv.Atoi(q.Get("ms"))
			st.active.Add(1)
			defer st.active.Add(-1)
			st.mu.Lock()
			st.started[id] = true
			st.mu.Unlock()
			time.Sleep(time.Duration(ms) * time.Millisecond)
			rw := w.SendString(200, slowBody(id))
			st.mu.Lock()
			st.finished[id] = rw.Err()
			st.mu.Unlock()
			return rw
		}
		return w.SendString(404, "no route "+req.Path())
	})
}

// slowBody is /slow's answer, distinct per id so a response can never be
// mistaken for another request's.
func slowBody(id string) string { return strings.Repeat("slow:"+id+";", 32) }

// writePattern writes n deterministic pseudo-random bytes from seed to w in
// pieceSize writes. Server and client both use it, so they agree whatever
// the generator does with read sizes.
func writePattern(w io.Writer, seed uint64, n int64) error {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], seed)
	rng := rand.NewChaCha8(key)
	buf := make([]byte, pieceSize)
	for n > 0 {
		k := min(n, pieceSize)
		_, _ = rng.Read(buf[:k]) // ChaCha8.Read never fails
		if _, err := w.Write(buf[:k]); err != nil {
			return err
		}
		n -= k
	}
	return nil
}

type patternKey struct {
	seed uint64
	n    int64
}

var patternSums sync.Map // patternKey -> hex SHA-256

// patternSum returns the hex SHA-256 of writePattern's output.
func patternSum(seed uint64, n int64) string {
	k := patternKey{seed, n}
	if v, ok := patternSums.Load(k); ok {
		return v.(string)
	}
	h := sha256.New()
	_ = writePattern(h, seed, n)
	sum := hex.EncodeToString(h.Sum(nil))
	patternSums.Store(k, sum)
	return sum
}

// uploadBody is the 10 MiB request body, made once.
var uploadBody = sync.OnceValue(func() []byte {
	var b bytes.Buffer
	_ = writePattern(&b, 7, bigSize)
	return b.Bytes()
})

func uploadSum() string { return patternSum(7, bigSize) }
