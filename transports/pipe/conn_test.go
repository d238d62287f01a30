package pipe_test

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/nettest"

	"github.com/tophat-go/tophat/transports/pipe"
)

// failAfter is how long a test waits for something that should happen at
// once before it gives up; it bounds a broken test, it measures nothing.
const failAfter = 10 * time.Second

// TestNetConnConformance runs x/net's net.Conn test suite (deadlines, racy
// reads and writes, concurrent methods, close) over pipe pairs.
func TestNetConnConformance(t *testing.T) {
	nettest.TestConn(t, func() (c1, c2 net.Conn, stop func(), err error) {
		a, b := pipe.New(nil)
		return a, b, func() { a.Close(); b.Close() }, nil
	})
}

func TestNetConnConformanceSmallBuffer(t *testing.T) {
	nettest.TestConn(t, func() (c1, c2 net.Conn, stop func(), err error) {
		a, b := pipe.New(&pipe.Config{BufferSize: 7})
		return a, b, func() { a.Close(); b.Close() }, nil
	})
}

// sendRandom writes data in chunks of random size and then half-closes.
func sendRandom(c *pipe.Conn, data []byte, rng *rand.Rand) error {
	for len(data) > 0 {
		n := min(len(data), 1+rng.IntN(100_000))
		if _, err := c.Write(data[:n]); err != nil {
			return err
		}
		data = data[n:]
	}
	return c.CloseWrite()
}

// receiveRandom reads until io.EOF with reads of random size.
func receiveRandom(c *pipe.Conn, rng *rand.Rand) ([]byte, error) {
	var got []byte
	buf := make([]byte, 100_000)
	for {
		n, err := c.Read(buf[:1+rng.IntN(len(buf))])
		got = append(got, buf[:n]...)
		if err == io.EOF {
			return got, nil
		}
		if err != nil {
			return got, err
		}
	}
}

func TestIntegrityBothDirectionsConcurrently(t *testing.T) {
	// A one-byte buffer costs a wake-up per byte, so it carries less.
	for _, tc := range []struct{ size, payload int }{{0, 3 << 20}, {1, 50_000}, {1000, 1 << 20}, {pipe.DefaultBufferSize, 3 << 20}} {
		size := tc.size
		a, b := pipe.New(&pipe.Config{BufferSize: size})
		toB := make([]byte, tc.payload)
		toA := make([]byte, tc.payload*2/3+12345)
		seed := rand.New(rand.NewPCG(uint64(size), 1))
		for i := range toB {
			toB[i] = byte(seed.Uint32())
		}
		for i := range toA {
			toA[i] = byte(seed.Uint32())
		}
		var wg sync.WaitGroup
		var gotA, gotB []byte
		errs := make(chan error, 4)
		wg.Add(4)
		go func() { defer wg.Done(); errs <- sendRandom(a, toB, rand.New(rand.NewPCG(1, 2))) }()
		go func() { defer wg.Done(); errs <- sendRandom(b, toA, rand.New(rand.NewPCG(3, 4))) }()
		go func() {
			defer wg.Done()
			var err error
			gotB, err = receiveRandom(b, rand.New(rand.NewPCG(5, 6)))
			errs <- err
		}()
		go func() {
			defer wg.Done()
			var err error
			gotA, err = receiveRandom(a, rand.New(rand.NewPCG(7, 8)))
			errs <- err
		}()
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("buffer %d: %v", size, err)
			}
		}
		if !bytes.Equal(gotB, toB) {
			t.Errorf("buffer %d: a to b: got %d bytes, want %d identical bytes", size, len(gotB), len(toB))
		}
		if !bytes.Equal(gotA, toA) {
			t.Errorf("buffer %d: b to a: got %d bytes, want %d identical bytes", size, len(gotA), len(toA))
		}
		a.Close()
		b.Close()
	}
}

