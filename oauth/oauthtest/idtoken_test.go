package oauthtest_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"oauthlogin/oauth/oauthtest"
)

func TestJWKSShape(t *testing.T) {
	s := start(t, openIDConfig())

	keys := fetchJWKS(t, s)

	want := []struct{ kid, kty, crv, alg string }{
		{"rsa-1", "RSA", "", "RS256"},
		{"rsa-pss-1", "RSA", "", "PS256"},
		{"ec-1", "EC", "P-256", "ES256"},
		{"ed-1", "OKP", "Ed25519", "EdDSA"},
	}
	if len(keys) != len(want) {
		t.Fatalf("%d keys, want %d: %+v", len(keys), len(want), keys)
	}
	for i, w := range want {
		k := keys[i]
		if k.Kid != w.kid || k.Kty != w.kty || k.Crv != w.crv || k.Alg != w.alg || k.Use != "sig" {
			t.Errorf("key %d = %+v, want kid %s, kty %s, crv %q, alg %s, use sig", i, k, w.kid, w.kty, w.crv, w.alg)
		}
		// Each member is base64url without padding (RFC 7518 §6); a
		// private member would give the signing key away.
		sizes := map[string]int{"n": len(decodeOrEmpty(t, k.N)), "e": len(decodeOrEmpty(t, k.E)),
			"x": len(decodeOrEmpty(t, k.X)), "y": len(decodeOrEmpty(t, k.Y))}
		var wantSizes map[string]int
		switch w.kty {
		case "RSA": // a 2048-bit modulus, and 65537 in three bytes
			wantSizes = map[string]int{"n": 256, "e": 3, "x": 0, "y": 0}
		case "EC": // RFC 7518 §6.2.1.2: coordinates at full width, even with leading zeros
			wantSizes = map[string]int{"n": 0, "e": 0, "x": 32, "y": 32}
		case "OKP": // RFC 8037 §2: the 32-byte public key in x
			wantSizes = map[string]int{"n": 0, "e": 0, "x": 32, "y": 0}
		}
		for member, size := range wantSizes {
			if sizes[member] != size {
				t.Errorf("key %s: %s has %d bytes, want %d", k.Kid, member, sizes[member], size)
			}
		}
	}
	r := getUser(t, s, s.HTTP.URL+"/jwks", "")
	for _, private := range []string{`"d"`, `"p"`, `"q"`, `"dp"`, `"dq"`, `"qi"`} {
		if strings.Contains(r.body, private) {
			t.Errorf("the JWKS has the private member %s", private)
		}
	}
	if s.JWKSCalls() != 2 {
		t.Errorf("JWKSCalls() = %d, want 2", s.JWKSCalls())
	}
}

func decodeOrEmpty(t *testing.T, s string) []byte {
	t.Helper()
	if s == "" {
		return nil
	}
	return decodeBase64URL(t, s)
}

// Every algorithm signs a token that a client verifies with the key the
// JWKS gives under the token's kid.
func TestEveryAlgorithmVerifies(t *testing.T) {
	for alg, kid := range map[string]string{"": "rsa-1", "RS256": "rsa-1", "PS256": "rsa-pss-1", "ES256": "ec-1", "EdDSA": "ed-1"} {
		t.Run(alg, func(t *testing.T) {
			cfg := openIDConfig()
			cfg.IDTokenAlg = alg
			s := start(t, cfg)

			idToken := tokenFor(t, s, openIDParams()).IDToken

			header := decodeJWT(t, idToken).header
			if header["kid"] != kid {
				t.Errorf("kid = %v, want %s", header["kid"], kid)
			}
			keys := fetchJWKS(t, s)
			if err := verifyJWT(t, idToken, keys); err != nil {
				t.Errorf("the ID token does not verify: %v", err)
			}
			// The check is real: another token's signature does not pass.
			params := openIDParams()
			params.Set("nonce", "another")
			other := tokenFor(t, s, params).IDToken
			forged := idToken[:strings.LastIndex(idToken, ".")] + other[strings.LastIndex(other, "."):]
			if verifyJWT(t, forged, keys) == nil {
				t.Error("a token with another token's signature verifies")
			}
		})
	}
}

