package oidc

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzParseJWS feeds Verify arbitrary strings. It must never panic, must
// refuse with a *VerifyError, and must accept nothing but a token this
// test signed: the fuzzer cannot forge a signature, so any other token it
// gets accepted is a hole.
func FuzzParseJWS(f *testing.F) {
	keys := testKeys()
	fx := newFixture(f, allTestJWKs()...)
	signed := map[string]bool{}

	valid := func(token string) {
		signed[token] = true
		f.Add(token)
	}
	valid(keys.rsa.sign(f, "RS256", fx.claims()))
	valid(keys.rsa.sign(f, "PS256", fx.claims()))
	valid(keys.ec.sign(f, "ES256", fx.claims()))
	valid(keys.ed.sign(f, "EdDSA", fx.claims()))
	valid(compactJWS(f, map[string]any{"alg": "EdDSA"}, fx.claims(), keys.ed.signFunc(f, "EdDSA")))

	good := keys.rsa.sign(f, "RS256", fx.claims())
	parts := strings.Split(good, ".")
	hmacWithPublicKey := func(input []byte) []byte {
		mac := hmac.New(sha256.New, []byte(keys.rsa.jwk()["n"].(string)))
		mac.Write(input)
		return mac.Sum(nil)
	}
	critical := keys.rsa.header("RS256")
	critical["crit"] = []string{"b64"}
	for _, seed := range []string{
		"",
		".",
		"..",
		"a.b.c",
		"e30.e30.",
		compactJWS(f, map[string]any{"alg": "none"}, fx.claims(), noSignature),
		compactJWS(f, keys.rsa.header("HS256"), fx.claims(), hmacWithPublicKey),
		compactJWS(f, critical, fx.claims(), keys.rsa.signFunc(f, "RS256")),
		compactJWS(f, keys.rsa.header("RS256"), rawJSON(`{"iss":`), keys.rsa.signFunc(f, "RS256")),
		parts[0] + "." + parts[1] + "." + parts[2] + "=",
		parts[0] + "." + parts[1] + "." + parts[2][:len(parts[2])-4],
		parts[0] + "." + encodeSegment(f, map[string]any{"sub": "mallory"}) + "." + parts[2],
		parts[0] + ".." + parts[2],
	} {
		f.Add(seed)
	}

	f.Fuzz(func(t *testing.T, raw string) {
		claims, err := fx.verifier.Verify(context.Background(), raw, "")
		if err != nil {
			var refused *VerifyError
			if !errors.As(err, &refused) || refused.Reason == "" {
				t.Fatalf("Verify refused with %v, not a *VerifyError with a reason", err)
			}
			return
		}
		if !signed[raw] {
			t.Fatalf("Verify accepted a token this test never signed: %q", raw)
		}
		if claims.Subject != "alice" {
			t.Fatalf("Subject = %q, want alice", claims.Subject)
		}
	})
}

// FuzzDecodeClaims feeds decodeClaims arbitrary payloads. It must never
// panic, and what it accepts must be a JSON object with dates in range.
func FuzzDecodeClaims(f *testing.F) {
	for _, seed := range []string{
		`{"iss":"https://issuer.example","sub":"alice","aud":"client-1","exp":1893553445,"iat":1893552845}`,
		`{"aud":["a","b"],"azp":"a","exp":1893553445.5,"nbf":0,"email_verified":"true"}`,
		`{"email_verified":false,"name":null,"nonce":"n"}`,
		`{"exp":1e400}`,
		`{"exp":-1}`,
		`{"aud":[1]}`,
		`{"iss":"a","iss":"b"}`,
		`{}`,
		`[]`,
		`null`,
		``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		claims, err := decodeClaims(payload)
		if err != nil {
			return
		}
		var object map[string]json.RawMessage
		if err := json.Unmarshal(payload, &object); err != nil || object == nil {
			t.Fatalf("decodeClaims accepted %q, which is not a JSON object", payload)
		}
		for _, date := range []time.Time{claims.Expiry, claims.IssuedAt, claims.notBefore} {
			if !date.IsZero() && (date.Unix() < 0 || date.Unix() >= maxNumericDate) {
				t.Fatalf("decodeClaims accepted the date %v from %q", date, payload)
			}
		}
	})
}
