package oidc

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// BackchannelLogoutEvent is the member of a logout token's events claim
// that makes it one (OpenID Connect Back-Channel Logout 1.0 §2.4).
const BackchannelLogoutEvent = "http://schemas.openid.net/event/backchannel-logout"

// MaxLogoutTokenAge is the most time since iat that a logout token may
// have. A provider sends it the moment a session ends; an older one can
// only be a replay, and bounding the age bounds how long a replay cache
// must remember a jti.
const MaxLogoutTokenAge = 10 * time.Minute

// Reasons a logout token is refused, besides those it shares with ID
// tokens (signature, alg, iss, aud, iat, exp, malformed).
const (
	ReasonNotLogoutToken = "not_logout_token" // no backchannel-logout event, or a nonce (§2.6 steps 4 and 5)
	ReasonMissingJTI     = "missing_jti"      // nothing to detect a replay by
	ReasonNoSubOrSID     = "missing_sub_sid"  // names neither a user nor a provider session
)

// LogoutClaims are what a verified logout token says: whose sessions
// ended. Subject, SessionID or both are set.
type LogoutClaims struct {
	Issuer    string    // iss
	Subject   string    // sub; "" when absent
	SessionID string    // sid, the provider's session; "" when absent
	JWTID     string    // jti, for the replay cache
	IssuedAt  time.Time // iat
	// NotAfter is when the token stops being accepted (by its exp or its
	// age, whichever is first, plus the clock skew): how long a replay
	// cache must keep JWTID.
	NotAfter time.Time
}

// VerifyLogoutToken checks rawToken, a logout token the provider sent to
// the back-channel logout endpoint, as OpenID Connect Back-Channel Logout
// 1.0 §2.6 requires, and returns its claims. Signature, algorithm, key,
// iss and aud are checked as for an ID token. A token that is refused
// gives a *[VerifyError] saying why. It does not remember jti: the caller
// keeps the replay cache, shared between its instances.
func (v *Verifier) VerifyLogoutToken(ctx context.Context, rawToken string) (*LogoutClaims, error) {
	// §2.6 step 3 and RFC 8725 §3.11: a typed token must be a logout
	// token, so an ID token cannot pass for one.
	token, err := parseTypedJWS(rawToken, func(typ string) bool {
		return typ == "" || strings.TrimPrefix(strings.ToLower(typ), "application/") == "logout+jwt"
	})
	if err != nil {
		return nil, err
	}
	key, err := v.keys.keyFor(ctx, token.keyID, token.algorithm)
	if err != nil {
		return nil, err
	}
	if err := key.verify(token.algorithm, token.signingInput, token.signature); err != nil {
		return nil, &VerifyError{Reason: ReasonBadSignature, Err: err}
	}
	claims, err := decodeClaims(token.payload)
	if err != nil {
		return nil, &VerifyError{Reason: ReasonMalformed, Err: fmt.Errorf("claims: %w", err)}
	}
	extra, err := decodeLogoutClaims(token.payload)
	if err != nil {
		return nil, &VerifyError{Reason: ReasonMalformed, Err: fmt.Errorf("claims: %w", err)}
	}
	return v.checkLogoutClaims(claims, extra)
}

// logoutOnly are the claims of a logout token that an ID token lacks.
type logoutOnly struct {
	sessionID, jwtID string
	logoutEvent      bool // events holds the backchannel-logout event, an object
	noncePresent     bool
}

func decodeLogoutClaims(payload []byte) (logoutOnly, error) {
	var l logoutOnly
	obj, err := parseJSONObject(payload)
	if err != nil {
		return l, err
	}
	if _, err := obj.member("sid", &l.sessionID); err != nil {
		return l, err
	}
	if _, err := obj.member("jti", &l.jwtID); err != nil {
		return l, err
	}
	l.noncePresent = obj.has("nonce")
	var events jsonObject
	if _, err := obj.member("events", &events); err != nil {
		return l, err
	}
	var event jsonObject
	l.logoutEvent, err = events.member(BackchannelLogoutEvent, &event)
	return l, err
}

// checkLogoutClaims follows §2.6 steps 3 to 6 for a token whose signature
// has verified.
func (v *Verifier) checkLogoutClaims(c *idTokenClaims, l logoutOnly) (*LogoutClaims, error) {
	now := v.now()
	if c.Issuer != v.issuer {
		return nil, refuse(ReasonIssMismatch, "iss is %s, not %s", quote(c.Issuer), quote(v.issuer))
	}
	if !slices.Contains(c.Audience, v.clientID) {
		return nil, refuse(ReasonAudMismatch, "aud %s does not include our client_id", quote(strings.Join(c.Audience, " ")))
	}
	// §2.4: iat is required; a token from the future or from long ago is
	// refused, so the replay cache need only remember MaxLogoutTokenAge.
	if c.IssuedAt.IsZero() {
		return nil, refuse(ReasonIATInvalid, "iat is missing")
	}
	if c.IssuedAt.After(now.Add(v.clockSkew)) {
		return nil, refuse(ReasonIATInvalid, "issued at %s, in the future; it is now %s", formatTime(c.IssuedAt), formatTime(now))
	}
	notAfter := c.IssuedAt.Add(MaxLogoutTokenAge + v.clockSkew)
	if !now.Before(notAfter) {
		return nil, refuse(ReasonIATInvalid, "issued at %s, more than %s ago", formatTime(c.IssuedAt), MaxLogoutTokenAge)
	}
	if !c.Expiry.IsZero() {
		if !now.Before(c.Expiry.Add(v.clockSkew)) {
			return nil, refuse(ReasonExpired, "expired at %s; it is now %s", formatTime(c.Expiry), formatTime(now))
		}
		if end := c.Expiry.Add(v.clockSkew); end.Before(notAfter) {
			notAfter = end
		}
	}
	// Step 4: the events claim holds the backchannel-logout event, a JSON
	// object; step 5: a nonce is forbidden, so an ID token, which carries
	// one, cannot be replayed here as a logout token.
	if !l.logoutEvent {
		return nil, refuse(ReasonNotLogoutToken, "events has no %s object", BackchannelLogoutEvent)
	}
	if l.noncePresent {
		return nil, refuse(ReasonNotLogoutToken, "nonce is present, which a logout token must not have")
	}
	if l.jwtID == "" {
		return nil, refuse(ReasonMissingJTI, "jti is missing or empty")
	}
	// Step 6 and §2.4: sub, sid or both say whose sessions end.
	if c.Subject == "" && l.sessionID == "" {
		return nil, refuse(ReasonNoSubOrSID, "neither sub nor sid is present")
	}
	if len(c.Subject) > maxSubjectLength || !isPrintableASCII(c.Subject) {
		return nil, refuse(ReasonMalformed, "sub %s is not at most %d printable ASCII characters", quote(c.Subject), maxSubjectLength)
	}
	if len(l.sessionID) > maxSubjectLength || !isPrintableASCII(l.sessionID) {
		return nil, refuse(ReasonMalformed, "sid %s is not at most %d printable ASCII characters", quote(l.sessionID), maxSubjectLength)
	}
	return &LogoutClaims{
		Issuer: c.Issuer, Subject: c.Subject, SessionID: l.sessionID, JWTID: l.jwtID,
		IssuedAt: c.IssuedAt, NotAfter: notAfter,
	}, nil
}
