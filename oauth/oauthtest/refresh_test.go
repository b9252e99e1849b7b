package oauthtest_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"oauthlogin/oauth/oauthtest"
)

// tokenAnswer is a token response as a client reads it.
type tokenAnswer struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int    `json:"expires_in"`
	IDToken      string `json:"id_token"`
}

// codeTokens redeems a code for params and returns the whole answer.
func codeTokens(t *testing.T, s *oauthtest.Server, params url.Values) tokenAnswer {
	t.Helper()
	r := postToken(t, s, tokenForm(authorizeCode(t, s, params)))
	if r.status != http.StatusOK {
		t.Fatalf("token status %d: %s", r.status, r.body)
	}
	var a tokenAnswer
	decodeJSON(t, r.body, &a)
	return a
}

// refresh sends a refresh request for token.
func refresh(t *testing.T, s *oauthtest.Server, token string) response {
	t.Helper()
	return postToken(t, s, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {token},
		"client_id": {clientID}, "client_secret": {clientSecret}})
}

// TestRefreshTokensRotateAndReuseRevokesTheGrant: a code's tokens come with
// a refresh token, and access tokens live AccessTokenLifetime; each
// refresh spends its refresh token and issues the next; a spent one sent
// again is refused and revokes the grant: its newest refresh token and its
// access tokens stop working too.
func TestRefreshTokensRotateAndReuseRevokesTheGrant(t *testing.T) {
	clock := newFakeClock()
	cfg := config()
	cfg.AccessTokenLifetime, cfg.Now = 2*time.Second, clock.Now
	s := start(t, cfg)
	first := codeTokens(t, s, authorizeParams())
	if first.RefreshToken == "" || first.ExpiresIn != 2 {
		t.Fatalf("code's answer: refresh token %q, expires_in %d; want one, and 2", first.RefreshToken, first.ExpiresIn)
	}
	clock.Advance(2 * time.Second)
	if r := getUser(t, s, s.UserURL(), "Bearer "+first.AccessToken); r.status != http.StatusUnauthorized {
		t.Errorf("an access token past its lifetime: %d, want 401", r.status)
	}
	r := refresh(t, s, first.RefreshToken)
	var second tokenAnswer
	decodeJSON(t, r.body, &second)
	if r.status != http.StatusOK || second.RefreshToken == "" || second.RefreshToken == first.RefreshToken {
		t.Fatalf("refresh: %d %s; want new tokens", r.status, r.body)
	}
	if r := getUser(t, s, s.UserURL(), "Bearer "+second.AccessToken); r.status != http.StatusOK {
		t.Errorf("the refreshed access token: %d", r.status)
	}
	checkError(t, refresh(t, s, first.RefreshToken), http.StatusBadRequest, "invalid_grant")
	checkError(t, refresh(t, s, second.RefreshToken), http.StatusBadRequest, "invalid_grant")
	if r := getUser(t, s, s.UserURL(), "Bearer "+second.AccessToken); r.status != http.StatusUnauthorized {
		t.Errorf("an access token of a revoked grant: %d, want 401", r.status)
	}
	if calls, reused := s.RefreshCalls(); calls != 3 || reused != 1 {
		t.Errorf("RefreshCalls = %d, %d; want 3, 1", calls, reused)
	}
}

// TestOfflineAccessNeedsConsent: with OpenID Connect, a refresh token comes
// only for offline_access asked with prompt=consent (OpenID Connect Core
// §11); a refresh's ID token has no nonce; and GitHub's shape has none.
func TestOfflineAccessNeedsConsent(t *testing.T) {
	s := start(t, openIDConfig())
	params := openIDParams()
	params.Set("scope", "openid offline_access")
	if a := codeTokens(t, s, params); a.RefreshToken != "" {
		t.Error("offline_access without prompt=consent gave a refresh token")
	}
	params.Set("prompt", "login consent")
	a := codeTokens(t, s, params)
	if a.RefreshToken == "" {
		t.Fatal("offline_access with prompt=consent gave no refresh token")
	}
	r := refresh(t, s, a.RefreshToken)
	var refreshed tokenAnswer
	decodeJSON(t, r.body, &refreshed)
	claims := idTokenClaims(t, refreshed.IDToken)
	if r.status != http.StatusOK || claims["sub"] == nil || claims["nonce"] != nil {
		t.Errorf("refresh: %d; ID token claims %v; want one with sub, without nonce", r.status, claims)
	}
	s.Misbehave(oauthtest.Misbehaviour{IDToken: oauthtest.IDTokenOtherSubject})
	decodeJSON(t, refresh(t, s, refreshed.RefreshToken).body, &refreshed)
	if other := idTokenClaims(t, refreshed.IDToken); other["sub"] == claims["sub"] {
		t.Errorf("IDTokenOtherSubject: sub %v, want another", other["sub"])
	}

	cfg := config()
	cfg.Shape = oauthtest.ShapeGitHub
	gh := start(t, cfg)
	req := formRequest(t, gh.TokenURL(), tokenForm(authorizeCode(t, gh, authorizeParams())))
	req.Header.Set("Accept", "application/json")
	if body := do(t, gh.HTTP.Client(), req).body; strings.Contains(body, "refresh_token") {
		t.Errorf("GitHub's shape gave a refresh token: %s", body)
	}
}

func idTokenClaims(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWS: %q", token)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

// TestRevocationEndpoint: an authenticated client revokes a refresh token,
// and with it the grant (RFC 7009 §2.1); an unknown token is no error
// (§2.2); RevokeFails makes the endpoint fail; RevokeAll ends every grant.
func TestRevocationEndpoint(t *testing.T) {
	s := start(t, config())
	revoke := func(form url.Values) response {
		return do(t, s.HTTP.Client(), formRequest(t, s.HTTP.URL+"/revoke", form))
	}
	a := codeTokens(t, s, authorizeParams())
	checkError(t, revoke(url.Values{"token": {a.RefreshToken}}), http.StatusUnauthorized, "invalid_client")
	creds := url.Values{"client_id": {clientID}, "client_secret": {clientSecret}, "token_type_hint": {"refresh_token"}}
	creds.Set("token", a.RefreshToken)
	if r := revoke(creds); r.status != http.StatusOK {
		t.Fatalf("revocation: %d %s", r.status, r.body)
	}
	checkError(t, refresh(t, s, a.RefreshToken), http.StatusBadRequest, "invalid_grant")
	if r := getUser(t, s, s.UserURL(), "Bearer "+a.AccessToken); r.status != http.StatusUnauthorized {
		t.Errorf("the revoked grant's access token: %d, want 401", r.status)
	}
	creds.Set("token", "never-issued")
	if r := revoke(creds); r.status != http.StatusOK {
		t.Errorf("revoking an unknown token: %d, want 200", r.status)
	}
	s.Misbehave(oauthtest.Misbehaviour{RevokeFails: true})
	if r := revoke(creds); r.status != http.StatusServiceUnavailable {
		t.Errorf("RevokeFails: %d, want 503", r.status)
	}
	if s.RevokeCalls() != 4 || len(s.RevokeRequests()) != 4 {
		t.Errorf("RevokeCalls = %d, want 4", s.RevokeCalls())
	}
	s.Misbehave(oauthtest.Misbehaviour{})
	b := codeTokens(t, s, authorizeParams())
	s.RevokeAll()
	checkError(t, refresh(t, s, b.RefreshToken), http.StatusBadRequest, "invalid_grant")
}
