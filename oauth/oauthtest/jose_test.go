package oauthtest_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"testing"

	"oauthlogin/oauth/oauthtest"
)

// This file checks the provider's tokens the way a client would, with the
// standard library alone, so that what the provider signs is tested by
// code that does not share its mistakes.

// testJWK is a key of the JWK Set, as a client reads it (RFC 7517 §4).
type testJWK struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	N   string `json:"n"`
	E   string `json:"e"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

// fetchJWKS returns the keys that s's GET /jwks lists.
func fetchJWKS(t *testing.T, s *oauthtest.Server) []testJWK {
	t.Helper()
	var set struct {
		Keys []testJWK `json:"keys"`
	}
	getJSON(t, s, "/jwks", &set)
	return set.Keys
}

// decodedJWT is a JWT taken apart, nothing in it verified.
type decodedJWT struct {
	header       map[string]any
	claims       map[string]any
	signingInput string
	signature    []byte
}

// decodeJWT takes apart a token in JWS compact serialization, failing the
// test if it is malformed.
func decodeJWT(t *testing.T, token string) decodedJWT {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q has %d parts, want 3", token, len(parts))
	}
	var d decodedJWT
	for i, v := range []*map[string]any{&d.header, &d.claims} {
		data, err := base64.RawURLEncoding.Strict().DecodeString(parts[i])
		if err != nil {
			t.Fatalf("part %d of %q is not unpadded base64url: %v", i, token, err)
		}
		decodeJSON(t, string(data), v)
	}
	signature, err := base64.RawURLEncoding.Strict().DecodeString(parts[2])
	if err != nil {
		t.Fatalf("the signature of %q is not unpadded base64url: %v", token, err)
	}
	d.signingInput = parts[0] + "." + parts[1]
	d.signature = signature
	return d
}

var errUnknownKid = errors.New("no key in the JWKS has the token's kid")

// verifyJWT checks token's signature with the key of keys that its kid
// names (RFC 7515 §5.2), as a client would.
func verifyJWT(t *testing.T, token string, keys []testJWK) error {
	t.Helper()
	d := decodeJWT(t, token)
	alg, _ := d.header["alg"].(string)
	kid, _ := d.header["kid"].(string)
	i := slices.IndexFunc(keys, func(k testJWK) bool { return k.Kid == kid })
	if i < 0 {
		return errUnknownKid
	}
	key := keys[i]
	if key.Alg != alg {
		return fmt.Errorf("the token's alg %q differs from its key's %q", alg, key.Alg)
	}
	digest := sha256.Sum256([]byte(d.signingInput))
	switch alg {
	case "RS256":
		return rsa.VerifyPKCS1v15(rsaPublicKey(t, key), crypto.SHA256, digest[:], d.signature)
	case "PS256":
		// RFC 7518 §3.5: the salt is as long as the hash. Naming the length
		// makes the check refuse any other.
		return rsa.VerifyPSS(rsaPublicKey(t, key), crypto.SHA256, digest[:], d.signature,
			&rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	case "ES256":
		// RFC 7518 §3.4: R and S, 32 bytes each, not ASN.1.
		if len(d.signature) != 64 {
			return fmt.Errorf("an ES256 signature of %d bytes, want 64", len(d.signature))
		}
		r, s := new(big.Int).SetBytes(d.signature[:32]), new(big.Int).SetBytes(d.signature[32:])
		if !ecdsa.Verify(ecPublicKey(t, key), digest[:], r, s) {
			return errors.New("the ES256 signature does not verify")
		}
		return nil
	case "EdDSA":
		if key.Kty != "OKP" || key.Crv != "Ed25519" {
			return fmt.Errorf("an EdDSA key of kty %q, crv %q", key.Kty, key.Crv)
		}
		if !ed25519.Verify(ed25519.PublicKey(decodeBase64URL(t, key.X)), []byte(d.signingInput), d.signature) {
			return errors.New("the EdDSA signature does not verify")
		}
		return nil
	}
	return fmt.Errorf("the algorithm %q is not one a client may accept", alg)
}

func rsaPublicKey(t *testing.T, key testJWK) *rsa.PublicKey {
	t.Helper()
	if key.Kty != "RSA" {
		t.Fatalf("key %s: kty %q, want RSA", key.Kid, key.Kty)
	}
	e := new(big.Int).SetBytes(decodeBase64URL(t, key.E))
	return &rsa.PublicKey{N: new(big.Int).SetBytes(decodeBase64URL(t, key.N)), E: int(e.Int64())}
}

func ecPublicKey(t *testing.T, key testJWK) *ecdsa.PublicKey {
	t.Helper()
	if key.Kty != "EC" || key.Crv != "P-256" {
		t.Fatalf("key %s: kty %q, crv %q, want EC P-256", key.Kid, key.Kty, key.Crv)
	}
	point := append([]byte{4}, decodeBase64URL(t, key.X)...)
	point = append(point, decodeBase64URL(t, key.Y)...)
	public, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
	if err != nil {
		t.Fatalf("key %s: %v", key.Kid, err)
	}
	return public
}

// decodeBase64URL decodes base64url without padding, as JOSE writes it
// (RFC 7515 §2).
func decodeBase64URL(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		t.Fatalf("%q is not unpadded base64url: %v", s, err)
	}
	return b
}

// getJSON sends GET to path on s and decodes the JSON answer into v,
// failing the test unless it is 200 and JSON.
func getJSON(t *testing.T, s *oauthtest.Server, path string, v any) {
	t.Helper()
	r := getUser(t, s, s.HTTP.URL+path, "")
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET %s: status %d, Content-Type %q; body %s", path, r.status, r.header.Get("Content-Type"), r.body)
	}
	if err := json.Unmarshal([]byte(r.body), v); err != nil {
		t.Fatalf("GET %s: %v\n%s", path, err, r.body)
	}
}
