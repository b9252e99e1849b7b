package backchannel

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"oauthlogin/oauth/oidc"
)

// TestIssue23_LogoutTokenRefusals: each token the receiver must refuse
// (Back-Channel Logout 1.0 §2.6) gets 400 with a JSON error, and ends no
// session.
func TestIssue23_LogoutTokenRefusals(t *testing.T) {
	_, otherKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	type tokenFunc func(h *harness, header, claims map[string]any) string
	signed := func(change func(header, claims map[string]any)) tokenFunc {
		return func(h *harness, header, claims map[string]any) string {
			change(header, claims)
			return h.sign(header, claims)
		}
	}
	cases := []struct {
		name   string
		token  tokenFunc
		reason string
	}{
		{"bad signature", func(h *harness, header, claims map[string]any) string {
			return signWith(t, otherKey, header, claims)
		}, oidc.ReasonBadSignature},
		{"alg none", func(h *harness, header, claims map[string]any) string {
			header["alg"] = "none"
			tok := h.sign(header, claims)
			return tok[:strings.LastIndex(tok, ".")+1]
		}, oidc.ReasonUnsupportedAlg},
		{"alg HS256", signed(func(header, _ map[string]any) { header["alg"] = "HS256" }), oidc.ReasonUnsupportedAlg},
		{"wrong aud", signed(func(_, c map[string]any) { c["aud"] = "another-app" }), oidc.ReasonAudMismatch},
		{"wrong iss", signed(func(_, c map[string]any) { c["iss"] = "https://evil.example" }), oidc.ReasonIssMismatch},
		{"missing events", signed(func(_, c map[string]any) { delete(c, "events") }), oidc.ReasonNotLogoutToken},
		{"another event", signed(func(_, c map[string]any) {
			c["events"] = map[string]any{"http://schemas.openid.net/event/other": map[string]any{}}
		}), oidc.ReasonNotLogoutToken},
		{"event not an object", signed(func(_, c map[string]any) {
			c["events"] = map[string]any{oidc.BackchannelLogoutEvent: "yes"}
		}), oidc.ReasonMalformed},
		{"nonce present", signed(func(_, c map[string]any) { c["nonce"] = "n" }), oidc.ReasonNotLogoutToken},
		{"neither sub nor sid", signed(func(_, c map[string]any) { delete(c, "sub"); delete(c, "sid") }), oidc.ReasonNoSubOrSID},
		{"no jti", signed(func(_, c map[string]any) { delete(c, "jti") }), oidc.ReasonMissingJTI},
		{"iat too old", signed(func(_, c map[string]any) {
			c["iat"] = time.Now().Add(-oidc.MaxLogoutTokenAge - 2*oidc.DefaultClockSkew).Unix()
			delete(c, "exp")
		}), oidc.ReasonIATInvalid},
		{"iat in the future", signed(func(_, c map[string]any) { c["iat"] = time.Now().Add(time.Hour).Unix() }), oidc.ReasonIATInvalid},
		{"no iat", signed(func(_, c map[string]any) { delete(c, "iat") }), oidc.ReasonIATInvalid},
		{"expired", signed(func(_, c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() }), oidc.ReasonExpired},
		{"typed as an ID token", signed(func(header, _ map[string]any) { header["typ"] = "JWT" }), oidc.ReasonMalformed},
		{"oversized", func(h *harness, header, claims map[string]any) string {
			claims["padding"] = strings.Repeat("x", maxLogoutRequest)
			return h.sign(header, claims)
		}, "request_unreadable"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			id := h.login("alice", "s1")
			rec := h.sendLogout(tc.token(h, logoutHeader(), h.logoutClaims("alice", "s1")))
			var body struct{ Error, Reason string }
			json.Unmarshal(rec.Body.Bytes(), &body)
			if rec.Code != http.StatusBadRequest || body.Error != "invalid_request" || body.Reason != tc.reason {
				t.Errorf("status %d, body %s; want 400 invalid_request for %s", rec.Code, rec.Body, tc.reason)
			}
			if got := rec.Header().Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control %q", got)
			}
			if !h.alive(id) {
				t.Error("a refused token ended the session")
			}
		})
	}
}

