package oidc

import (
	"context"
	"crypto/subtle"
	"fmt"
	"slices"
	"strings"
	"time"
)

// DefaultClockSkew is the ClockSkew a Verifier allows when its Config
// leaves it zero. Clocks kept by NTP agree to well within a minute, and a
// minute is small beside ID token lifetimes of several minutes or more.
const DefaultClockSkew = time.Minute

// maxTokenAge is the most time since iat that a token may have, whatever
// its exp says. The login verifies an ID token moments after the provider
// issued it, so a day-old one is a replay or a provider bug; a day is
// still far more than any clock error.
const maxTokenAge = 24 * time.Hour

// maxSubjectLength is Core §2's limit for sub: 255 ASCII characters.
const maxSubjectLength = 255

// Config says whose ID tokens a [Verifier] accepts.
type Config struct {
	// Issuer is the provider's issuer identifier: Metadata.Issuer. A
	// token's iss must equal it exactly.
	Issuer string

	// ClientID is this application's client_id at the provider. A
	// token's aud must include it.
	ClientID string

	// ClockSkew is how far our clock and the provider's may disagree:
	// exp, iat and nbf are checked with this much leeway. Zero means
	// DefaultClockSkew. Keep it small, since it lengthens the life of
	// every token.
	ClockSkew time.Duration

	// Now is the clock tokens are checked against; nil means time.Now.
	Now func() time.Time
}

// Verifier checks ID tokens as OpenID Connect Core 1.0 §3.1.3.7 requires.
// It is safe for concurrent use.
type Verifier struct {
	keys      *KeySet
	issuer    string
	clientID  string
	clockSkew time.Duration
	now       func() time.Time
}

// NewVerifier returns a Verifier for tokens from cfg.Issuer to
// cfg.ClientID, signed with keys from keys.
//
// It panics if keys is nil, cfg.Issuer or cfg.ClientID is empty, or
// cfg.ClockSkew is negative: such a verifier would accept the wrong
// tokens or none, a mistake best found when the application starts.
func NewVerifier(keys *KeySet, cfg Config) *Verifier {
	switch {
	case keys == nil:
		panic("oidc: NewVerifier: keys is nil")
	case cfg.Issuer == "":
		panic("oidc: NewVerifier: Config.Issuer is empty")
	case cfg.ClientID == "":
		panic("oidc: NewVerifier: Config.ClientID is empty")
	case cfg.ClockSkew < 0:
		panic("oidc: NewVerifier: Config.ClockSkew is negative")
	}
	v := &Verifier{
		keys:      keys,
		issuer:    cfg.Issuer,
		clientID:  cfg.ClientID,
		clockSkew: cfg.ClockSkew,
		now:       cfg.Now,
	}
	if v.clockSkew == 0 {
		v.clockSkew = DefaultClockSkew
	}
	if v.now == nil {
		v.now = time.Now
	}
	return v
}

// Verify checks rawIDToken, the id_token of a token response, and returns
// its claims. A token that is refused gives a *[VerifyError] saying why.
//
// nonce is the nonce this login sent in its authentication request; the
// token must carry the same. Pass "" only when the request sent none.
// ctx bounds the fetch of the provider's keys, when one is needed.
func (v *Verifier) Verify(ctx context.Context, rawIDToken, nonce string) (*Claims, error) {
	token, err := parseJWS(rawIDToken)
	if err != nil {
		return nil, err
	}
	// Core §3.1.3.7 steps 6 to 8: the signature must verify with the
	// provider's key, by the algorithm that key is for (RFC 7515 §5.2).
	// Step 6 would let TLS stand in for the signature of a token that
	// came straight from the token endpoint; we check it anyway, so that
	// a Verifier is safe however the token reached the caller.
	key, err := v.keys.keyFor(ctx, token.keyID, token.algorithm)
	if err != nil {
		return nil, err
	}
	if err := key.verify(token.algorithm, token.signingInput, token.signature); err != nil {
		return nil, &VerifyError{Reason: ReasonBadSignature, Err: err}
	}
	// Only a token the provider signed is worth reading.
	claims, err := decodeClaims(token.payload)
	if err != nil {
		return nil, &VerifyError{Reason: ReasonMalformed, Err: fmt.Errorf("claims: %w", err)}
	}
	if err := v.checkClaims(claims, nonce); err != nil {
		return nil, err
	}
	return &claims.Claims, nil
}

