package oauthtest

import (
	"crypto/rand"
	"encoding/base64"
	"sync"
	"time"
)

const (
	// RFC 6749 §4.1.2 recommends codes live at most ten minutes. The browser
	// hands a code to the app within seconds, so one minute is plenty.
	codeLifetime  = time.Minute
	tokenLifetime = time.Hour

	// idTokenHintLifetime is how long an issued ID token is accepted as
	// id_token_hint at logout. RP-Initiated Logout 1.0 §2 asks that an
	// expired one be accepted while its session can still be current, so
	// this is far longer than the token's own hour.
	idTokenHintLifetime = 24 * time.Hour

	// maxLive bounds how many codes, and how many access tokens, are kept at
	// once, so that a long-running development server cannot grow without
	// limit however many sign-ins it sees.
	maxLive = 1000
)

// A grant is what an authorization code stands for: a user's approval of
// one authorization request. The code is only good for the same client,
// redirect URI and PKCE verifier (RFC 6749 §4.1.3, RFC 7636 §4.6).
type grant struct {
	clientID      string
	redirectURI   string
	account       // who approved, and what the provider says about them
	scope         string
	codeChallenge string // empty when the client did not use PKCE
	nonce         string // OpenID Connect's nonce, for the ID token; empty when none was sent
	authTime      time.Time
	expires       time.Time

	redeemed bool
	tokens   []string // the access tokens issued for the code, revoked if it is replayed

	consented    bool   // the authorization request asked for consent (prompt=consent)
	refreshToken string // the refresh token of this token response; "" for none (refresh.go)
}

type accessToken struct {
	account // whose token it is
	scope   string
	expires time.Time
}

// grants holds the live authorization codes and access tokens, the ID
// tokens recently issued, and the refresh grants (refresh.go).
type grants struct {
	mu       sync.Mutex
	codes    map[string]*grant
	tokens   map[string]accessToken
	idTokens map[string]time.Time // until when each is accepted as id_token_hint

	accessLifetime time.Duration            // of every access token: Config.AccessTokenLifetime
	refresh        map[string]*refreshGrant // by the refresh token that is good now
	spent          map[string]*refreshGrant // by each refresh token used already
	refreshCalls   int                      // refresh requests taken up
	reused         int                      // of them, with a spent refresh token
}

func newGrants() grants {
	return grants{
		codes:          make(map[string]*grant),
		tokens:         make(map[string]accessToken),
		idTokens:       make(map[string]time.Time),
		accessLifetime: tokenLifetime,
		refresh:        make(map[string]*refreshGrant),
		spent:          make(map[string]*refreshGrant),
	}
}

// issueCode records g under a new authorization code and returns the code.
func (gs *grants) issueCode(g grant, now time.Time) string {
	gs.mu.Lock()
	defer gs.mu.Unlock()
	makeRoom(gs.codes, now, func(g *grant) time.Time { return g.expires })
	code := newSecret()
	g.expires = now.Add(codeLifetime)
	gs.codes[code] = &g
	return code
}

// redeem spends code and, if check accepts its grant, issues an access token
// for it and returns the token and a copy of the grant. Spending and issuing
// happen under one lock, so a replay of the code can never slip in between
// and miss the token it should revoke.
//
// A code is spent by its first presentation even when check refuses it:
// whoever holds a stolen code then gets a single guess at the verifier.
func (gs *grants) redeem(code string, now time.Time, check func(*grant) *tokenError) (string, grant, *tokenError) {
	gs.mu.Lock()
	defer gs.mu.Unlock()
	g, ok := gs.codes[code]
	switch {
	case !ok:
		return "", grant{}, invalidGrant("the code is unknown or has expired")
	case g.redeemed:
		// RFC 6749 §4.1.2: a code used twice may have been stolen, so the
		// tokens issued for it are revoked too (see also §10.5).
		for _, token := range g.tokens {
			delete(gs.tokens, token)
		}
		g.tokens = nil
		return "", grant{}, invalidGrant("the code has already been used; the tokens issued for it are revoked")
	case !now.Before(g.expires):
		delete(gs.codes, code)
		return "", grant{}, invalidGrant("the code is unknown or has expired")
	}
	g.redeemed = true
	if refusal := check(g); refusal != nil {
		return "", grant{}, refusal
	}

	makeRoom(gs.tokens, now, func(t accessToken) time.Time { return t.expires })
	token := newSecret()
	gs.tokens[token] = accessToken{account: g.account, scope: g.scope, expires: now.Add(gs.accessLifetime)}
	g.tokens = append(g.tokens, token)
	return token, *g, nil
}

// lookup returns what an unexpired access token was issued for.
func (gs *grants) lookup(token string, now time.Time) (accessToken, bool) {
	gs.mu.Lock()
	defer gs.mu.Unlock()
	t, ok := gs.tokens[token]
	if !ok || !now.Before(t.expires) {
		return accessToken{}, false
	}
	return t, true
}

// rememberIDToken records that idToken was issued, so that it can be
// recognized when it comes back as id_token_hint.
func (gs *grants) rememberIDToken(idToken string, now time.Time) {
	gs.mu.Lock()
	defer gs.mu.Unlock()
	makeRoom(gs.idTokens, now, func(until time.Time) time.Time { return until })
	gs.idTokens[idToken] = now.Add(idTokenHintLifetime)
}

// issuedIDToken reports whether idToken was issued here, recently enough to
// be accepted as id_token_hint. Comparing with what was issued proves more
// than checking a signature would: a token signed with a key since rotated
// away is still recognized, and one never sent out is not.
func (gs *grants) issuedIDToken(idToken string, now time.Time) bool {
	gs.mu.Lock()
	defer gs.mu.Unlock()
	until, ok := gs.idTokens[idToken]
	return ok && now.Before(until)
}

// makeRoom drops the expired entries of m and then, if m is still full, the
// entry closest to expiring, so that one more entry fits.
func makeRoom[V any](m map[string]V, now time.Time, expires func(V) time.Time) {
	var soonest string
	for key, v := range m {
		switch {
		case !now.Before(expires(v)):
			delete(m, key)
		case soonest == "" || expires(v).Before(expires(m[soonest])):
			soonest = key
		}
	}
	if len(m) >= maxLive {
		delete(m, soonest)
	}
}

// newSecret returns 32 random bytes, base64url-encoded: 256 bits, beyond any
// guessing (RFC 6749 §10.10).
func newSecret() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails: since Go 1.24 it crashes the program instead
	return base64.RawURLEncoding.EncodeToString(b)
}