func requireTimeout(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("err = %v, want os.ErrDeadlineExceeded", err)
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("err = %v, want a net.Error with Timeout() true", err)
	}
}

func TestWriteCompletesIntoBufferWithoutReader(t *testing.T) {
	const size = 1024
	a, b := pipe.New(&pipe.Config{BufferSize: size})
	defer a.Close()
	defer b.Close()

	// Nobody reads b, yet writes up to the buffer size complete at once.
	for range 4 {
		if n, err := a.Write(make([]byte, size/4)); n != size/4 || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	// The buffer is full: a write cannot complete, and a deadline ends it.
	a.SetWriteDeadline(time.Now().Add(20 * time.Millisecond))
	n, err := a.Write([]byte{1})
	if n != 0 {
		t.Fatalf("Write into a full buffer wrote %d bytes", n)
	}
	requireTimeout(t, err)

	// Reading frees room for exactly what was read.
	if n, err := io.ReadFull(b, make([]byte, 100)); n != 100 || err != nil {
		t.Fatalf("ReadFull = %d, %v", n, err)
	}
	a.SetWriteDeadline(time.Now().Add(20 * time.Millisecond))
	n, err = a.Write(make([]byte, 150))
	if n != 100 {
		t.Fatalf("Write wrote %d bytes into 100 free, want 100", n)
	}
	requireTimeout(t, err)
}

func TestLargeWriteWaitsForReader(t *testing.T) {
	a, b := pipe.New(&pipe.Config{BufferSize: 10})
	defer a.Close()
	defer b.Close()
	payload := bytes.Repeat([]byte("0123456789"), 1000)
	done := make(chan error, 1)
	go func() {
		_, err := a.Write(payload)
		done <- err
	}()
	got := make([]byte, len(payload))
	if _, err := io.ReadFull(b, got); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, payload) {
		t.Fatal("payload corrupted")
	}
}

func TestReadReturnsWhatIsBuffered(t *testing.T) {
	a, b := pipe.New(nil)
	defer a.Close()
	defer b.Close()
	a.Write([]byte("abc"))
	buf := make([]byte, 100)
	n, err := b.Read(buf)
	if err != nil || string(buf[:n]) != "abc" {
		t.Fatalf("Read = %q, %v", buf[:n], err)
	}
	// Zero-length operations return at once and move nothing.
	if n, err := b.Read(nil); n != 0 || err != nil {
		t.Fatalf("Read(nil) = %d, %v", n, err)
	}
	if n, err := a.Write(nil); n != 0 || err != nil {
		t.Fatalf("Write(nil) = %d, %v", n, err)
	}
}

func TestReadDeadline(t *testing.T) {
	a, b := pipe.New(nil)
	defer a.Close()
	defer b.Close()

	// A deadline in the past fails reads at once, even with data buffered.
	a.Write([]byte("x"))
	b.SetReadDeadline(time.Now().Add(-time.Second))
	_, err := b.Read(make([]byte, 1))
	requireTimeout(t, err)

	// Moving it to the future makes reads work again.
	b.SetReadDeadline(time.Now().Add(time.Hour))
	if n, err := b.Read(make([]byte, 1)); n != 1 || err != nil {
		t.Fatalf("Read after extending = %d, %v", n, err)
	}

	// A deadline that passes ends a blocked read.
	b.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	_, err = b.Read(make([]byte, 1))
	requireTimeout(t, err)

	// Clearing it makes a read wait for data again.
	b.SetReadDeadline(time.Time{})
	go func() {
		time.Sleep(20 * time.Millisecond)
		a.Write([]byte("y"))
	}()
	if n, err := b.Read(make([]byte, 1)); n != 1 || err != nil {
		t.Fatalf("Read after clearing = %d, %v", n, err)
	}
}