// TestIssue23_LogoutBySidEndsThatSessionOnly: a token with sid ends the
// session of that provider session, and not the person's other one; a
// token with sub alone ends all of the person's; nobody else's ends.
func TestIssue23_LogoutBySidEndsThatSessionOnly(t *testing.T) {
	h := newHarness(t)
	phone, laptop, bob := h.login("alice", "s1"), h.login("alice", "s2"), h.login("bob", "s3")

	rec := h.sendLogout(h.sign(logoutHeader(), h.logoutClaims("alice", "s1")))
	if rec.Code != http.StatusOK || rec.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("status %d, Cache-Control %q, body %s", rec.Code, rec.Header().Get("Cache-Control"), rec.Body)
	}
	if h.alive(phone) || !h.alive(laptop) {
		t.Fatalf("after sid s1: phone alive %v, laptop alive %v; want only the laptop", h.alive(phone), h.alive(laptop))
	}
	// Untyped, as some providers send them, and by sub alone.
	rec = h.sendLogout(h.sign(map[string]any{"alg": "EdDSA", "kid": "k1"}, h.logoutClaims("alice", "")))
	if rec.Code != http.StatusOK || h.alive(laptop) {
		t.Fatalf("after sub alice: status %d, laptop alive %v", rec.Code, h.alive(laptop))
	}
	if !h.alive(bob) {
		t.Fatal("bob's session ended with alice's")
	}
}

// TestIssue23_ReplayedLogoutTokenRefused: a logout token is taken once;
// sent again, it is refused and ends nothing, not even a newer login.
func TestIssue23_ReplayedLogoutTokenRefused(t *testing.T) {
	h := newHarness(t)
	h.login("alice", "")
	token := h.sign(logoutHeader(), h.logoutClaims("alice", ""))
	if rec := h.sendLogout(token); rec.Code != http.StatusOK {
		t.Fatalf("first: status %d, body %s", rec.Code, rec.Body)
	}
	again := h.login("alice", "")
	rec := h.sendLogout(token)
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `"replayed"`) {
		t.Errorf("replay: status %d, body %s; want 400 replayed", rec.Code, rec.Body)
	}
	if !h.alive(again) {
		t.Error("the replayed token ended the newer login")
	}
}

// TestIssue23_ReceiveNeedsOneLogoutToken: a request without the form
// field, or with two, is refused.
func TestIssue23_ReceiveNeedsOneLogoutToken(t *testing.T) {
	h := newHarness(t)
	tok := h.sign(logoutHeader(), h.logoutClaims("alice", ""))
	for _, form := range []url.Values{{}, {"logout_token": {tok, tok}}} {
		if rec := h.post(ReceivePath, form, ""); rec.Code != http.StatusBadRequest {
			t.Errorf("form %v: status %d, want 400", form, rec.Code)
		}
	}
}

// TestIssue23_EverywhereEndsEveryDeviceOfThePerson: "log out of all
// devices" ends the person's every session, this one included, and no
// one else's, and ends on the signed-out page.
func TestIssue23_EverywhereEndsEveryDeviceOfThePerson(t *testing.T) {
	h := newHarness(t)
	phone, laptop, bob := h.login("alice", "s1"), h.login("alice", ""), h.login("bob", "")
	rec := h.post(EverywherePath, url.Values{}, laptop)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/signed-out" {
		t.Fatalf("status %d, Location %q", rec.Code, rec.Header().Get("Location"))
	}
	if h.alive(phone) || h.alive(laptop) {
		t.Errorf("phone alive %v, laptop alive %v after logging out everywhere", h.alive(phone), h.alive(laptop))
	}
	if !h.alive(bob) {
		t.Error("bob's session ended too")
	}
}

// TestIssue23_SessionIDIsReadCaseSensitively: only a claim named exactly
// sid files the session under a provider session.
func TestIssue23_SessionIDIsReadCaseSensitively(t *testing.T) {
	payload := base64.RawURLEncoding.EncodeToString([]byte(`{"SID":"s1"}`))
	if got := sessionID("e30." + payload + ".sig"); got != "" {
		t.Errorf("sessionID read SID as %q", got)
	}
}
