//go:build linux

package unix_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/tophat-go/tophat/transports/unix"
)

func TestDefaultModeIsOwnerOnly(t *testing.T) {
	// A permissive umask must not loosen the default.
	old := syscall.Umask(0)
	defer syscall.Umask(old)

	path := sockPath(t)
	listen(t, path, nil)
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Type() != fs.ModeSocket {
		t.Fatalf("type = %v, want socket", fi.Mode().Type())
	}
	if got := fi.Mode().Perm(); got != 0o600 || unix.DefaultMode != 0o600 {
		t.Fatalf("mode = %#o, want 0600", got)
	}
}

func TestConfiguredModeIsExact(t *testing.T) {
	// A strict umask must not narrow the configured mode either.
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)

	for _, mode := range []os.FileMode{0o660, 0o666, 0o640} {
		dir := t.TempDir()
		path := filepath.Join(dir, "s.sock")
		ln := listen(t, path, &unix.Config{Mode: mode})
		fi, err := os.Lstat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != mode {
			t.Errorf("mode = %#o, want %#o", got, mode)
		}
		// The private staging directory is gone.
		if got := dirEntries(t, dir); !slices.Equal(got, []string{"s.sock"}) {
			t.Errorf("directory holds %q, want only the socket", got)
		}
		ln.Close()
	}
}

func TestInvalidMode(t *testing.T) {
	path := sockPath(t)
	for _, mode := range []os.FileMode{os.ModeSetuid | 0o600, os.ModeSticky | 0o666, os.ModeDir | 0o700} {
		_, err := unix.Listen(path, &unix.Config{Mode: mode})
		if !errors.Is(err, unix.ErrInvalidMode) {
			t.Errorf("mode %v: err = %v, want ErrInvalidMode", mode, err)
		}
	}
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a refused Listen left a file: %v", err)
	}
}

func TestInvalidAddress(t *testing.T) {
	long := "/" + strings.Repeat("a", 107) // 108 bytes: no room for the NUL
	for _, address := range []string{"", "@", "a\x00b", long, "@" + strings.Repeat("a", 108)} {
		if _, err := unix.Listen(address, nil); !errors.Is(err, unix.ErrInvalidAddress) {
			t.Errorf("Listen(%q): err = %v, want ErrInvalidAddress", address, err)
		}
		if _, err := unix.Dial(context.Background(), address, nil); !errors.Is(err, unix.ErrInvalidAddress) {
			t.Errorf("Dial(%q): err = %v, want ErrInvalidAddress", address, err)
		}
	}
}

func TestMissingDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope", "s.sock")
	if _, err := unix.Listen(path, nil); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("err = %v, want fs.ErrNotExist", err)
	}
}

func TestStaleSocketIsReplaced(t *testing.T) {
	path := sockPath(t)
	// A crashed server: its socket file outlives its listener.
	dead, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	dead.SetUnlinkOnClose(false)
	dead.Close()
	stale, err := os.Lstat(path)
	if err != nil {
		t.Fatalf("stale socket file missing: %v", err)
	}

	ln := listen(t, path, nil)
	now, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if os.SameFile(stale, now) {
		t.Fatal("the stale file was not replaced")
	}
	if now.Mode().Perm() != 0o600 {
		t.Fatalf("mode = %#o, want 0600", now.Mode().Perm())
	}
	roundtrip(t, ln, path)
}

func TestLiveSocketIsRefused(t *testing.T) {
	path := sockPath(t)
	owner, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the owner keeps accepting (and hanging up)
		defer wg.Done()
		for {
			c, err := owner.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	defer func() {
		owner.Close()
		wg.Wait()
	}()
	before, _ := os.Lstat(path)

	_, err = unix.Listen(path, nil)
	if !errors.Is(err, unix.ErrAddrInUse) || !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("err = %v, want ErrAddrInUse matching EADDRINUSE", err)
	}
	after, err := os.Lstat(path)
	if err != nil || !os.SameFile(before, after) {
		t.Fatalf("the live socket's file was disturbed: %v", err)
	}
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatalf("the owner no longer accepts: %v", err)
	}
	c.Close()
}

