package oidc

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"sync"
	"testing"
)

// This file is a small test-only token signer: it builds JWS compact
// tokens with any header and claims, signed properly or improperly.

// testKey is a private key the tests sign with, and the kid its public
// half has in the JWKS.
type testKey struct {
	kid    string
	signer crypto.Signer // *rsa.PrivateKey, *ecdsa.PrivateKey or ed25519.PrivateKey
}

// testKeySet holds one key of each kind, and a second RSA key for
// rotations and for signing with the wrong key.
type testKeySet struct {
	rsa, rsa2, ec, ed testKey
}

// testKeys generates the keys once per test binary: RSA key generation is
// slow, and no test changes a key.
var testKeys = sync.OnceValue(func() testKeySet {
	rsaKey := func() *rsa.PrivateKey {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		return k
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	return testKeySet{
		rsa:  testKey{kid: "rsa-1", signer: rsaKey()},
		rsa2: testKey{kid: "rsa-2", signer: rsaKey()},
		ec:   testKey{kid: "ec-1", signer: ecKey},
		ed:   testKey{kid: "ed-1", signer: edKey},
	}
})

// withKID returns the same key published under another kid.
func (k testKey) withKID(kid string) testKey {
	k.kid = kid
	return k
}

// jwk returns k's public half as a provider publishes it in its JWKS.
func (k testKey) jwk() map[string]any {
	b64 := base64.RawURLEncoding.EncodeToString
	jwk := map[string]any{"kid": k.kid, "use": "sig"}
	switch key := k.signer.(type) {
	case *rsa.PrivateKey:
		jwk["kty"] = "RSA"
		jwk["n"] = b64(key.N.Bytes())
		jwk["e"] = b64(big.NewInt(int64(key.E)).Bytes())
	case *ecdsa.PrivateKey:
		point, err := key.PublicKey.Bytes() // 0x04, x, y
		if err != nil {
			panic(err)
		}
		jwk["kty"] = "EC"
		jwk["crv"] = "P-256"
		jwk["x"] = b64(point[1:33])
		jwk["y"] = b64(point[33:])
	case ed25519.PrivateKey:
		jwk["kty"] = "OKP"
		jwk["crv"] = "Ed25519"
		jwk["x"] = b64(key.Public().(ed25519.PublicKey))
	}
	return jwk
}

// signFunc returns a function that signs a signing input with k by alg, as
// JWS defines each algorithm (ES256 as fixed-width R||S).
func (k testKey) signFunc(t testing.TB, alg string) func([]byte) []byte {
	return func(input []byte) []byte {
		t.Helper()
		digest := sha256.Sum256(input)
		var sig []byte
		var err error
		switch alg {
		case "RS256":
			sig, err = rsa.SignPKCS1v15(nil, k.signer.(*rsa.PrivateKey), crypto.SHA256, digest[:])
		case "PS256":
			sig, err = rsa.SignPSS(rand.Reader, k.signer.(*rsa.PrivateKey), crypto.SHA256, digest[:],
				&rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		case "ES256":
			var r, s *big.Int
			r, s, err = ecdsa.Sign(rand.Reader, k.signer.(*ecdsa.PrivateKey), digest[:])
			if err == nil {
				sig = make([]byte, 64)
				r.FillBytes(sig[:32])
				s.FillBytes(sig[32:])
			}
		case "EdDSA":
			sig = ed25519.Sign(k.signer.(ed25519.PrivateKey), input)
		default:
			t.Fatalf("the test signer cannot sign %s", alg)
		}
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
}

// header returns the usual header of a token k signs with alg.
func (k testKey) header(alg string) map[string]any {
	return map[string]any{"alg": alg, "kid": k.kid, "typ": "JWT"}
}

// sign returns a token with the usual header and claims, signed by k.
func (k testKey) sign(t testing.TB, alg string, claims any) string {
	t.Helper()
	return compactJWS(t, k.header(alg), claims, k.signFunc(t, alg))
}

// rawJSON is a header or payload put into a token as it is, for JSON that
// json.Marshal would not produce, or for no JSON at all.
type rawJSON []byte

// mustJSON marshals v.
func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// encodeSegment returns v as base64url without padding: v as it is if it
// is rawJSON, v marshalled otherwise.
func encodeSegment(t testing.TB, v any) string {
	t.Helper()
	data, ok := v.(rawJSON)
	if !ok {
		data = mustJSON(t, v)
	}
	return base64.RawURLEncoding.EncodeToString(data)
}

// compactJWS builds a token in JWS compact serialization: header, claims,
// and sign's signature over them.
func compactJWS(t testing.TB, header, claims any, sign func(signingInput []byte) []byte) string {
	t.Helper()
	input := encodeSegment(t, header) + "." + encodeSegment(t, claims)
	return input + "." + base64.RawURLEncoding.EncodeToString(sign([]byte(input)))
}

// noSignature signs nothing: for alg none.
func noSignature([]byte) []byte { return nil }
