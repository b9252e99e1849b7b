package oidc

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
)

func TestVerifyAcceptsEachAlgorithmWithItsKey(t *testing.T) {
	keys := testKeys()
	tests := []struct {
		alg string
		key testKey
	}{
		{"RS256", keys.rsa},
		{"PS256", keys.rsa},
		{"ES256", keys.ec},
		{"EdDSA", keys.ed},
	}
	for _, tt := range tests {
		t.Run(tt.alg, func(t *testing.T) {
			f := newFixture(t, allTestJWKs()...)
			claims := f.mustVerify(t, tt.key.sign(t, tt.alg, f.claims()))
			if claims.Subject != "alice" || claims.Issuer != testIssuer || claims.Nonce != testNonce {
				t.Errorf("claims = %+v", claims)
			}
		})
	}
}

func TestVerifyTakesTheAlgorithmFromTheKey(t *testing.T) {
	keys := testKeys()
	rsaDeclaringPS256 := keys.rsa.jwk()
	rsaDeclaringPS256["alg"] = "PS256"

	tests := []struct {
		name       string
		jwks       []map[string]any
		header     map[string]any
		signer     testKey // signs with the header's alg
		wantReason string  // "" for accepted
	}{
		{"RS256 naming an EC key", allTestJWKs(), map[string]any{"alg": "RS256", "kid": keys.ec.kid}, keys.rsa, ReasonUnsupportedAlg},
		{"ES256 naming an RSA key", allTestJWKs(), map[string]any{"alg": "ES256", "kid": keys.rsa.kid}, keys.ec, ReasonUnsupportedAlg},
		{"EdDSA naming an RSA key", allTestJWKs(), map[string]any{"alg": "EdDSA", "kid": keys.rsa.kid}, keys.ed, ReasonUnsupportedAlg},
		{"RS256 with a key that declares PS256", []map[string]any{rsaDeclaringPS256}, keys.rsa.header("RS256"), keys.rsa, ReasonUnsupportedAlg},
		{"PS256 with a key that declares PS256", []map[string]any{rsaDeclaringPS256}, keys.rsa.header("PS256"), keys.rsa, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.jwks...)
			alg := tt.header["alg"].(string)
			token := compactJWS(t, tt.header, f.claims(), tt.signer.signFunc(t, alg))
			_, err := f.verify(token)
			if tt.wantReason == "" {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			assertRefused(t, err, tt.wantReason, token)
		})
	}
}

func TestVerifyRefusesUnsupportedAlgorithms(t *testing.T) {
	keys := testKeys()
	f := newFixture(t, allTestJWKs()...)

	// The algorithm-confusion attack: an HMAC keyed with the provider's
	// public key, which anyone can download.
	der, err := x509.MarshalPKIXPublicKey(keys.rsa.signer.Public())
	if err != nil {
		t.Fatal(err)
	}
	publicPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	hmacWithPublicKey := func(input []byte) []byte {
		mac := hmac.New(sha256.New, publicPEM)
		mac.Write(input)
		return mac.Sum(nil)
	}

	tests := []struct {
		name  string
		token string
	}{
		{"none", compactJWS(t, map[string]any{"alg": "none"}, f.claims(), noSignature)},
		{"none with a kid", compactJWS(t, map[string]any{"alg": "none", "kid": keys.rsa.kid}, f.claims(), noSignature)},
		{"HS256 keyed with the RSA public key", compactJWS(t, keys.rsa.header("HS256"), f.claims(), hmacWithPublicKey)},
		{"RS512", compactJWS(t, keys.rsa.header("RS512"), f.claims(), keys.rsa.signFunc(t, "RS256"))},
		{"rs256 in lower case", compactJWS(t, keys.rsa.header("rs256"), f.claims(), keys.rsa.signFunc(t, "RS256"))},
		{"empty alg", compactJWS(t, keys.rsa.header(""), f.claims(), keys.rsa.signFunc(t, "RS256"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.verify(tt.token)
			assertRefused(t, err, ReasonUnsupportedAlg, tt.token)
		})
	}
	if n := f.jwks.fetches(); n != 0 {
		t.Errorf("the JWKS was fetched %d times for tokens refused by their alg, want 0", n)
	}
}

func TestVerifyRefusesBadSignatures(t *testing.T) {
	keys := testKeys()
	f := newFixture(t, allTestJWKs()...)
	claims := f.claims()

	good := keys.rsa.sign(t, "RS256", claims)
	parts := strings.Split(good, ".")
	claims["sub"] = "mallory"
	tamperedPayload := parts[0] + "." + encodeSegment(t, claims) + "." + parts[2]
	claims["sub"] = "alice"

	// A PSS signature with the longest salt the key allows, rather than
	// one as long as the hash as RFC 7518 §3.5 says.
	pssWithLongSalt := func(input []byte) []byte {
		digest := sha256.Sum256(input)
		sig, err := rsa.SignPSS(rand.Reader, keys.rsa.signer.(*rsa.PrivateKey), crypto.SHA256, digest[:],
			&rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto})
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
	ecdsaDER := func(input []byte) []byte {
		digest := sha256.Sum256(input)
		sig, err := ecdsa.SignASN1(rand.Reader, keys.ec.signer.(*ecdsa.PrivateKey), digest[:])
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
	truncated := func(sign func([]byte) []byte) func([]byte) []byte {
		return func(input []byte) []byte { s := sign(input); return s[:len(s)-1] }
	}

	tests := []struct {
		name        string
		token       string
		wantMessage string // in the error, when the reason alone does not show which check refused it
	}{
		{"tampered payload", tamperedPayload, ""},
		{"RS256 by another key under the kid", compactJWS(t, keys.rsa.header("RS256"), claims, keys.rsa2.signFunc(t, "RS256")), ""},
		{"PS256 by another key under the kid", compactJWS(t, keys.rsa.header("PS256"), claims, keys.rsa2.signFunc(t, "PS256")), ""},
		{"PS256 with a salt longer than the hash", compactJWS(t, keys.rsa.header("PS256"), claims, pssWithLongSalt), ""},
		{"RS256 signature used for PS256", compactJWS(t, keys.rsa.header("PS256"), claims, keys.rsa.signFunc(t, "RS256")), ""},
		{"ES256 in ASN.1 DER", compactJWS(t, keys.ec.header("ES256"), claims, ecdsaDER), "R||S"},
		{"ES256 one byte short", compactJWS(t, keys.ec.header("ES256"), claims, truncated(keys.ec.signFunc(t, "ES256"))), "R||S"},
		{"EdDSA one byte short", compactJWS(t, keys.ed.header("EdDSA"), claims, truncated(keys.ed.signFunc(t, "EdDSA"))), ""},
		{"RS256 without a signature", compactJWS(t, keys.rsa.header("RS256"), claims, noSignature), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.verify(tt.token)
			assertRefused(t, err, ReasonBadSignature, tt.token)
			if !strings.Contains(err.Error(), tt.wantMessage) {
				t.Errorf("err = %v, want it to mention %q", err, tt.wantMessage)
			}
		})
	}
}