func TestOwnListenerIsRefused(t *testing.T) {
	path := sockPath(t)
	ln := listen(t, path, nil)
	if _, err := unix.Listen(path, nil); !isAddrInUse(err) {
		t.Fatalf("second Listen: err = %v, want ErrAddrInUse", err)
	}
	// The liveness probe reached the owner as a stream that hangs up at once.
	probe := accept(t, ln)
	if n, err := probe.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Fatalf("probe stream read %d, %v; want EOF", n, err)
	}
	roundtrip(t, ln, path)
}

func TestNonSocketIsRefusedAndKept(t *testing.T) {
	dir := t.TempDir()
	regular := filepath.Join(dir, "file")
	if err := os.WriteFile(regular, []byte("precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	subdir := filepath.Join(dir, "dir")
	if err := os.Mkdir(subdir, 0o700); err != nil {
		t.Fatal(err)
	}
	// A symbolic link to a stale socket is not followed, let alone removed.
	target := filepath.Join(dir, "stale.sock")
	dead, err := net.ListenUnix("unix", &net.UnixAddr{Name: target, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	dead.SetUnlinkOnClose(false)
	dead.Close()
	link := filepath.Join(dir, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}

	for _, path := range []string{regular, subdir, link} {
		if _, err := unix.Listen(path, nil); !errors.Is(err, unix.ErrNotSocket) {
			t.Errorf("Listen(%s): err = %v, want ErrNotSocket", filepath.Base(path), err)
		}
	}
	if b, err := os.ReadFile(regular); err != nil || string(b) != "precious" {
		t.Fatalf("regular file changed: %q, %v", b, err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode().Type() != fs.ModeSymlink {
		t.Fatalf("symlink changed: %v", err)
	}
	if _, err := os.Lstat(target); err != nil {
		t.Fatalf("symlink target removed: %v", err)
	}
	if got := dirEntries(t, dir); !slices.Equal(got, []string{"dir", "file", "link", "stale.sock"}) {
		t.Fatalf("directory holds %q", got)
	}
}

func TestCloseRemovesFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.sock")
	ln, err := unix.Listen(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ln.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("socket file survived Close: %v", err)
	}
	if err := ln.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if got := dirEntries(t, dir); len(got) != 0 {
		t.Fatalf("directory holds %q after Close", got)
	}
	if _, err := ln.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept after Close: err = %v, want net.ErrClosed", err)
	}
}

func TestCloseUnblocksAccept(t *testing.T) {
	path := sockPath(t)
	ln := listen(t, path, nil)
	errc := make(chan error, 1)
	go func() {
		_, err := ln.Accept()
		errc <- err
	}()
	ln.Close()
	err := <-errc
	if !errors.Is(err, net.ErrClosed) {
		t.Fatalf("err = %v, want net.ErrClosed", err)
	}
	// Errors name the address the user chose, not the staging path.
	if msg := err.Error(); !strings.Contains(msg, path) || strings.Contains(msg, ".tophat-unix-") {
		t.Fatalf("error names the wrong address: %v", err)
	}
}

func TestCloseKeepsReplacedFile(t *testing.T) {
	path := sockPath(t)
	first, err := unix.Listen(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	// Someone removes our file and starts their own server on the path.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	second := listen(t, path, nil)
	theirs, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}

	if err := first.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	now, err := os.Lstat(path)
	if err != nil || !os.SameFile(theirs, now) {
		t.Fatalf("Close removed a file that was no longer ours: %v", err)
	}
	roundtrip(t, second, path)

	second.Close()
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("second Close left its file: %v", err)
	}
}

func TestLongPath(t *testing.T) {
	// The longest path connect accepts; the staging path next to it is
	// longer than sun_path, which Listen must work around.
	dir := t.TempDir()
	name := strings.Repeat("d", 107-len(dir)-len("/")-len("/s.sock"))
	if len(name) < 1 {
		t.Skip("temporary directory path too long")
	}
	dir = filepath.Join(dir, name)
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "s.sock")
	if len(path) != 107 {
		t.Fatalf("len(path) = %d", len(path))
	}
	ln := listen(t, path, &unix.Config{Mode: 0o660})
	if fi, err := os.Lstat(path); err != nil || fi.Mode().Perm() != 0o660 {
		t.Fatalf("Lstat: %v, %v", fi, err)
	}
	if got := dirEntries(t, dir); !slices.Equal(got, []string{"s.sock"}) {
		t.Fatalf("directory holds %q", got)
	}
	roundtrip(t, ln, path)
	ln.Close()
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("socket file survived Close: %v", err)
	}
}

func TestAbstractName(t *testing.T) {
	cwd := t.TempDir()
	t.Chdir(cwd)
	name := abstractName(t)
	// Mode has no meaning for an abstract name and is ignored.
	ln := listen(t, name, &unix.Config{Mode: 0o666})
	if got := ln.Addr().String(); got != name {
		t.Fatalf("Addr = %q, want %q", got, name)
	}
	roundtrip(t, ln, name)

	if _, err := unix.Listen(name, nil); !isAddrInUse(err) || !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("second Listen: err = %v, want ErrAddrInUse", err)
	}
	if got := dirEntries(t, cwd); len(got) != 0 {
		t.Fatalf("an abstract socket created files: %q", got)
	}
	ln.Close()
	// The name is free again at once: nothing stale is left.
	again := listen(t, name, nil)
	again.Close()
}

