package unix_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/tophat-go/tophat/transports/unix"
)

// These tests run on every system the package builds for.

// TestRelativePathRefused: one rule with package transports. A relative
// path would put server and client in different places whenever their
// working directories differ.
func TestRelativePathRefused(t *testing.T) {
	t.Chdir(t.TempDir())
	_, err := unix.Listen("relative.sock", nil)
	if !errors.Is(err, unix.ErrInvalidAddress) || !strings.Contains(err.Error(), "relative path; give an absolute one") {
		t.Errorf("Listen: %v", err)
	}
	if _, err := os.Lstat("relative.sock"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused Listen left a file: %v", err)
	}
	if _, err := unix.Dial(context.Background(), "relative.sock", nil); !errors.Is(err, unix.ErrInvalidAddress) {
		t.Errorf("Dial: %v", err)
	}
}

// TestModeErrorNamesTheBits: chmod's octal setuid bit is not a bit of
// os.FileMode, whose String would print a valid-looking -rwxrwxrwx.
func TestModeErrorNamesTheBits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.sock")
	for mode, says := range map[os.FileMode]string{
		0o4777:                 "0o4777 sets chmod's setuid bit 04000;",
		0o2770:                 "chmod's setgid bit 02000",
		0o1777:                 "chmod's sticky bit 01000",
		os.ModeSetuid | 0o600:  "os.ModeSetuid",
		os.ModeSetgid | 0o600:  "os.ModeSetgid",
		os.ModeSticky | 0o600:  "os.ModeSticky",
		os.ModeDir | 0o700:     "file type or other bits (d---------)",
		0o6777 | os.ModeSticky: "chmod's setuid bit 04000 and chmod's setgid bit 02000 and os.ModeSticky",
	} {
		_, err := unix.Listen(path, &unix.Config{Mode: mode})
		if !errors.Is(err, unix.ErrInvalidMode) || !strings.Contains(err.Error(), says) ||
			!strings.Contains(err.Error(), "permission bits only (0o777)") || strings.Contains(err.Error(), "rwx") {
			t.Errorf("mode %#o: %v; want ErrInvalidMode saying %q", uint32(mode), err, says)
		}
	}
}

func TestAbstractNamesOnlyOnLinux(t *testing.T) {
	if runtime.GOOS == "linux" || runtime.GOOS == "android" {
		t.Skip("abstract names work here; see TestAbstractName")
	}
	_, err := unix.Listen("@tophat-test", nil)
	if !errors.Is(err, unix.ErrInvalidAddress) || !errors.Is(err, errors.ErrUnsupported) ||
		!strings.Contains(err.Error(), "exist only on Linux") {
		t.Errorf("Listen(@name): %v", err)
	}
}

// TestPeerCredentialsPortable: where the system reports credentials they
// are ours; elsewhere the error says so in a way a handler can test.
func TestPeerCredentialsPortable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.sock")
	ln, err := unix.Listen(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := unix.Dial(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := ln.AcceptUnix()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cred, err := s.PeerCredentials()
	switch runtime.GOOS {
	case "linux", "darwin", "freebsd":
		if err != nil || cred.UID != uint32(os.Getuid()) {
			t.Errorf("PeerCredentials = %v, %v; want uid %d", cred, err, os.Getuid())
		}
	default:
		if !errors.Is(err, unix.ErrNoCredentials) || !errors.Is(err, errors.ErrUnsupported) {
			t.Errorf("PeerCredentials error %v, want ErrNoCredentials and errors.ErrUnsupported", err)
		}
	}
}