func TestDeadlineMovedWhileBlocked(t *testing.T) {
	a, b := pipe.New(nil)
	defer a.Close()
	defer b.Close()

	const first = 300 * time.Millisecond
	b.SetReadDeadline(time.Now().Add(first))
	result := make(chan error, 1)
	go func() {
		_, err := b.Read(make([]byte, 1))
		result <- err
	}()
	// Extend the deadline while the read is blocked, then let the first
	// deadline pass: the read must still be waiting, and get the data.
	b.SetReadDeadline(time.Now().Add(time.Hour))
	time.Sleep(first + 100*time.Millisecond)
	a.Write([]byte("z"))
	if err := <-result; err != nil {
		t.Fatalf("read after its deadline was extended: %v", err)
	}

	// Bringing the deadline into the past wakes a blocked read.
	b.SetReadDeadline(time.Time{})
	go func() {
		_, err := b.Read(make([]byte, 1))
		result <- err
	}()
	time.Sleep(20 * time.Millisecond)
	b.SetReadDeadline(time.Now())
	select {
	case err := <-result:
		requireTimeout(t, err)
	case <-time.After(failAfter):
		t.Fatal("read not woken by a deadline set into the past")
	}
}

func TestWriteDeadline(t *testing.T) {
	a, b := pipe.New(&pipe.Config{BufferSize: 4})
	defer a.Close()
	defer b.Close()

	a.SetWriteDeadline(time.Now().Add(-time.Second))
	n, err := a.Write([]byte("ab"))
	if n != 0 {
		t.Fatalf("Write past deadline wrote %d", n)
	}
	requireTimeout(t, err)

	a.SetWriteDeadline(time.Now().Add(20 * time.Millisecond))
	n, err = a.Write([]byte("abcdef"))
	if n != 4 {
		t.Fatalf("Write wrote %d, want the 4 that fit", n)
	}
	requireTimeout(t, err)

	// Cleared: a blocked write waits for the reader and completes.
	a.SetDeadline(time.Time{})
	go func() {
		time.Sleep(20 * time.Millisecond)
		io.ReadFull(b, make([]byte, 4))
	}()
	if n, err := a.Write([]byte("gh")); n != 2 || err != nil {
		t.Fatalf("Write after clearing = %d, %v", n, err)
	}
}

