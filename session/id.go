package session

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"slices"
	"sync"
)

// idBytes is the amount of randomness in a session ID: 256 bits, twice the
// 128 bits OWASP asks for ("Session ID Entropy"), so guessing a live ID is
// out of the question however many sessions exist.
const idBytes = 32

// idLength is the length of an ID as it appears in the cookie: idBytes in
// unpadded base64url.
var idLength = base64.RawURLEncoding.EncodedLen(idBytes)

// newID returns a fresh session ID from crypto/rand.
func newID() (string, error) {
	b := make([]byte, idBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("new session ID: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// validID reports whether s has the exact shape of an ID that newID makes.
// The cookie is input from the outside world: checking it first means that
// no malformed value, however long or strange, ever reaches the store or the
// file system.
func validID(s string) bool {
	if len(s) != idLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	// 43 base64 characters carry 258 bits; in a real ID the last two are
	// zero. Strict decoding refuses the three other spellings of each ID.
	_, err := base64.RawURLEncoding.Strict().DecodeString(s)
	return err == nil
}

// A namer names sessions anywhere outside their cookie: in file names and
// in logs. A name is the HMAC-SHA-256 of the ID under a server key, in hex,
// so it cannot be turned back into the ID, nor checked against a guessed ID
// by someone who can read the session directory but not the key.
//
// Every page view names its session once. Setting up an HMAC for the key
// (two SHA-256 states and five allocations) costs more than hashing the
// 43-byte ID, so a namer keeps keyed HMACs in a pool and resets them for
// reuse, with a buffer for the bytes going in and out: a name then costs
// one allocation, the string itself.
type namer struct {
	pool sync.Pool // of *keyedMAC
}

type keyedMAC struct {
	mac hash.Hash
	buf []byte
}

func newNamer(key []byte) *namer {
	key = slices.Clone(key) // the pool makes new HMACs later, from this copy
	n := &namer{}
	n.pool.New = func() any {
		return &keyedMAC{mac: hmac.New(sha256.New, key), buf: make([]byte, 0, 64)}
	}
	return n
}

// name returns the name of the session id.
func (n *namer) name(id string) string {
	k := n.pool.Get().(*keyedMAC)
	defer n.pool.Put(k)
	k.mac.Reset()
	k.buf = append(k.buf[:0], id...)
	k.mac.Write(k.buf)
	k.buf = k.mac.Sum(k.buf[:0])
	var out [2 * sha256.Size]byte
	hex.Encode(out[:], k.buf)
	return string(out[:])
}
