package oauth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

// randomToken returns 32 bytes from crypto/rand as 43 characters of
// unpadded base64url. It serves for both the state (RFC 6749 §10.12 asks
// for a value an attacker cannot guess; 256 bits is well past the 128
// that is the usual floor for such a value) and the PKCE
// code verifier (RFC 7636 §4.1 asks for 43 to 128 characters of high
// entropy; 32 random bytes is its own recommendation).
func randomToken() string {
	b := make([]byte, 32)
	// crypto/rand.Read never returns an error since Go 1.24; it crashes
	// the program rather than hand out predictable bytes.
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// s256Challenge derives the PKCE code challenge from a verifier:
// BASE64URL(SHA256(verifier)), the S256 method of RFC 7636 §4.2. Only the
// challenge travels through the browser; the verifier goes straight to the
// token endpoint, so a code intercepted on the way back is useless.
func s256Challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