func TestClose(t *testing.T) {
	a, b := pipe.New(nil)
	a.Write([]byte("last words"))
	b.Write([]byte("never read"))
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}

	// The peer drains, then reads io.EOF; its writes fail.
	got, err := io.ReadAll(b)
	if err != nil || string(got) != "last words" {
		t.Fatalf("peer ReadAll = %q, %v", got, err)
	}
	if _, err := b.Write([]byte("x")); !errors.Is(err, io.ErrClosedPipe) {
		t.Fatalf("peer Write = %v, want io.ErrClosedPipe", err)
	}
	// The closed end refuses everything.
	if _, err := a.Read(make([]byte, 1)); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Read after Close = %v", err)
	}
	if _, err := a.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Write after Close = %v", err)
	}
	if err := a.SetDeadline(time.Now()); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("SetDeadline after Close = %v", err)
	}
	if err := a.CloseWrite(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("CloseWrite after Close = %v", err)
	}
	if err := a.Close(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("second Close = %v", err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestCloseWakesPendingOperations(t *testing.T) {
	a, b := pipe.New(&pipe.Config{BufferSize: 1})
	a.Write([]byte("a")) // a→b is now full
	b.Write([]byte("b")) // b→a is now full

	type result struct {
		name string
		err  error
	}
	results := make(chan result, 4)
	blocked := func(name string, op func() error) {
		go func() { results <- result{name, op()} }()
	}
	// Both writes block on full buffers; closing a ends its own write and
	// breaks b's, whose bytes nobody will read.
	blocked("a write", func() error { _, err := a.Write([]byte("x")); return err })
	blocked("b write", func() error { _, err := b.Write([]byte("y")); return err })
	time.Sleep(20 * time.Millisecond)
	a.Close()

	want := map[string]error{"a write": net.ErrClosed, "b write": io.ErrClosedPipe}
	for range 2 {
		select {
		case r := <-results:
			if !errors.Is(r.err, want[r.name]) {
				t.Errorf("%s = %v, want %v", r.name, r.err, want[r.name])
			}
		case <-time.After(failAfter):
			t.Fatal("Close did not wake a blocked write")
		}
	}

	// Both reads block on empty buffers; closing c ends its own read and
	// gives d the end of the stream.
	c, d := pipe.New(nil)
	blocked("c read", func() error { _, err := c.Read(make([]byte, 1)); return err })
	blocked("d read", func() error { _, err := d.Read(make([]byte, 1)); return err })
	time.Sleep(20 * time.Millisecond)
	c.Close()
	want = map[string]error{"c read": net.ErrClosed, "d read": io.EOF}
	for range 2 {
		select {
		case r := <-results:
			if !errors.Is(r.err, want[r.name]) {
				t.Errorf("%s = %v, want %v", r.name, r.err, want[r.name])
			}
		case <-time.After(failAfter):
			t.Fatal("Close did not wake a blocked read")
		}
	}
	b.Close()
	d.Close()
}

func TestCloseWrite(t *testing.T) {
	a, b := pipe.New(nil)
	defer a.Close()
	defer b.Close()

	a.Write([]byte("request"))
	if err := a.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	if err := a.CloseWrite(); err != nil {
		t.Fatalf("second CloseWrite = %v", err)
	}
	if _, err := a.Write([]byte("more")); !errors.Is(err, pipe.ErrWriteShutdown) {
		t.Fatalf("Write after CloseWrite = %v, want ErrWriteShutdown", err)
	}
	got, err := io.ReadAll(b)
	if err != nil || string(got) != "request" {
		t.Fatalf("peer ReadAll = %q, %v", got, err)
	}
	// The other direction still works both ways round.
	b.Write([]byte("response"))
	b.CloseWrite()
	got, err = io.ReadAll(a)
	if err != nil || string(got) != "response" {
		t.Fatalf("ReadAll after own CloseWrite = %q, %v", got, err)
	}
}

func TestConcurrentClose(t *testing.T) {
	a, b := pipe.New(nil)
	const closers = 8
	errs := make(chan error, 2*closers)
	var wg sync.WaitGroup
	for range closers {
		wg.Add(2)
		go func() { defer wg.Done(); errs <- a.Close() }()
		go func() { defer wg.Done(); errs <- b.Close() }()
	}
	wg.Wait()
	close(errs)
	succeeded := 0
	for err := range errs {
		if err == nil {
			succeeded++
		} else if !errors.Is(err, net.ErrClosed) {
			t.Errorf("Close = %v", err)
		}
	}
	if succeeded != 2 {
		t.Errorf("%d Close calls succeeded, want one per end", succeeded)
	}
}

func TestAddr(t *testing.T) {
	a, b := pipe.New(nil)
	defer a.Close()
	defer b.Close()
	for _, addr := range []net.Addr{a.LocalAddr(), a.RemoteAddr(), b.LocalAddr(), b.RemoteAddr()} {
		if addr.Network() != "pipe" || addr.String() != "pipe" {
			t.Errorf("addr = %s %s", addr.Network(), addr)
		}
	}
}

func BenchmarkThroughput(b *testing.B) {
	for _, chunk := range []int{512, 32 << 10} {
		b.Run(strconv.Itoa(chunk), func(b *testing.B) {
			w, r := pipe.New(nil)
			defer r.Close()
			drained := make(chan error, 1)
			go func() {
				_, err := io.Copy(io.Discard, r)
				drained <- err
			}()
			buf := make([]byte, chunk)
			b.SetBytes(int64(chunk))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := w.Write(buf); err != nil {
					b.Fatal(err)
				}
			}
			w.Close()
			if err := <-drained; err != nil {
				b.Fatal(err)
			}
		})
	}
}
