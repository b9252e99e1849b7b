package oauthtest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestEndSessionSendsALogoutToken: ending the provider session of a login
// POSTs to the client a logout token for its sid and subject (Back-Channel
// Logout 1.0 §2.4), typed logout+jwt and signed with a key of the JWKS;
// the sid is the one in the login's ID token. Ending it again is an error.
func TestEndSessionSendsALogoutToken(t *testing.T) {
	s := start(t, openIDConfig())
	var body tokenBody
	decodeJSON(t, postToken(t, s, tokenForm(authorizeCode(t, s, openIDParams()))).body, &body)
	idToken := decodeJWT(t, body.IDToken)
	sid := s.LatestSessionID()
	if sid == "" || idToken.claims["sid"] != sid {
		t.Fatalf("LatestSessionID %q, the ID token's sid %v", sid, idToken.claims["sid"])
	}
	var token string
	client := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		token = r.PostFormValue("logout_token")
	}))
	defer client.Close()

	ctx := context.Background()
	if err := s.EndSession(ctx, client.URL, sid); err != nil {
		t.Fatal(err)
	}
	if err := verifyJWT(t, token, fetchJWKS(t, s)); err != nil {
		t.Fatalf("the logout token does not verify: %v", err)
	}
	got := decodeJWT(t, token)
	events, _ := got.claims["events"].(map[string]any)
	_, isLogout := events["http://schemas.openid.net/event/backchannel-logout"].(map[string]any)
	if got.header["typ"] != "logout+jwt" || got.claims["sid"] != sid || got.claims["sub"] != idToken.claims["sub"] ||
		got.claims["aud"] != clientID || got.claims["jti"] == nil || !isLogout || got.claims["nonce"] != nil {
		t.Errorf("logout token header %v, claims %v", got.header, got.claims)
	}
	if err := s.EndSession(ctx, client.URL, sid); err == nil {
		t.Error("a provider session ended twice")
	}
}
