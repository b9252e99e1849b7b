package oidc

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestVerifyRefusesMalformedTokens(t *testing.T) {
	keys := testKeys()
	f := newFixture(t, allTestJWKs()...)
	sign := keys.rsa.signFunc(t, "RS256")
	header := keys.rsa.header("RS256")

	good := keys.rsa.sign(t, "RS256", f.claims())
	parts := strings.Split(good, ".")

	// Properly signed, but base64url-encoded with padding, which the
	// 256-byte signature needs.
	padded := func() string {
		enc := base64.URLEncoding
		input := enc.EncodeToString(mustJSON(t, header)) + "." + enc.EncodeToString(mustJSON(t, f.claims()))
		return input + "." + enc.EncodeToString(sign([]byte(input)))
	}()
	if !strings.HasSuffix(padded, "=") {
		t.Fatal("the padded token has no padding")
	}

	// A 2048-bit signature is 256 bytes, so its last base64 character
	// carries 2 bits of the signature and 4 unused ones. Setting an
	// unused bit gives another spelling of the same signature.
	respelledSignature := parts[2][:len(parts[2])-1] + nextBase64URLChar(t, parts[2][len(parts[2])-1])

	// Properly signed, and over the size limit only because of its claims.
	bigClaims := f.claims()
	bigClaims["padding"] = strings.Repeat("a", maxTokenSize)

	tests := []struct {
		name  string
		token string
	}{
		{"empty", ""},
		{"two parts", parts[0] + "." + parts[1]},
		{"four parts", good + "." + parts[2]},
		{"five parts, like a JWE", good + ".." + parts[2]},
		{"JSON serialization", `{"payload":"` + parts[1] + `","protected":"` + parts[0] + `","signature":"` + parts[2] + `"}`},
		{"padded base64url", padded},
		{"line break in the signature", parts[0] + "." + parts[1] + "." + parts[2][:10] + "\n" + parts[2][10:]},
		{"CRLF in the payload", parts[0] + "." + parts[1][:10] + "\r\n" + parts[1][10:] + "." + parts[2]},
		{"space before the token", " " + good},
		{"signature respelled with unused bits set", parts[0] + "." + parts[1] + "." + respelledSignature},
		{"over the size limit", compactJWS(t, header, bigClaims, sign)},
		{"header not JSON", compactJWS(t, rawJSON(`{"alg":"RS256"`), f.claims(), sign)},
		{"header an array", compactJWS(t, rawJSON(`["RS256"]`), f.claims(), sign)},
		{"header a string", compactJWS(t, rawJSON(`"RS256"`), f.claims(), sign)},
		{"header null", compactJWS(t, rawJSON(`null`), f.claims(), sign)},
		{"header with trailing data", compactJWS(t, rawJSON(`{"alg":"RS256","kid":"rsa-1"} {}`), f.claims(), sign)},
		{"alg missing", compactJWS(t, map[string]any{"kid": keys.rsa.kid}, f.claims(), sign)},
		{"alg not a string", compactJWS(t, map[string]any{"alg": 256, "kid": keys.rsa.kid}, f.claims(), sign)},
		{"alg spelled ALG", compactJWS(t, map[string]any{"ALG": "RS256", "kid": keys.rsa.kid}, f.claims(), sign)},
		{"kid not a string", compactJWS(t, map[string]any{"alg": "RS256", "kid": 1}, f.claims(), sign)},
		{"claims not JSON", compactJWS(t, header, rawJSON(`{"iss":`), sign)},
		{"claims an array", compactJWS(t, header, []any{f.claims()}, sign)},
		{"claims null", compactJWS(t, header, rawJSON(`null`), sign)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.verify(tt.token)
			assertRefused(t, err, ReasonMalformed, tt.token)
		})
	}
	f.mustVerify(t, good)
}

func TestVerifyRefusesForbiddenHeaders(t *testing.T) {
	keys := testKeys()
	f := newFixture(t, allTestJWKs()...)
	attackerKey := keys.rsa2.jwk()

	tests := []struct {
		name   string
		member string
		value  any
	}{
		{"crit", "crit", []string{"exp"}},
		{"crit null", "crit", nil},
		{"jku", "jku", "https://attacker.example/jwks"},
		{"jwk", "jwk", attackerKey},
		{"x5u", "x5u", "https://attacker.example/cert.pem"},
		{"x5c", "x5c", []string{"MIIB"}},
		{"typ of an access token", "typ", "at+jwt"},
		{"typ of a logout token", "typ", "logout+jwt"},
		{"typ of another media type", "typ", "application/json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Each token is signed with the right key, so nothing but the
			// header member refuses it.
			header := keys.rsa.header("RS256")
			header[tt.member] = tt.value
			token := compactJWS(t, header, f.claims(), keys.rsa.signFunc(t, "RS256"))
			_, err := f.verify(token)
			assertRefused(t, err, ReasonMalformed, token)
		})
	}
}

func TestVerifyAcceptsJWTTypes(t *testing.T) {
	keys := testKeys()
	f := newFixture(t, allTestJWKs()...)
	for _, typ := range []any{"JWT", "jwt", "application/jwt", "Application/JWT", "", nil} {
		header := keys.rsa.header("RS256")
		header["typ"] = typ
		f.mustVerify(t, compactJWS(t, header, f.claims(), keys.rsa.signFunc(t, "RS256")))
	}
	header := keys.rsa.header("RS256")
	delete(header, "typ")
	f.mustVerify(t, compactJWS(t, header, f.claims(), keys.rsa.signFunc(t, "RS256")))
}

func TestDecodeBase64URL(t *testing.T) {
	valid := map[string]string{"": "", "AQAB": "\x01\x00\x01", "-_8": "\xfb\xff", "YQ": "a"}
	for in, want := range valid {
		got, err := decodeBase64URL(in)
		if err != nil || string(got) != want {
			t.Errorf("decodeBase64URL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"YQ==", "YR", "+/8", "A QAB", "AQ\nAB", "AQAB\r", "A", "é"} {
		if got, err := decodeBase64URL(in); err == nil {
			t.Errorf("decodeBase64URL(%q) = %q, want an error", in, got)
		}
	}
}

// nextBase64URLChar returns the base64url character after c, which must
// not be the last one.
func nextBase64URLChar(t *testing.T, c byte) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, c)
	if i < 0 || i == len(alphabet)-1 {
		t.Fatalf("cannot step past %q", c)
	}
	return alphabet[i+1 : i+2]
}
