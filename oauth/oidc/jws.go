package oidc

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// maxTokenSize bounds a token before anything in it is decoded. ID tokens
// are a kilobyte or two; 64 KiB leaves room for generous claims while a
// hostile token cannot make us decode megabytes.
const maxTokenSize = 64 << 10

// signedToken is a token in JWS compact serialization, taken apart and
// decoded but not verified: nothing in it is to be believed until its
// signature is checked.
type signedToken struct {
	algorithm    string // the header's alg, one of the supported algorithms
	keyID        string // the header's kid; "" when it has none
	signingInput []byte // what was signed: the encoded header, ".", the encoded payload (RFC 7515 §5.1 step 5)
	payload      []byte // the JWT claims set, JSON not yet decoded
	signature    []byte
}

// parseJWS takes apart a token in JWS compact serialization (RFC 7515
// §7.1) and checks its protected header, as that of an ID token. Its
// errors are *VerifyError.
func parseJWS(raw string) (*signedToken, error) { return parseTypedJWS(raw, isIDTokenType) }

// parseTypedJWS is parseJWS for a kind of token whose header typ typeOK
// accepts ("" when the header has none).
func parseTypedJWS(raw string, typeOK func(typ string) bool) (*signedToken, error) {
	if len(raw) > maxTokenSize {
		return nil, refuse(ReasonMalformed, "the token is %d bytes, more than the %d allowed", len(raw), maxTokenSize)
	}
	// Three parts joined by dots; the JSON serialization (RFC 7515 §7.2)
	// and encrypted tokens (JWE, five parts) end here.
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return nil, refuse(ReasonMalformed, "want 3 dot-separated parts (JWS compact serialization), got %d", len(parts))
	}
	headerJSON, err := decodeBase64URL(parts[0])
	if err != nil {
		return nil, refuse(ReasonMalformed, "header: %w", err)
	}
	payload, err := decodeBase64URL(parts[1])
	if err != nil {
		return nil, refuse(ReasonMalformed, "payload: %w", err)
	}
	signature, err := decodeBase64URL(parts[2])
	if err != nil {
		return nil, refuse(ReasonMalformed, "signature: %w", err)
	}
	algorithm, keyID, err := parseHeader(headerJSON, typeOK)
	if err != nil {
		return nil, err
	}
	return &signedToken{
		algorithm:    algorithm,
		keyID:        keyID,
		signingInput: []byte(raw[:len(parts[0])+1+len(parts[1])]),
		payload:      payload,
		signature:    signature,
	}, nil
}

// parseHeader checks the JOSE header and returns its alg and kid. Its
// errors are *VerifyError.
func parseHeader(data []byte, typeOK func(typ string) bool) (algorithm, keyID string, err error) {
	header, err := parseJSONObject(data)
	if err != nil {
		return "", "", refuse(ReasonMalformed, "header: %w", err)
	}

	// RFC 7515 §4.1.11: crit lists extensions the recipient must
	// understand to process the token, and we understand none.
	if header.has("crit") {
		return "", "", refuse(ReasonMalformed, "header: crit is present, and no extension is supported (RFC 7515 §4.1.11)")
	}
	// These carry a key, or say where to fetch one (RFC 7515 §4.1.2–4.1.6).
	// Believing them would let anyone sign with a key of their own and
	// hand it to us with the token. Keys come from the provider's JWKS only.
	for _, name := range []string{"jku", "jwk", "x5u", "x5c"} {
		if header.has(name) {
			return "", "", refuse(ReasonMalformed, "header: %s is present, and keys are taken only from the provider's JWKS", name)
		}
	}
	// An explicitly typed JWT of another kind, such as an access token
	// (at+jwt, RFC 9068), is not the token asked for even when the same key
	// signed it (RFC 8725 §3.11). ID tokens are typed JWT, or not typed;
	// logout tokens logout+jwt, or not typed (logout.go).
	var typ string
	if _, err := header.member("typ", &typ); err != nil {
		return "", "", refuse(ReasonMalformed, "header: %w", err)
	}
	if !typeOK(typ) {
		return "", "", refuse(ReasonMalformed, "header: typ %s is another kind of token", quote(typ))
	}

	if _, err := header.member("kid", &keyID); err != nil {
		return "", "", refuse(ReasonMalformed, "header: %w", err)
	}
	present, err := header.member("alg", &algorithm)
	if err != nil {
		return "", "", refuse(ReasonMalformed, "header: %w", err)
	}
	if !present {
		return "", "", refuse(ReasonMalformed, "header: alg is missing")
	}
	// Refused here, before any key is looked up: none, every HMAC
	// algorithm, and everything else we do not implement. See algorithms.go.
	if !isSupportedAlgorithm(algorithm) {
		return "", "", refuse(ReasonUnsupportedAlg, "alg %s is not one of RS256, PS256, ES256 and EdDSA", quote(algorithm))
	}
	return algorithm, keyID, nil
}

// isIDTokenType reports whether typ may be an ID token's: JWT, or none.
func isIDTokenType(typ string) bool { return typ == "" || isJWTType(typ) }

// isJWTType reports whether a typ header value names the JWT media type.
// Media type names are case-insensitive, and the "application/" prefix
// may be left out (RFC 7515 §4.1.9).
func isJWTType(typ string) bool {
	return strings.TrimPrefix(strings.ToLower(typ), "application/") == "jwt"
}

// decodeBase64URL decodes base64url without padding (RFC 7515 §2) and
// refuses every other spelling: padding, the standard alphabet, and the
// line breaks that the standard decoder would silently skip. Strict
// decoding also refuses unused bits that are not zero. So a token has
// exactly one spelling, and its signature cannot be respelled into a
// different string that verifies too.
func decodeBase64URL(s string) ([]byte, error) {
	for i := range len(s) {
		if !isBase64URLByte(s[i]) {
			return nil, fmt.Errorf("byte %d is not in the base64url alphabet (padding and whitespace are not allowed)", i)
		}
	}
	return base64.RawURLEncoding.Strict().DecodeString(s)
}

func isBase64URLByte(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}
