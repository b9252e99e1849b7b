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
	user          string
	scope         string
	codeChallenge string // empty when the client did not use PKCE
	expires       time.Time

	redeemed bool
	tokens   []string // the access tokens issued for the code, revoked if it is replayed
}

type accessToken struct {
	user    string
	expires time.Time
}

// grants holds the live authorization codes and access tokens.
type grants struct {
	mu     sync.Mutex
	codes  map[string]*grant
	tokens map[string]accessToken
}

func newGrants() grants {
	return grants{
		codes:  make(map[string]*grant),
		tokens: make(map[string]accessToken),
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
// for it and returns the token and the grant's scope. Spending and issuing happen under one lock, so a replay of the
// code can never slip in between and miss the token it should revoke.
//
// A code is spent by its first presentation even when check refuses it:
// whoever holds a stolen code then gets a single guess at the verifier.
func (gs *grants) redeem(code string, now time.Time, check func(*grant) *tokenError) (token, scope string, err *tokenError) {
	gs.mu.Lock()
	defer gs.mu.Unlock()
	g, ok := gs.codes[code]
	switch {
	case !ok:
		return "", "", invalidGrant("the code is unknown or has expired")
	case g.redeemed:
		// RFC 6749 §4.1.2: a code used twice may have been stolen, so the
		// tokens issued for it are revoked too (see also §10.5).
		for _, token := range g.tokens {
			delete(gs.tokens, token)
		}
		g.tokens = nil
		return "", "", invalidGrant("the code has already been used; the tokens issued for it are revoked")
	case !now.Before(g.expires):
		delete(gs.codes, code)
		return "", "", invalidGrant("the code is unknown or has expired")
	}
	g.redeemed = true
	if refusal := check(g); refusal != nil {
		return "", "", refusal
	}

	makeRoom(gs.tokens, now, func(t accessToken) time.Time { return t.expires })
	token = newSecret()
	gs.tokens[token] = accessToken{user: g.user, expires: now.Add(tokenLifetime)}
	g.tokens = append(g.tokens, token)
	return token, g.scope, nil
}

// user returns the user an unexpired access token was issued for.
func (gs *grants) user(token string, now time.Time) (string, bool) {
	gs.mu.Lock()
	defer gs.mu.Unlock()
	t, ok := gs.tokens[token]
	if !ok || !now.Before(t.expires) {
		return "", false
	}
	return t.user, true
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
