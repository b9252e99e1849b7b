package oauthtest

import (
	"mime"
	"net/http"
	"time"
)

// refreshLifetime is how long a grant's refresh tokens are good for, from
// the login; rotation does not extend it. A day covers any test and a
// long day of local development.
const refreshLifetime = 24 * time.Hour

// A refreshGrant is what a refresh token stands for: one login's grant,
// which every refresh renews. Its refresh tokens rotate: each refresh
// spends the one it was sent and issues another (RFC 9700 §4.14.2).
type refreshGrant struct {
	grant            // the login's: who, which client, the scope
	current string   // the one refresh token that is good now
	ended   bool     // revoked, or a spent refresh token came back
	tokens  []string // the access tokens issued under it, revoked with it
	expires time.Time
}

// issuesRefreshToken reports whether a login's token response carries a
// refresh token. With OpenID Connect, only for the scope offline_access
// asked with prompt=consent (OpenID Connect Core §11); otherwise always,
// as GitLab does, but for ShapeGitHub: a GitHub OAuth app's tokens
// neither expire nor refresh.
func (p *Provider) issuesRefreshToken(g grant) bool {
	switch {
	case p.cfg.Shape == ShapeGitHub:
		return false
	case p.cfg.OpenID && hasScope(g.scope, "openid"):
		return hasScope(g.scope, "offline_access") && g.consented
	}
	return true
}

// startRefresh makes the refresh grant of a login whose code issued the
// access token accessToken, and returns its first refresh token.
func (gs *grants) startRefresh(g grant, accessToken string, now time.Time) string {
	gs.mu.Lock()
	defer gs.mu.Unlock()
	expires := func(rg *refreshGrant) time.Time { return rg.expires }
	makeRoom(gs.refresh, now, expires)
	rg := &refreshGrant{grant: g, current: newSecret(), tokens: []string{accessToken}, expires: now.Add(refreshLifetime)}
	gs.refresh[rg.current] = rg
	return rg.current
}

// redeemRefresh spends the refresh token token of client clientID and
// issues a new access token and refresh token for its grant (RFC 6749 §6).
// The grant it returns carries the new refresh token. A refresh token that
// was spent already revokes its grant, the newest refresh token and every
// access token issued under it: someone else may hold a copy (RFC 9700
// §4.14.2).
func (gs *grants) redeemRefresh(token, clientID string, now time.Time) (string, grant, *tokenError) {
	gs.mu.Lock()
	defer gs.mu.Unlock()
	gs.refreshCalls++
	if rg, ok := gs.spent[token]; ok {
		gs.reused++
		gs.end(rg)
		return "", grant{}, invalidGrant("the refresh token was used before; its grant is revoked")
	}
	rg, ok := gs.refresh[token]
	switch {
	case !ok || rg.ended || !now.Before(rg.expires):
		return "", grant{}, invalidGrant("the refresh token is unknown, revoked or expired")
	case rg.clientID != clientID:
		return "", grant{}, invalidGrant("the refresh token was issued to another client")
	}
	delete(gs.refresh, token)
	makeRoom(gs.spent, now, func(rg *refreshGrant) time.Time { return rg.expires })
	gs.spent[token] = rg
	rg.current = newSecret()
	gs.refresh[rg.current] = rg

	makeRoom(gs.tokens, now, func(t accessToken) time.Time { return t.expires })
	access := newSecret()
	gs.tokens[access] = accessToken{account: rg.account, scope: rg.scope, expires: now.Add(gs.accessLifetime)}
	rg.tokens = append(rg.tokens, access)
	g := rg.grant
	g.refreshToken = rg.current
	// OpenID Connect Core §12.2: a refreshed ID token answers no
	// authentication request, so it carries no nonce.
	g.nonce = ""
	return access, g, nil
}

// end revokes rg: its refresh token and its access tokens. The caller
// holds gs.mu.
func (gs *grants) end(rg *refreshGrant) {
	rg.ended = true
	delete(gs.refresh, rg.current)
	for _, t := range rg.tokens {
		delete(gs.tokens, t)
	}
	rg.tokens = nil
}

// revoke revokes token, a refresh token with its grant or an access token
// alone, if clientID was issued it (RFC 7009 §2.1).
func (gs *grants) revoke(token, clientID string) {
	gs.mu.Lock()
	defer gs.mu.Unlock()
	if rg, ok := gs.refresh[token]; ok && rg.clientID == clientID {
		gs.end(rg)
		return
	}
	delete(gs.tokens, token) // one client only: any access token is its
}

// revoke serves POST /revoke, the token revocation endpoint (RFC 7009):
// the client, authenticated as at the token endpoint, sends a token, with
// a token_type_hint that this provider does not need. An unknown token is
// no error (§2.2): the outcome the client wants is there already.
func (p *Provider) revoke(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	parseErr := r.ParseForm()
	p.revokeRecorder.record(r)
	if p.currentMisbehaviour().RevokeFails {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "temporarily_unavailable"})
		return
	}
	if mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mediaType != "application/x-www-form-urlencoded" || parseErr != nil {
		writeTokenError(w, invalidRequest("the body must be an application/x-www-form-urlencoded form"))
		return
	}
	clientID, err := p.authenticateClient(r, r.PostForm)
	if err != nil {
		writeTokenError(w, err)
		return
	}
	token := r.PostForm.Get("token")
	if token == "" {
		writeTokenError(w, invalidRequest("token is missing"))
		return
	}
	p.grants.revoke(token, clientID)
	w.WriteHeader(http.StatusOK)
}

// RevokeAll ends every grant, with its refresh and access tokens, as a
// person does who takes their approval back at the provider: the client's
// next refresh is refused with invalid_grant.
func (p *Provider) RevokeAll() {
	gs := &p.grants
	gs.mu.Lock()
	defer gs.mu.Unlock()
	for _, rg := range gs.refresh {
		gs.end(rg)
	}
	clear(gs.tokens)
}

// RefreshCalls returns how many refresh requests the token endpoint has
// taken up (grant_type=refresh_token from an authenticated client), and
// how many of them sent a refresh token that had been used before, which
// revoked its grant. A client that refreshes right sends none.
func (p *Provider) RefreshCalls() (calls, reused int) {
	gs := &p.grants
	gs.mu.Lock()
	defer gs.mu.Unlock()
	return gs.refreshCalls, gs.reused
}

// RevokeCalls returns how many requests POST /revoke has received.
func (p *Provider) RevokeCalls() int { return p.revokeRecorder.count() }

// RevokeRequests returns the requests to POST /revoke, oldest first: all of
// them, or the latest 100 if there were more.
func (p *Provider) RevokeRequests() []RecordedRequest { return p.revokeRecorder.list() }
