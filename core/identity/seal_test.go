package identity_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tophat-go/tophat/core/identity"
)

// clock is a settable time for expiry tests.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func key(b byte) []byte {
	k := make([]byte, identity.KeySize)
	for i := range k {
		k[i] = b
	}
	return k
}

func newManager(t testing.TB, cfg identity.Config) *identity.Manager {
	t.Helper()
	m, err := identity.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSealOpen(t *testing.T) {
	c := newClock()
	m := newManager(t, identity.Config{Keys: [][]byte{key(1)}, Now: c.Now, MaxAge: time.Hour})
	want := identity.Identity{ID: "alice", IssuedAt: c.Now(), ExpiresAt: c.Now().Add(time.Hour)}
	v, err := m.Seal(want)
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.Open(v)
	if err != nil || got.ID != want.ID || !got.IssuedAt.Equal(want.IssuedAt) || !got.ExpiresAt.Equal(want.ExpiresAt) {
		t.Fatalf("Open = %+v, %v; want %+v", got, err, want)
	}
	if v2, _ := m.Seal(want); v2 == v {
		t.Fatal("two seals of one identity are equal: nonces repeat")
	}

	t.Run("every flipped bit is refused", func(t *testing.T) {
		raw, _ := base64.RawURLEncoding.DecodeString(v)
		for i := range raw {
			for bit := range 8 {
				tampered := append([]byte(nil), raw...)
				tampered[i] ^= 1 << bit
				if _, err := m.Open(base64.RawURLEncoding.EncodeToString(tampered)); !errors.Is(err, identity.ErrInvalid) {
					t.Fatalf("byte %d bit %d flipped: %v", i, bit, err)
				}
			}
		}
	})
	t.Run("malformed", func(t *testing.T) {
		for _, bad := range []string{"", "x", v[:len(v)-1], v + "A", v[:40], strings.ToUpper(v), v + "=", "!!!!",
			strings.Repeat("A", 10000)} {
			if _, err := m.Open(bad); !errors.Is(err, identity.ErrInvalid) {
				t.Errorf("Open(%.20q...) = %v, want ErrInvalid", bad, err)
			}
		}
	})
	t.Run("another cookie name", func(t *testing.T) {
		other := newManager(t, identity.Config{Keys: [][]byte{key(1)}, Now: c.Now, CookieName: "other"})
		if _, err := other.Open(v); !errors.Is(err, identity.ErrInvalid) {
			t.Fatalf("a value sealed for %s opened as %s: %v", m.CookieName(), other.CookieName(), err)
		}
	})
	t.Run("expired", func(t *testing.T) {
		c.Advance(time.Hour - time.Second)
		if _, err := m.Open(v); err != nil {
			t.Fatalf("a second before expiry: %v", err)
		}
		c.Advance(time.Second)
		if _, err := m.Open(v); !errors.Is(err, identity.ErrExpired) {
			t.Fatalf("at expiry: %v, want ErrExpired", err)
		}
	})
	t.Run("too long", func(t *testing.T) {
		if _, err := m.Seal(identity.Identity{ID: strings.Repeat("x", identity.MaxIDBytes+1)}); !errors.Is(err, identity.ErrIDTooLong) {
			t.Fatalf("Seal: %v", err)
		}
		long := identity.Identity{ID: strings.Repeat("x", identity.MaxIDBytes), ExpiresAt: c.Now().Add(time.Hour)}
		v, err := m.Seal(long)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.CookieName())+1+len(v) > 4096 {
			t.Fatalf("largest cookie is %d bytes, over browsers' 4096", len(m.CookieName())+1+len(v))
		}
		if got, err := m.Open(v); err != nil || got.ID != long.ID {
			t.Fatalf("largest identity does not open: %v", err)
		}
	})
}

// TestRotation: the newest key seals, older keys open until they are
// retired, and then their cookies are refused.
func TestRotation(t *testing.T) {
	c := newClock()
	k1, k2 := key(1), key(2)
	m := newManager(t, identity.Config{Keys: [][]byte{k1}, Now: c.Now})
	id := identity.Identity{ID: "bob", ExpiresAt: c.Now().Add(time.Hour)}
	old, _ := m.Seal(id)

	if err := m.SetKeys(k2, k1); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Open(old); err != nil {
		t.Fatalf("old cookie after rotation: %v", err)
	}
	fresh, _ := m.Seal(id)
	onlyK2 := newManager(t, identity.Config{Keys: [][]byte{k2}, Now: c.Now})
	onlyK1 := newManager(t, identity.Config{Keys: [][]byte{k1}, Now: c.Now})
	if _, err := onlyK2.Open(fresh); err != nil {
		t.Fatalf("new cookie not sealed with the newest key: %v", err)
	}
	if _, err := onlyK1.Open(fresh); !errors.Is(err, identity.ErrInvalid) {
		t.Fatalf("new cookie opens with the old key alone: %v", err)
	}

	if err := m.SetKeys(k2); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Open(old); !errors.Is(err, identity.ErrInvalid) {
		t.Fatalf("cookie of a retired key: %v, want ErrInvalid", err)
	}
	if _, err := m.Open(fresh); err != nil {
		t.Fatalf("cookie of the current key: %v", err)
	}
	for _, keys := range [][][]byte{nil, {k1[:16]}, {k1, k1}} {
		if err := m.SetKeys(keys...); err == nil {
			t.Errorf("SetKeys(%d keys) accepted", len(keys))
		}
	}
	if _, err := m.Open(fresh); err != nil {
		t.Fatalf("a refused SetKeys changed the keys: %v", err)
	}
}

func TestNewKey(t *testing.T) {
	a, b := identity.NewKey(), identity.NewKey()
	if len(a) != identity.KeySize || string(a) == string(b) {
		t.Fatalf("NewKey: %d bytes, equal twice: %v", len(a), string(a) == string(b))
	}
}

// fuzzSealed was sealed for "carol" by the Manager FuzzOpen makes, expiring
// an hour after newClock's time. It is a constant because the fuzzing
// engine runs the setup in every worker, and a value sealed there would
// differ per worker (nonces are random).
const fuzzSealed = "g0a_KZ0WFqXGfdvWhTSGQh3BUsPLcvKw2eKZlXE832pik6lqLyAGt3K_oe3zP9Sh3XqxOqHCKYH2IxQttJ0"

// FuzzOpen: no input panics, and nothing but the one value sealed for it
// opens: not a re-encoding of it, not a mutation.
func FuzzOpen(f *testing.F) {
	c := newClock()
	m := newManager(f, identity.Config{Keys: [][]byte{key(9), key(8)}, Now: c.Now})
	valid := fuzzSealed
	if id, err := m.Open(valid); err != nil || id.ID != "carol" {
		f.Fatalf("the sealed seed does not open: %+v, %v", id, err)
	}
	f.Add(valid)
	f.Add(valid[:len(valid)-2])
	f.Add(valid + "A")
	f.Add("")
	f.Add(strings.Repeat("A", 80))
	f.Add("AAAA====")
	f.Fuzz(func(t *testing.T, value string) {
		id, err := m.Open(value)
		if err == nil {
			if value != valid || id.ID != "carol" {
				t.Fatalf("forged value %q opened as %+v", value, id)
			}
			return
		}
		if !errors.Is(err, identity.ErrInvalid) {
			t.Fatalf("Open: %v", err)
		}
	})
}