func TestLiveDatagramSocketIsRefusedAndKept(t *testing.T) {
	// A stream connect to a live datagram socket fails with EPROTOTYPE, not
	// ECONNREFUSED: Listen cannot call it stale, so it must leave it alone.
	path := sockPath(t)
	other, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	before, _ := os.Lstat(path)

	_, err = unix.Listen(path, nil)
	if err == nil || !errors.Is(err, syscall.EPROTOTYPE) {
		t.Fatalf("err = %v, want a refusal wrapping EPROTOTYPE", err)
	}
	after, err := os.Lstat(path)
	if err != nil || !os.SameFile(before, after) {
		t.Fatalf("the datagram socket's file was disturbed: %v", err)
	}
}

func TestDialNothing(t *testing.T) {
	_, err := unix.Dial(context.Background(), sockPath(t), nil)
	if !errors.Is(err, syscall.ENOENT) {
		t.Fatalf("err = %v, want ENOENT", err)
	}
}

func TestConcurrentListenOneWinner(t *testing.T) {
	// However the racers interleave, exactly one owns the path and the rest
	// are told so, whether the path starts empty or holds a stale socket.
	t.Run("empty", func(t *testing.T) { raceListen(t, false) })
	t.Run("stale", func(t *testing.T) { raceListen(t, true) })
}

func raceListen(t *testing.T, stale bool) {
	const racers = 8
	dir := t.TempDir()
	path := filepath.Join(dir, "s.sock")
	if stale {
		dead, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
		if err != nil {
			t.Fatal(err)
		}
		dead.SetUnlinkOnClose(false)
		dead.Close()
	}
	var wg sync.WaitGroup
	lns := make([]*unix.Listener, racers)
	errs := make([]error, racers)
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lns[i], errs[i] = unix.Listen(path, nil)
		}()
	}
	wg.Wait()
	for _, ln := range lns {
		if ln != nil {
			t.Cleanup(func() { ln.Close() })
		}
	}
	var winner *unix.Listener
	for i, err := range errs {
		switch {
		case err == nil:
			if winner != nil {
				t.Fatal("two listeners own one path")
			}
			winner = lns[i]
		case !isAddrInUse(err):
			t.Errorf("loser: err = %v, want ErrAddrInUse", err)
		}
	}
	if winner == nil {
		t.Fatal("no racer won")
	}
	if got := dirEntries(t, dir); !slices.Equal(got, []string{"s.sock"}) {
		t.Fatalf("directory holds %q", got)
	}
	// The file at the path leads to the winner (probe streams queue first).
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatalf("winner unreachable: %v", err)
	}
	c.Close()
	winner.Close()
	if got := dirEntries(t, dir); len(got) != 0 {
		t.Fatalf("directory holds %q after Close", got)
	}
}
