package identity

import (
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"golang.org/x/crypto/chacha20poly1305"
)

// MaxIDBytes limits Identity.ID so that the sealed cookie stays well inside
// the 4096 bytes per cookie that browsers keep (RFC 6265 section 6.1).
const MaxIDBytes = 2048

// A sealed value is base64url (no padding) of nonce ‖ AEAD(plaintext), and
// the plaintext is version ‖ issued ‖ expires ‖ ID, the times in Unix
// seconds, big-endian. The cookie's name is the additional data, so a value
// sealed for one cookie does not open as another.
const (
	sealVersion  = 1
	headerBytes  = 1 + 8 + 8
	nonceBytes   = chacha20poly1305.NonceSizeX
	tagBytes     = chacha20poly1305.Overhead
	maxRawBytes  = nonceBytes + tagBytes + headerBytes + MaxIDBytes
	maxValueSize = (maxRawBytes*8 + 5) / 6 // base64 without padding
)

// Errors of sealing and opening, and of loading an identity.
var (
	// ErrNoIdentity means the request carries no identity cookie.
	ErrNoIdentity = errors.New("identity: no identity")
	// ErrInvalid is the error of a value that none of the keys opens: it was
	// tampered with, sealed for another cookie, or sealed with a key that
	// has been retired.
	ErrInvalid = errors.New("identity: cookie is not authentic or its key is retired")
	// ErrExpired is the error of an authentic value past its expiry.
	ErrExpired = errors.New("identity: identity expired")
	// ErrIDTooLong is the error of sealing an ID longer than MaxIDBytes.
	ErrIDTooLong = errors.New("identity: ID longer than MaxIDBytes")
)

// An Identity is who a request comes from, as the application named them at
// log in.
type Identity struct {
	// ID names the user, as the application chose (a user id, a session
	// id, a small JSON document). It is encrypted: the client cannot read
	// or change it.
	ID string
	// IssuedAt is when the identity was sealed (log in), to the second.
	IssuedAt time.Time
	// ExpiresAt is when it stops being accepted, to the second.
	ExpiresAt time.Time
}

// NewKey returns a fresh random key for Config.Keys.
func NewKey() []byte {
	k := make([]byte, KeySize)
	rand.Read(k) // never fails (crypto/rand documents so)
	return k
}

func newAEADs(keys [][]byte) ([]cipher.AEAD, error) {
	if len(keys) == 0 {
		return nil, fmt.Errorf("identity: no keys")
	}
	if err := checkKeys(keys); err != nil {
		return nil, err
	}
	aeads := make([]cipher.AEAD, len(keys))
	for i, k := range keys {
		a, err := chacha20poly1305.NewX(k)
		if err != nil {
			return nil, fmt.Errorf("identity: Config.Keys[%d]: %w", i, err)
		}
		aeads[i] = a
	}
	return aeads, nil
}

// seal encrypts id with aead under a random nonce (XChaCha20's 192-bit
// nonces make collisions negligible without any counter to keep).
func seal(aead cipher.AEAD, ad []byte, id Identity) (string, error) {
	if len(id.ID) > MaxIDBytes {
		return "", ErrIDTooLong
	}
	plain := make([]byte, headerBytes, headerBytes+len(id.ID))
	plain[0] = sealVersion
	binary.BigEndian.PutUint64(plain[1:], uint64(id.IssuedAt.Unix()))
	binary.BigEndian.PutUint64(plain[9:], uint64(id.ExpiresAt.Unix()))
	plain = append(plain, id.ID...)
	raw := make([]byte, nonceBytes, nonceBytes+len(plain)+tagBytes)
	rand.Read(raw)
	raw = aead.Seal(raw, raw, plain, ad)
	return base64.RawURLEncoding.EncodeToString(raw), nil
}

// open decrypts value with the first of aeads that authenticates it and
// checks its expiry against now.
func open(aeads []cipher.AEAD, ad []byte, value string, now time.Time) (Identity, error) {
	if len(value) > maxValueSize {
		return Identity{}, ErrInvalid
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(value)
	if err != nil || len(raw) < nonceBytes+tagBytes+headerBytes {
		return Identity{}, ErrInvalid
	}
	nonce, sealed := raw[:nonceBytes], raw[nonceBytes:]
	for _, aead := range aeads {
		plain, err := aead.Open(nil, nonce, sealed, ad)
		if err != nil {
			continue
		}
		if plain[0] != sealVersion {
			return Identity{}, ErrInvalid
		}
		id := Identity{
			IssuedAt:  time.Unix(int64(binary.BigEndian.Uint64(plain[1:])), 0),
			ExpiresAt: time.Unix(int64(binary.BigEndian.Uint64(plain[9:])), 0),
			ID:        string(plain[headerBytes:]),
		}
		if !now.Before(id.ExpiresAt) {
			return Identity{}, ErrExpired
		}
		return id, nil
	}
	return Identity{}, ErrInvalid
}
