package oidc

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestVerifyChecksClaims(t *testing.T) {
	skew := int64(DefaultClockSkew / time.Second)
	day := int64(maxTokenAge / time.Second)

	tests := []struct {
		name       string
		change     func(claims map[string]any, now int64)
		wantReason string // "" for accepted
	}{
		{"valid", func(map[string]any, int64) {}, ""},

		{"iss of another issuer", set("iss", "https://other.example"), ReasonIssMismatch},
		{"iss with a trailing slash", set("iss", testIssuer+"/"), ReasonIssMismatch},
		{"iss in another case", set("iss", strings.ToUpper(testIssuer)), ReasonIssMismatch},
		{"iss missing", unset("iss"), ReasonIssMismatch},
		{"iss spelled ISS", rename("iss", "ISS"), ReasonIssMismatch},

		{"aud of another client", set("aud", "client-2"), ReasonAudMismatch},
		{"aud missing", unset("aud"), ReasonAudMismatch},
		{"aud empty", set("aud", []string{}), ReasonAudMismatch},
		{"aud a prefix of ours", set("aud", "client-"), ReasonAudMismatch},
		{"aud an array of one", set("aud", []string{testClientID}), ""},

		{"two audiences without azp", set("aud", []string{"client-2", testClientID}), ReasonAzpMismatch},
		{"two audiences, azp another", both(set("aud", []string{testClientID, "client-2"}), set("azp", "client-2")), ReasonAzpMismatch},
		{"two audiences, azp ours", both(set("aud", []string{"client-2", testClientID}), set("azp", testClientID)), ""},
		{"one audience, azp another", set("azp", "client-2"), ReasonAzpMismatch},
		{"one audience, azp empty", set("azp", ""), ReasonAzpMismatch},
		{"one audience, azp ours", set("azp", testClientID), ""},

		{"exp missing", unset("exp"), ReasonExpired},
		{"exp long past", func(c map[string]any, now int64) { c["exp"] = now - 3600 }, ReasonExpired},
		{"exp exactly a skew ago", func(c map[string]any, now int64) { c["exp"] = now - skew }, ReasonExpired},
		{"exp a second less than a skew ago", func(c map[string]any, now int64) { c["exp"] = now - skew + 1 }, ""},

		{"iat missing", unset("iat"), ReasonIATInvalid},
		{"iat after now plus skew", func(c map[string]any, now int64) { c["iat"] = now + skew + 1 }, ReasonIATInvalid},
		{"iat at now plus skew", func(c map[string]any, now int64) { c["iat"] = now + skew }, ""},
		{"iat over a day ago", func(c map[string]any, now int64) { c["iat"] = now - day - 1 }, ReasonIATInvalid},
		{"iat a day ago", func(c map[string]any, now int64) { c["iat"] = now - day }, ""},

		{"nbf after now plus skew", func(c map[string]any, now int64) { c["nbf"] = now + skew + 1 }, ReasonNotYetValid},
		{"nbf at now plus skew", func(c map[string]any, now int64) { c["nbf"] = now + skew }, ""},
		{"nbf past", func(c map[string]any, now int64) { c["nbf"] = now - 10 }, ""},

		{"nonce missing", unset("nonce"), ReasonNonceMismatch},
		{"nonce empty", set("nonce", ""), ReasonNonceMismatch},
		{"nonce different", set("nonce", "n-other"), ReasonNonceMismatch},
		{"nonce a prefix of ours", set("nonce", testNonce[:len(testNonce)-1]), ReasonNonceMismatch},
		{"nonce longer than ours", set("nonce", testNonce+"x"), ReasonNonceMismatch},

		{"sub missing", unset("sub"), ReasonMissingSub},
		{"sub empty", set("sub", ""), ReasonMissingSub},
		{"sub of 255 characters", set("sub", strings.Repeat("s", 255)), ""},
		{"sub of 256 characters", set("sub", strings.Repeat("s", 256)), ReasonMalformed},
		{"sub with a line break", set("sub", "alice\nadmin"), ReasonMalformed},
		{"sub beyond ASCII", set("sub", "alicé"), ReasonMalformed},

		{"exp a string", set("exp", "2030-01-02"), ReasonMalformed},
		{"exp before 1970", set("exp", -1), ReasonMalformed},
		{"exp after 9999", set("exp", 1e12), ReasonMalformed},
		{"iat a boolean", set("iat", true), ReasonMalformed},
		{"aud a number", set("aud", 7), ReasonMalformed},
		{"aud an array with a number", set("aud", []any{testClientID, 7}), ReasonMalformed},
		{"sub a number", set("sub", 12345), ReasonMalformed},
		{"iss an array", set("iss", []string{testIssuer}), ReasonMalformed},
		{"email a number", set("email", 1), ReasonMalformed},
		{"email_verified another string", set("email_verified", "yes"), ReasonMalformed},
		{"email_verified a number", set("email_verified", 1), ReasonMalformed},
		{"name null", set("name", nil), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, allTestJWKs()...)
			claims := f.claims()
			tt.change(claims, f.clock.Now().Unix())
			token := testKeys().rsa.sign(t, "RS256", claims)
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

// set returns a change to the claims that sets name to value.
func set(name string, value any) func(map[string]any, int64) {
	return func(claims map[string]any, _ int64) { claims[name] = value }
}

// unset returns a change to the claims that removes name.
func unset(name string) func(map[string]any, int64) {
	return func(claims map[string]any, _ int64) { delete(claims, name) }
}

// rename returns a change to the claims that moves name's value to
// newName.
func rename(name, newName string) func(map[string]any, int64) {
	return func(claims map[string]any, _ int64) {
		claims[newName] = claims[name]
		delete(claims, name)
	}
}

// both returns a change to the claims that makes two.
func both(first, second func(map[string]any, int64)) func(map[string]any, int64) {
	return func(claims map[string]any, now int64) {
		first(claims, now)
		second(claims, now)
	}
}

func TestVerifySaysWhichClaimIsMissing(t *testing.T) {
	// Each would be refused without its own check too, as a zero date or
	// an empty nonce; the message is what tells an operator the cause.
	tests := []struct {
		claim, wantReason, wantErr string
	}{
		{"exp", ReasonExpired, "exp is missing"},
		{"iat", ReasonIATInvalid, "iat is missing"},
		{"nonce", ReasonNonceMismatch, "nonce is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.claim, func(t *testing.T) {
			f := newFixture(t, allTestJWKs()...)
			claims := f.claims()
			delete(claims, tt.claim)
			token := testKeys().rsa.sign(t, "RS256", claims)
			_, err := f.verify(token)
			assertRefused(t, err, tt.wantReason, token)
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want it to say %q", err, tt.wantErr)
			}
		})
	}
}

