package session

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
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
// in logs. A name is the HMAC-SHA-256 of the ID under a server key, in
// hex, so it cannot be turned back into the ID, nor checked against a
// guessed ID by someone who can read the session directory but not the
// key. (The Redis store names its keys the same way, with lines of its
// own.)
type namer struct{ key []byte }

func newNamer(key []byte) *namer { return &namer{key: slices.Clone(key)} }

// name returns the name of the session id.
func (n *namer) name(id string) string {
	mac := hmac.New(sha256.New, n.key)
	mac.Write([]byte(id))
	return hex.EncodeToString(mac.Sum(nil))
}