func TestIDTokenFaults(t *testing.T) {
	clock := newFakeClock()
	cfg := openIDConfig()
	cfg.Now = clock.Now
	s := start(t, cfg)
	now := clock.Now()
	keys := fetchJWKS(t, s)
	tests := []struct {
		name  string
		fault oauthtest.IDTokenFault
		check func(t *testing.T, idToken string)
	}{
		{"OK", oauthtest.IDTokenOK, func(t *testing.T, idToken string) {
			if err := verifyJWT(t, idToken, keys); err != nil {
				t.Errorf("does not verify: %v", err)
			}
		}},
		{"WrongIssuer", oauthtest.IDTokenWrongIssuer, func(t *testing.T, idToken string) {
			checkClaimAndSignature(t, idToken, keys, "iss", s.HTTP.URL+"/other")
		}},
		{"WrongAudience", oauthtest.IDTokenWrongAudience, func(t *testing.T, idToken string) {
			checkClaimAndSignature(t, idToken, keys, "aud", "someone-else")
		}},
		{"Expired", oauthtest.IDTokenExpired, func(t *testing.T, idToken string) {
			checkClaimAndSignature(t, idToken, keys, "exp", float64(now.Add(-time.Hour).Unix()))
			checkClaimAndSignature(t, idToken, keys, "iat", float64(now.Add(-2*time.Hour).Unix()))
		}},
		{"BadSignature", oauthtest.IDTokenBadSignature, func(t *testing.T, idToken string) {
			if err := verifyJWT(t, idToken, keys); err == nil {
				t.Fatal("verifies")
			}
			// Flipping the bit back makes a good token: nothing else is wrong.
			d := decodeJWT(t, idToken)
			d.signature[0] ^= 1
			repaired := d.signingInput + "." + base64.RawURLEncoding.EncodeToString(d.signature)
			if err := verifyJWT(t, repaired, keys); err != nil {
				t.Errorf("with the bit flipped back, it still does not verify: %v", err)
			}
		}},
		{"AlgNone", oauthtest.IDTokenAlgNone, func(t *testing.T, idToken string) {
			d := decodeJWT(t, idToken)
			if d.header["alg"] != "none" || d.header["kid"] != nil || len(d.signature) != 0 || !strings.HasSuffix(idToken, ".") {
				t.Errorf("header %v, %d signature bytes; want alg none, no kid, no signature", d.header, len(d.signature))
			}
			if d.claims["iss"] != s.HTTP.URL {
				t.Errorf("iss = %v, want the claims of a good token", d.claims["iss"])
			}
		}},
		{"UnknownKid", oauthtest.IDTokenUnknownKid, func(t *testing.T, idToken string) {
			d := decodeJWT(t, idToken)
			if d.header["kid"] != "unknown-1" || d.header["alg"] != "RS256" || len(d.signature) != 256 {
				t.Errorf("header %v, %d signature bytes; want kid unknown-1 and an RS256 signature", d.header, len(d.signature))
			}
			if err := verifyJWT(t, idToken, keys); !errors.Is(err, errUnknownKid) {
				t.Errorf("verifying: %v, want the kid unknown", err)
			}
		}},
		{"NonceMismatch", oauthtest.IDTokenNonceMismatch, func(t *testing.T, idToken string) {
			nonce, ok := decodeJWT(t, idToken).claims["nonce"].(string)
			if !ok || nonce == "" || nonce == "nonce-456" {
				t.Errorf("nonce = %q, want another than the request's", nonce)
			}
			if err := verifyJWT(t, idToken, keys); err != nil {
				t.Errorf("does not verify: %v", err)
			}
		}},
		{"Missing", oauthtest.IDTokenMissing, func(t *testing.T, idToken string) {
			if idToken != "" {
				t.Errorf("id_token = %q, want none", idToken)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.Misbehave(oauthtest.Misbehaviour{IDToken: tt.fault})

			body := tokenFor(t, s, openIDParams())

			tt.check(t, body.IDToken)
			if body.AccessToken == "" {
				t.Error("no access token: the fault is in the ID token only")
			}
		})
	}
}

// The nonce fault applies even when the request had no nonce, since a
// nonce the client never sent is as wrong as another one.
func TestNonceMismatchWithoutNonce(t *testing.T) {
	s := start(t, openIDConfig())
	s.Misbehave(oauthtest.Misbehaviour{IDToken: oauthtest.IDTokenNonceMismatch})
	params := openIDParams()
	params.Del("nonce")

	if nonce := decodeJWT(t, tokenFor(t, s, params).IDToken).claims["nonce"]; nonce == nil || nonce == "" {
		t.Errorf("nonce = %v, want one", nonce)
	}
}

// checkClaimAndSignature checks that the claim name of idToken is want, and
// that the token is otherwise good: only the named fault is in it.
func checkClaimAndSignature(t *testing.T, idToken string, keys []testJWK, name string, want any) {
	t.Helper()
	if got := decodeJWT(t, idToken).claims[name]; got != want {
		t.Errorf("%s = %v, want %v", name, got, want)
	}
	if err := verifyJWT(t, idToken, keys); err != nil {
		t.Errorf("does not verify: %v", err)
	}
}

func TestRotateKeys(t *testing.T) {
	cfg := openIDConfig()
	cfg.IDTokenAlg = "ES256"
	s := start(t, cfg)
	before := tokenFor(t, s, openIDParams()).IDToken
	oldKeys := fetchJWKS(t, s)

	s.RotateKeys()

	newKeys := fetchJWKS(t, s)
	var kids []string
	for _, k := range newKeys {
		kids = append(kids, k.Kid)
	}
	if got := strings.Join(kids, " "); got != "rsa-2 rsa-pss-2 ec-2 ed-2" {
		t.Errorf("kids after rotation = %s, want rsa-2 rsa-pss-2 ec-2 ed-2", got)
	}
	if oldKeys[2].X == newKeys[2].X {
		t.Error("the EC key is the same after rotation")
	}
	if err := verifyJWT(t, before, newKeys); !errors.Is(err, errUnknownKid) {
		t.Errorf("a token from before, against the new JWKS: %v, want its kid unknown", err)
	}
	after := tokenFor(t, s, openIDParams()).IDToken
	if kid := decodeJWT(t, after).header["kid"]; kid != "ec-2" {
		t.Errorf("kid after rotation = %v, want ec-2", kid)
	}
	if err := verifyJWT(t, after, newKeys); err != nil {
		t.Errorf("a token from after does not verify with the new JWKS: %v", err)
	}
	if s.JWKSCalls() != 2 {
		t.Errorf("JWKSCalls() = %d, want 2", s.JWKSCalls())
	}
}

func TestRotateKeysNeedsOpenID(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("RotateKeys did not panic")
		}
	}()
	oauthtest.New(config()).RotateKeys()
}

// A TLS server's ID tokens name its https URL, and its JWKS is reachable
// with the client that trusts it.
func TestIDTokenOverTLS(t *testing.T) {
	s := oauthtest.NewTLSServer(openIDConfig())
	defer s.Close()

	idToken := tokenFor(t, s, openIDParams()).IDToken

	if iss := decodeJWT(t, idToken).claims["iss"]; iss != s.HTTP.URL || !strings.HasPrefix(s.HTTP.URL, "https://") {
		t.Errorf("iss = %v, want %s", iss, s.HTTP.URL)
	}
	if err := verifyJWT(t, idToken, fetchJWKS(t, s)); err != nil {
		t.Error(err)
	}
}