func TestVerifyReturnsTheClaims(t *testing.T) {
	f := newFixture(t, allTestJWKs()...)
	now := f.clock.Now()
	claims := f.claims()
	claims["aud"] = []string{testClientID, "client-2"}
	claims["azp"] = testClientID
	claims["exp"] = float64(now.Unix()) + 600.25 // NumericDate may have a fraction
	claims["preferred_username"] = "alice.a"
	claims["name"] = "Alice A."
	claims["email"] = "alice@example.com"
	claims["email_verified"] = true

	got := f.mustVerify(t, testKeys().ed.sign(t, "EdDSA", claims))

	want := Claims{
		Issuer:            testIssuer,
		Subject:           "alice",
		Audience:          []string{testClientID, "client-2"},
		AuthorizedParty:   testClientID,
		Expiry:            now.Add(600*time.Second + 250*time.Millisecond),
		IssuedAt:          now,
		Nonce:             testNonce,
		PreferredUsername: "alice.a",
		Name:              "Alice A.",
		Email:             "alice@example.com",
		EmailVerified:     true,
	}
	if got.Issuer != want.Issuer || got.Subject != want.Subject || strings.Join(got.Audience, " ") != strings.Join(want.Audience, " ") ||
		got.AuthorizedParty != want.AuthorizedParty || !got.Expiry.Equal(want.Expiry) || !got.IssuedAt.Equal(want.IssuedAt) ||
		got.Nonce != want.Nonce || got.PreferredUsername != want.PreferredUsername || got.Name != want.Name ||
		got.Email != want.Email || got.EmailVerified != want.EmailVerified {
		t.Errorf("claims =\n%+v\nwant\n%+v", *got, want)
	}
}

