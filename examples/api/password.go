package main

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2Params are the cost of argon2id. They are stored in each hash,
// so raising them later leaves existing hashes verifiable.
type Argon2Params struct {
	Time    uint32 // passes over memory
	Memory  uint32 // KiB
	Threads uint8
}

// DefaultArgon2 is RFC 9106's second recommended choice (section 4), for
// servers that cannot spend 2 GiB per hash: 3 passes over 64 MiB.
var DefaultArgon2 = Argon2Params{Time: 3, Memory: 64 << 10, Threads: 2}

const (
	saltBytes = 16 // RFC 9106: 128 bits of salt
	keyBytes  = 32
)

var errBadHash = errors.New("api: malformed password hash")

// hashPassword returns password's argon2id hash in the PHC string format
// that other implementations read: $argon2id$v=19$m=…,t=…,p=…$salt$key.
func hashPassword(password string, p Argon2Params) string {
	salt := make([]byte, saltBytes)
	rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, keyBytes)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// checkPassword reports whether password matches hash, with the
// parameters stored in the hash, comparing in constant time.
func checkPassword(password, hash string) (bool, error) {
	fields := strings.Split(hash, "$") // "", "argon2id", "v=19", "m=…,t=…,p=…", salt, key
	if len(fields) != 6 || fields[0] != "" || fields[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	var p Argon2Params
	if _, err := fmt.Sscanf(fields[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	if _, err := fmt.Sscanf(fields[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return false, errBadHash
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(fields[4])
	key, err2 := base64.RawStdEncoding.DecodeString(fields[5])
	if err1 != nil || err2 != nil || len(key) == 0 {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}