// checkClaims checks the claims of a token whose signature has verified.
// The steps are those of Core §3.1.3.7.
func (v *Verifier) checkClaims(c *idTokenClaims, nonce string) error {
	now := v.now()

	// Step 2: the issuer is exactly the one we trust, compared as a plain
	// string.
	if c.Issuer != v.issuer {
		return refuse(ReasonIssMismatch, "iss is %s, not %s", quote(c.Issuer), quote(v.issuer))
	}
	// Step 3: the aud claim must contain our client_id; otherwise the
	// token was issued to another client, which may be replaying it here.
	if !slices.Contains(c.Audience, v.clientID) {
		return refuse(ReasonAudMismatch, "aud %s does not include our client_id", quote(strings.Join(c.Audience, " ")))
	}
	// Steps 4 and 5 as Core 1.0 first put them: with several audiences,
	// azp names the party the token was issued to, and that must be us;
	// an azp that is there at all must be us. (Errata set 2 leaves azp to
	// extensions; we keep the stricter rule, since a token issued to
	// another party is not ours to log in with.)
	if len(c.Audience) > 1 && !c.azpPresent {
		return refuse(ReasonAzpMismatch, "aud has %d values and azp is missing", len(c.Audience))
	}
	if c.azpPresent && c.AuthorizedParty != v.clientID {
		return refuse(ReasonAzpMismatch, "azp is %s, not our client_id", quote(c.AuthorizedParty))
	}
	// Step 9: the current time must be before exp.
	if c.Expiry.IsZero() {
		return refuse(ReasonExpired, "exp is missing")
	}
	if !now.Before(c.Expiry.Add(v.clockSkew)) {
		return refuse(ReasonExpired, "expired at %s; it is now %s", formatTime(c.Expiry), formatTime(now))
	}
	// Step 10: iat must be there, not in the future, and not so long ago
	// that the token can only be a replay (maxTokenAge).
	if c.IssuedAt.IsZero() {
		return refuse(ReasonIATInvalid, "iat is missing")
	}
	if c.IssuedAt.After(now.Add(v.clockSkew)) {
		return refuse(ReasonIATInvalid, "issued at %s, in the future; it is now %s", formatTime(c.IssuedAt), formatTime(now))
	}
	if c.IssuedAt.Before(now.Add(-maxTokenAge)) {
		return refuse(ReasonIATInvalid, "issued at %s, more than %s ago", formatTime(c.IssuedAt), maxTokenAge)
	}
	// RFC 7519 §4.1.5: not to be accepted before nbf.
	if !c.notBefore.IsZero() && c.notBefore.After(now.Add(v.clockSkew)) {
		return refuse(ReasonNotYetValid, "not valid before %s; it is now %s", formatTime(c.notBefore), formatTime(now))
	}
	// Step 11: the nonce ties the token to the authentication request of
	// this very login, so a token captured elsewhere cannot be injected
	// into it. The comparison takes the same time however much matches.
	if nonce != "" {
		if c.Nonce == "" {
			return refuse(ReasonNonceMismatch, "nonce is missing or empty")
		}
		if subtle.ConstantTimeCompare([]byte(c.Nonce), []byte(nonce)) != 1 {
			return refuse(ReasonNonceMismatch, "nonce does not match the one sent")
		}
	}
	// Core §2: sub is required, and at most 255 ASCII characters.
	if c.Subject == "" {
		return refuse(ReasonMissingSub, "sub is missing or empty")
	}
	if len(c.Subject) > maxSubjectLength || !isPrintableASCII(c.Subject) {
		return refuse(ReasonMalformed, "sub %s is not at most %d printable ASCII characters", quote(c.Subject), maxSubjectLength)
	}
	return nil
}

// isPrintableASCII reports whether s is made of printable ASCII
// characters only, space included. A sub with control characters or bytes
// beyond ASCII breaks Core §2, and could forge lines in a log.
func isPrintableASCII(s string) bool {
	for i := range len(s) {
		if s[i] < ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

func formatTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339)
}
