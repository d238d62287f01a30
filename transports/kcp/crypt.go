package kcp

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"fmt"
	"sync"

	kcpgo "github.com/xtaci/kcp-go/v5"
)

// Key derivation parameters. Changing any of them changes every derived key,
// so peers built from different versions could no longer talk: they are
// part of the wire format.
const (
	// KeySalt is the fixed PBKDF2 salt. A fixed salt is what lets two
	// peers that share only a passphrase derive the same key; it does not
	// protect a weak passphrase, so use a long random one.
	KeySalt = "tophat-go/transports/kcp v1"
	// KeyIterations is the PBKDF2-HMAC-SHA256 iteration count. The cost is
	// paid once per Listen, Transport and Dial, never per packet.
	KeyIterations = 4096
	// keyLen selects AES-256.
	keyLen = 32
)

// DeriveKey returns the 32-byte AES-256 key that Config.Key derives:
// PBKDF2-HMAC-SHA256 of the passphrase with KeySalt and KeyIterations.
// Peers written in other languages can interoperate by deriving the same key
// and using kcp-go's AES packet format.
func DeriveKey(passphrase string) ([]byte, error) {
	key, err := pbkdf2.Key(sha256.New, passphrase, []byte(KeySalt), KeyIterations, keyLen)
	if err != nil {
		return nil, fmt.Errorf("kcp: deriving key: %w", err)
	}
	return key, nil
}

// newBlockCrypt returns nil (no encryption) for an empty passphrase.
func newBlockCrypt(passphrase string) (kcpgo.BlockCrypt, error) {
	if passphrase == "" {
		return nil, nil
	}
	key, err := DeriveKey(passphrase)
	if err != nil {
		return nil, err
	}
	first, err := kcpgo.NewAESBlockCrypt(key)
	if err != nil {
		return nil, fmt.Errorf("kcp: AES cipher: %w", err)
	}
	p := &pooledCrypt{}
	p.pool.New = func() any {
		// The key already made one cipher above, so this cannot fail.
		c, _ := kcpgo.NewAESBlockCrypt(key)
		return c
	}
	p.pool.Put(first)
	return p, nil
}

// pooledCrypt makes kcp-go's AES BlockCrypt safe for concurrent use. kcp-go
// hands a listener's one BlockCrypt to every session it accepts, and each
// session encrypts on its own goroutine, but the AES BlockCrypt keeps its
// CFB register in a buffer inside the value: two sessions encrypting at the
// same instant would corrupt each other's packets, which the peer would then
// drop as checksum errors. The race detector cannot see it (only assembly
// touches the buffer) and overlaps are rare on few cores, so each call simply
// borrows a private instance.
type pooledCrypt struct {
	pool sync.Pool
}

func (p *pooledCrypt) Encrypt(dst, src []byte) {
	c := p.pool.Get().(kcpgo.BlockCrypt)
	c.Encrypt(dst, src)
	p.pool.Put(c)
}

func (p *pooledCrypt) Decrypt(dst, src []byte) {
	c := p.pool.Get().(kcpgo.BlockCrypt)
	c.Decrypt(dst, src)
	p.pool.Put(c)
}