func TestVerifyReadsEmailVerifiedAsBooleanOrString(t *testing.T) {
	f := newFixture(t, allTestJWKs()...)
	tests := []struct {
		value any
		want  bool
	}{
		{true, true}, {false, false}, {"true", true}, {"false", false}, {nil, false},
	}
	for _, tt := range tests {
		claims := f.claims()
		claims["email_verified"] = tt.value
		got := f.mustVerify(t, testKeys().rsa.sign(t, "RS256", claims))
		if got.EmailVerified != tt.want {
			t.Errorf("email_verified %#v: EmailVerified = %v, want %v", tt.value, got.EmailVerified, tt.want)
		}
	}
}

func TestVerifyWithoutNonceAcceptsAnyNonceClaim(t *testing.T) {
	f := newFixture(t, allTestJWKs()...)
	claims := f.claims()
	claims["nonce"] = "from another request"
	token := testKeys().rsa.sign(t, "RS256", claims)
	if _, err := f.verifier.Verify(context.Background(), token, ""); err != nil {
		t.Fatalf("Verify without a nonce: %v", err)
	}
	_, err := f.verify(token)
	assertRefused(t, err, ReasonNonceMismatch, token)
}

func TestVerifierClockSkew(t *testing.T) {
	tests := []struct {
		name       string
		skew       time.Duration
		expiredFor time.Duration // how long before now the token expired
		wantReason string
	}{
		{"default skew, within it", 0, DefaultClockSkew - time.Second, ""},
		{"default skew, beyond it", 0, DefaultClockSkew, ReasonExpired},
		{"5s skew, within it", 5 * time.Second, 4 * time.Second, ""},
		{"5s skew, beyond it", 5 * time.Second, 5 * time.Second, ReasonExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, allTestJWKs()...)
			v := NewVerifier(f.keys, Config{Issuer: testIssuer, ClientID: testClientID, ClockSkew: tt.skew, Now: f.clock.Now})
			claims := f.claims()
			claims["exp"] = f.clock.Now().Add(-tt.expiredFor).Unix()
			token := testKeys().rsa.sign(t, "RS256", claims)
			_, err := v.Verify(context.Background(), token, testNonce)
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

func TestNewVerifierPanicsOnAMisconfiguration(t *testing.T) {
	keys := NewKeySet(nil, "https://issuer.example/jwks", nil)
	valid := Config{Issuer: testIssuer, ClientID: testClientID}
	tests := []struct {
		name string
		keys *KeySet
		cfg  Config
	}{
		{"nil keys", nil, valid},
		{"no issuer", keys, Config{ClientID: testClientID}},
		{"no client ID", keys, Config{Issuer: testIssuer}},
		{"negative skew", keys, Config{Issuer: testIssuer, ClientID: testClientID, ClockSkew: -time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("NewVerifier did not panic")
				}
			}()
			NewVerifier(tt.keys, tt.cfg)
		})
	}
	NewVerifier(keys, valid) // and a valid one does not panic
}

func TestVerifyErrorMessage(t *testing.T) {
	err := &VerifyError{Reason: ReasonExpired, Err: errors.New("exp is missing")}
	if got, want := err.Error(), "oidc: id token refused: expired: exp is missing"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got, want := (&VerifyError{Reason: ReasonKeysUnavailable}).Error(), "oidc: id token refused: keys_unavailable"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestQuoteShortensAndEscapes(t *testing.T) {
	if got := quote("a\nb"); got != `"a\nb"` {
		t.Errorf("quote = %s", got)
	}
	if got := quote(strings.Repeat("x", 1000)); len(got) > maxQuotedLength+10 {
		t.Errorf("quote of 1000 bytes is %d bytes long", len(got))
	}
}
