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

// logout sends a logout request with params, by GET or by a form POST,
// without following redirects.
func logout(t *testing.T, s *oauthtest.Server, method string, params url.Values) response {
	t.Helper()
	if method == http.MethodPost {
		return do(t, noRedirects(s), formRequest(t, s.HTTP.URL+"/logout", params))
	}
	req, err := http.NewRequest(http.MethodGet, s.HTTP.URL+"/logout?"+params.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, noRedirects(s), req)
}

func TestLogout(t *testing.T) {
	s := start(t, openIDConfig())
	idToken := tokenFor(t, s, openIDParams()).IDToken
	// The token with another subject: one this provider never issued.
	d := decodeJWT(t, idToken)
	d.claims["sub"] = "1"
	claims, err := json.Marshal(d.claims)
	if err != nil {
		t.Fatal(err)
	}
	header, _, _ := strings.Cut(idToken, ".")
	tampered := header + "." + base64.RawURLEncoding.EncodeToString(claims) + "." + base64.RawURLEncoding.EncodeToString(d.signature)

	tests := []struct {
		name     string
		method   string
		params   url.Values
		location string // where the browser is sent; "" for a page
		status   int
		page     string // what the page says
	}{
		{"nothing", http.MethodGet, url.Values{}, "", http.StatusOK, "You are logged out of the development provider."},
		{"hint alone", http.MethodGet, url.Values{"id_token_hint": {idToken}}, "", http.StatusOK, "You are logged out"},
		{"back with state", http.MethodGet, url.Values{"id_token_hint": {idToken}, "post_logout_redirect_uri": {postLogoutURL}, "state": {"s 1"}},
			postLogoutURL + "&state=s+1", http.StatusSeeOther, ""},
		{"back without state", http.MethodGet, url.Values{"id_token_hint": {idToken}, "post_logout_redirect_uri": {postLogoutURL}},
			postLogoutURL, http.StatusSeeOther, ""},
		{"back by client_id", http.MethodGet, url.Values{"client_id": {clientID}, "post_logout_redirect_uri": {postLogoutURL}, "state": {"x"}},
			postLogoutURL + "&state=x", http.StatusSeeOther, ""},
		{"back by POST", http.MethodPost, url.Values{"id_token_hint": {idToken}, "post_logout_redirect_uri": {postLogoutURL}, "state": {"x"}},
			postLogoutURL + "&state=x", http.StatusSeeOther, ""},
		{"back without hint or client_id", http.MethodGet, url.Values{"post_logout_redirect_uri": {postLogoutURL}},
			"", http.StatusBadRequest, "needs an id_token_hint or a client_id"},
		{"other URI", http.MethodGet, url.Values{"id_token_hint": {idToken}, "post_logout_redirect_uri": {"https://evil.test/"}},
			"", http.StatusBadRequest, "is not the one registered"},
		{"longer URI", http.MethodGet, url.Values{"id_token_hint": {idToken}, "post_logout_redirect_uri": {postLogoutURL + "&x=1"}},
			"", http.StatusBadRequest, "is not the one registered"},
		{"tampered hint", http.MethodGet, url.Values{"id_token_hint": {tampered}, "post_logout_redirect_uri": {postLogoutURL}},
			"", http.StatusBadRequest, "not an ID token this provider issued"},
		{"tampered hint alone", http.MethodGet, url.Values{"id_token_hint": {tampered}},
			"", http.StatusBadRequest, "not an ID token this provider issued"},
		{"other client", http.MethodGet, url.Values{"client_id": {"other"}, "post_logout_redirect_uri": {postLogoutURL}},
			"", http.StatusBadRequest, "is not the one this provider knows"},
		{"repeated state", http.MethodGet, url.Values{"id_token_hint": {idToken}, "post_logout_redirect_uri": {postLogoutURL}, "state": {"a", "b"}},
			"", http.StatusBadRequest, "more than one state"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := logout(t, s, tt.method, tt.params)

			if r.status != tt.status || r.header.Get("Location") != tt.location {
				t.Errorf("status %d, Location %q; want %d, %q", r.status, r.header.Get("Location"), tt.status, tt.location)
			}
			if !strings.Contains(r.body, tt.page) {
				t.Errorf("the page does not say %q:\n%s", tt.page, r.body)
			}
			if tt.location == "" && r.header.Get("Content-Security-Policy") == "" {
				t.Error("a page without Content-Security-Policy")
			}
		})
	}
	if s.LogoutCalls() != len(tests) || len(s.LogoutRequests()) != len(tests) {
		t.Errorf("LogoutCalls() = %d, %d recorded; want %d", s.LogoutCalls(), len(s.LogoutRequests()), len(tests))
	}
	if post := s.LogoutRequests()[5]; post.Method != http.MethodPost || post.Form.Get("state") != "x" {
		t.Errorf("recorded POST = %+v", post)
	}
}

// A POST's parameters are in its body (RP-Initiated Logout §2): any in the
// query are not looked at.
func TestLogoutPostIgnoresTheQuery(t *testing.T) {
	s := start(t, openIDConfig())
	req := formRequest(t, s.HTTP.URL+"/logout?"+url.Values{"client_id": {clientID}, "post_logout_redirect_uri": {"https://evil.test/"}}.Encode(), nil)

	r := do(t, noRedirects(s), req)

	if r.status != http.StatusOK || !strings.Contains(r.body, "You are logged out") {
		t.Errorf("status %d, want 200 and the logged-out page:\n%s", r.status, r.body)
	}
}

// A provider with no post-logout redirect URL registered sends no one back.
func TestLogoutWithoutRegisteredURL(t *testing.T) {
	cfg := openIDConfig()
	cfg.PostLogoutRedirectURL = ""
	s := start(t, cfg)
	idToken := tokenFor(t, s, openIDParams()).IDToken

	r := logout(t, s, http.MethodGet, url.Values{"id_token_hint": {idToken}, "post_logout_redirect_uri": {postLogoutURL}})

	if r.status != http.StatusBadRequest || r.header.Get("Location") != "" || !strings.Contains(r.body, "No post_logout_redirect_uri is registered") {
		t.Errorf("status %d, Location %q; want 400 and a page", r.status, r.header.Get("Location"))
	}
}

// RP-Initiated Logout §2: an expired ID token is still a good hint for a
// while, and one signed with a key since rotated away is still one this
// provider issued.
func TestLogoutHintLifetime(t *testing.T) {
	clock := newFakeClock()
	cfg := openIDConfig()
	cfg.Now = clock.Now
	s := start(t, cfg)
	idToken := tokenFor(t, s, openIDParams()).IDToken
	back := url.Values{"id_token_hint": {idToken}, "post_logout_redirect_uri": {postLogoutURL}}

	s.RotateKeys()
	clock.Advance(24*time.Hour - time.Second)
	if r := logout(t, s, http.MethodGet, back); r.status != http.StatusSeeOther {
		t.Errorf("an expired hint from before a key rotation: status %d, want 303", r.status)
	}
	clock.Advance(time.Second)
	if r := logout(t, s, http.MethodGet, back); r.status != http.StatusBadRequest {
		t.Errorf("a hint a day old: status %d, want 400", r.status)
	}
}
