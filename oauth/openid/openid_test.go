package openid

// OpenID Connect logins against the test provider (issue 4), through this
// package as main.go wires it: discovery, the Identifier, and the ID
// token kept for logout at the provider.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"oauthlogin/oauth"
	"oauthlogin/oauth/oauthtest"
	"oauthlogin/oauth/oidc"
	"oauthlogin/session"
)

// jwtPart decodes part i (0 the header, 1 the claims) of a JWT, unverified,
// into v.
func jwtPart(t *testing.T, token string, i int, v any) {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("the ID token has %d parts, want 3", len(parts))
	}
	data, err := base64.RawURLEncoding.DecodeString(parts[i])
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatal(err)
	}
}

// idTokenOf decodes the latest ID token the provider issued, unverified.
func idTokenOf(t *testing.T, h *harness) (alg string, claims struct{ Sub, Nonce string }) {
	t.Helper()
	raw := h.lastIDToken()
	if raw == "" {
		t.Fatal("the provider issued no ID token")
	}
	var header struct{ Alg string }
	jwtPart(t, raw, 0, &header)
	jwtPart(t, raw, 1, &claims)
	return header.Alg, claims
}

// dropName hides the verified ID token's name claim, so that the
// Identifier asks the userinfo endpoint for it.
func dropName(p *Provider) {
	verify := p.verify
	p.verify = func(ctx context.Context, raw, nonce string) (*oidc.Claims, error) {
		claims, err := verify(ctx, raw, nonce)
		if claims != nil {
			claims.Name = ""
		}
		return claims, err
	}
}

// TestChecklist29_OpenIDConnectLogin logs in with each algorithm the
// provider signs ID tokens with, checked by package oidc against the
// provider's published keys. The user is who the verified ID token says,
// keyed on (iss, sub) (oauth/SECURITY.md #29).
func TestChecklist29_OpenIDConnectLogin(t *testing.T) {
	t.Parallel()
	for _, alg := range []string{"RS256", "PS256", "ES256", "EdDSA"} {
		t.Run("#29 "+alg, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOptions{as: func(c *oauthtest.Config) { c.IDTokenAlg = alg }})
			if h.cfg.Issuer != h.front.URL || h.cfg.AuthorizeURL != h.front.URL+"/authorize" ||
				h.cfg.TokenURL != h.front.URL+"/token" || h.cfg.UserURL != h.front.URL+"/userinfo" {
				t.Fatalf("discovery gave issuer %q, endpoints %q, %q, %q", h.cfg.Issuer, h.cfg.AuthorizeURL, h.cfg.TokenURL, h.cfg.UserURL)
			}
			b := h.newBrowser()
			b.login(t, "/private")
			h.assertLoggedIn(t, b.cookie)

			signedWith, claims := idTokenOf(t, h)
			if signedWith != alg {
				t.Fatalf("the ID token is signed with %s, want %s", signedWith, alg)
			}
			rec, _ := h.readRecord(b.cookie)
			want := oauth.User{Issuer: h.front.URL, Subject: claims.Sub, Username: testUser, Name: "Ada (dev)", Email: "ada@example.test"}
			if claims.Sub == "" || rec.Values.User == nil || *rec.Values.User != want {
				t.Errorf("session user %+v, want %+v", rec.Values.User, want)
			}
			// The ID token said everything: no other call was needed.
			if h.as.UserinfoCalls() != 0 || h.as.UserCalls() != 0 {
				t.Errorf("calls: userinfo %d, user %d; want 0, 0", h.as.UserinfoCalls(), h.as.UserCalls())
			}
		})
	}
	t.Run("#29 a missing name is taken from userinfo about the same sub", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOptions{discovered: dropName})
		b := h.newBrowser()
		b.login(t, "/private")
		rec, _ := h.readRecord(b.cookie)
		if rec.Values.User == nil || rec.Values.User.Name != "Ada (dev)" || h.as.UserinfoCalls() != 1 {
			t.Errorf("session user %+v after %d userinfo calls; want the name from one call", rec.Values.User, h.as.UserinfoCalls())
		}
	})
}

// TestIssue4_NonceServerSideOnly checks the nonce of each authentication
// request: 43 base64url characters of fresh randomness, kept in the
// session file and sent only to the provider, which puts it in the ID
// token.
func TestIssue4_NonceServerSideOnly(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	var nonces []string
	for range 2 {
		b := h.newBrowser()
		authURL := b.startLogin(t, "/private")
		nonce := authURL.Query().Get("nonce")
		if len(nonce) != 43 || strings.Trim(nonce, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
			t.Fatalf("nonce %q, want 43 base64url characters", nonce)
		}
		rec, _ := h.readRecord(b.cookie)
		if len(rec.Values.Pending) != 1 || rec.Values.Pending[0].Nonce != nonce {
			t.Errorf("the session file keeps %+v, want the pending login with nonce %q", rec.Values.Pending, nonce)
		}
		if resp := b.get(h.approve(t, authURL)); resp.Status != http.StatusSeeOther {
			t.Fatalf("callback: %v", resp)
		}
		if _, claims := idTokenOf(t, h); claims.Nonce != nonce {
			t.Errorf("ID token nonce %q, want %q", claims.Nonce, nonce)
		}
		nonces = append(nonces, nonce)
	}
	if nonces[0] == nonces[1] {
		t.Errorf("two logins sent the same nonce %q", nonces[0])
	}
	// Beyond the redirect to the provider (checked by the canary sweep),
	// neither the log nor a cookie carries it.
	for _, nonce := range nonces {
		if strings.Contains(h.logs.String(), nonce) {
			t.Errorf("the nonce %q is in the log", nonce)
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, resp := range h.responses {
		for _, line := range resp.Header.Values("Set-Cookie") {
			for _, nonce := range nonces {
				if strings.Contains(line, nonce) {
					t.Errorf("Set-Cookie %q carries the nonce", line)
				}
			}
		}
	}
}

// TestIssue4_IDTokenRefused makes the provider issue each kind of wrong ID
// token, and a userinfo answer about someone else: each login fails with
// the failure page, stays anonymous, and logs one record that says why.
func TestIssue4_IDTokenRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		fault      oauthtest.Misbehaviour
		discovered func(*Provider)
		event      string
		reason     string // oidc's reason for refusing the token
		logged     string // in the err
	}{
		{name: "wrong issuer", fault: oauthtest.Misbehaviour{IDToken: oauthtest.IDTokenWrongIssuer},
			event: "identity_refused", reason: "iss_mismatch"},
		{name: "wrong audience", fault: oauthtest.Misbehaviour{IDToken: oauthtest.IDTokenWrongAudience},
			event: "identity_refused", reason: "aud_mismatch"},
		{name: "expired", fault: oauthtest.Misbehaviour{IDToken: oauthtest.IDTokenExpired},
			event: "identity_refused", reason: "expired"},
		{name: "nonce mismatch", fault: oauthtest.Misbehaviour{IDToken: oauthtest.IDTokenNonceMismatch},
			event: "identity_refused", reason: "nonce_mismatch"},
		{name: "no ID token", fault: oauthtest.Misbehaviour{IDToken: oauthtest.IDTokenMissing},
			event: "identity_refused", reason: "missing_id_token", logged: "no id_token"},
		{name: "bad signature", fault: oauthtest.Misbehaviour{IDToken: oauthtest.IDTokenBadSignature},
			event: "identity_refused", reason: "bad_signature"},
		{name: "alg none", fault: oauthtest.Misbehaviour{IDToken: oauthtest.IDTokenAlgNone},
			event: "identity_refused", reason: "unsupported_alg"},
		{name: "a key the provider does not publish", fault: oauthtest.Misbehaviour{IDToken: oauthtest.IDTokenUnknownKid},
			event: "identity_refused", reason: "unknown_kid"},
		{name: "a verifier error without a reason", discovered: func(p *Provider) {
			p.verify = func(context.Context, string, string) (*oidc.Claims, error) {
				return nil, errors.New("keys went missing")
			}
		}, event: "user_fetch_failed", logged: "keys went missing"},
		{name: "userinfo sub mismatch", fault: oauthtest.Misbehaviour{UserinfoSubMismatch: true}, discovered: dropName,
			event: "user_fetch_failed", logged: "userinfo sub differs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOptions{discovered: tt.discovered})
			h.as.Misbehave(tt.fault)
			b := h.newBrowser()
			callback := h.approve(t, b.startLogin(t, "/private"))
			mark := h.logs.Len()
			resp := b.get(callback)
			if resp.Status != http.StatusBadGateway || !strings.HasPrefix(resp.Body, "The provider gave an unexpected answer") {
				t.Errorf("callback: %v, want the 502 failure page", resp)
			}
			events := h.eventsSince(t, mark)
			if len(events) != 1 || events[0].str("event") != tt.event || events[0].str("reason") != tt.reason ||
				!strings.Contains(events[0].str("err"), tt.logged) {
				t.Errorf("logged %v, want one %s record with reason %q and %q in err", events, tt.event, tt.reason, tt.logged)
			}
			if tt.fault.UserinfoSubMismatch && h.as.UserinfoCalls() != 1 {
				t.Errorf("%d userinfo calls, want 1", h.as.UserinfoCalls())
			}
			if rec, ok := h.readRecord(b.cookie); ok && (rec.Values.User != nil || rec.Values.IDToken != "") {
				t.Errorf("the session keeps %+v and an ID token %t after a refused login", rec.Values.User, rec.Values.IDToken != "")
			}
			h.assertAnonymous(t, b.cookie)
		})
	}
}

// TestIDTokenClaimsAreBounded: a verified ID token whose name is longer
// than a profile field may be does not log anyone in, as a profile with
// such a name would not: the session would keep it and every page show
// it.
func TestIDTokenClaimsAreBounded(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{discovered: func(p *Provider) {
		verify := p.verify
		p.verify = func(ctx context.Context, raw, nonce string) (*oidc.Claims, error) {
			claims, err := verify(ctx, raw, nonce)
			if claims != nil {
				claims.Name = strings.Repeat("n", maxClaimLength+1)
			}
			return claims, err
		}
	}})
	b := h.newBrowser()
	callback := h.approve(t, b.startLogin(t, "/private"))
	mark := h.logs.Len()
	if resp := b.get(callback); resp.Status != http.StatusBadGateway {
		t.Errorf("callback: %v, want the 502 failure page", resp)
	}
	if events := h.eventsSince(t, mark); len(events) != 1 || events[0].str("event") != "user_fetch_failed" ||
		!strings.Contains(events[0].str("err"), "over 256 bytes") {
		t.Errorf("logged %v, want one user_fetch_failed record about the claim's length", events)
	}
	h.assertAnonymous(t, b.cookie)
}

// advertisingIss makes the provider's discovery document promise RFC 9207's
// iss or not; the provider still sends iss.
func advertisingIss(promise bool) func(http.ResponseWriter, *http.Request, http.Handler) {
	return rewrite("/.well-known/openid-configuration", func(doc map[string]any) {
		const name = "authorization_response_iss_parameter_supported"
		if doc[name] != true {
			panic("the provider's discovery document does not set " + name)
		}
		doc[name] = promise
	})
}

// TestChecklist12_RFC9207IssFromDiscovery checks oauth/SECURITY.md #12
// with the provider's own discovery document: when it advertises
// authorization_response_iss_parameter_supported, a callback without iss
// is refused; with or without it, an iss other than the issuer is.
func TestChecklist12_RFC9207IssFromDiscovery(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		advertise bool
		iss       func(issuer string) string // the callback's iss; "" removes it
		want      int
		reason    string
	}{
		{"#12 advertised, iss removed", true, func(string) string { return "" }, http.StatusBadRequest, "iss_missing"},
		{"#12 advertised, iss with a trailing slash", true, func(s string) string { return s + "/" }, http.StatusBadRequest, "iss_mismatch"},
		{"#12 advertised, iss of another provider", true, func(string) string { return "https://evil.example" }, http.StatusBadRequest, "iss_mismatch"},
		{"#12 advertised, the issuer", true, func(s string) string { return s }, http.StatusSeeOther, ""},
		{"#12 not advertised, iss removed", false, func(string) string { return "" }, http.StatusSeeOther, ""},
		{"#12 not advertised, iss with a trailing slash", false, func(s string) string { return s + "/" }, http.StatusBadRequest, "iss_mismatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOptions{provider: advertisingIss(tt.advertise)})
			if h.cfg.RequireIss != tt.advertise {
				t.Fatalf("RequireIss %t after discovery, want %t", h.cfg.RequireIss, tt.advertise)
			}
			b := h.newBrowser()
			u, err := url.Parse(h.approve(t, b.startLogin(t, "/private")))
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			if q.Get("iss") != h.front.URL {
				t.Fatalf("the provider sent iss %q, want %q", q.Get("iss"), h.front.URL)
			}
			if iss := tt.iss(h.front.URL); iss == "" {
				q.Del("iss")
			} else {
				q.Set("iss", iss)
			}
			u.RawQuery = q.Encode()
			mark := h.logs.Len()
			resp := b.get(u.String())
			if resp.Status != tt.want {
				t.Fatalf("callback: %v, want HTTP %d", resp, tt.want)
			}
			if tt.want == http.StatusSeeOther {
				h.assertLoggedIn(t, b.cookie)
				return
			}
			h.assertRefused(t, mark, tt.reason, b.cookie)
		})
	}
}

// TestConfigureKeepsWhatIsSet: discovery fills in only the endpoints the
// configuration leaves empty, and never lifts a requirement of iss that
// the configuration makes.
func TestConfigureKeepsWhatIsSet(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{provider: advertisingIss(false)})
	c := oauth.Config{
		AuthorizeURL: "https://login.example/authorize",
		TokenURL:     "https://login.example/token",
		UserURL:      "https://login.example/me",
		RequireIss:   true,
	}
	h.provider.Configure(&c)
	if c.AuthorizeURL != "https://login.example/authorize" || c.TokenURL != "https://login.example/token" ||
		c.UserURL != "https://login.example/me" || !c.RequireIss || c.Issuer != h.front.URL || c.Identifier == nil {
		t.Errorf("Configure made %+v; want the endpoints and RequireIss kept, the issuer and an Identifier set", c)
	}
}

// TestDiscoverRefusesIncompleteOptions: a Provider that could verify no
// token is refused at start-up, with a reason, rather than by a panic.
func TestDiscoverRefusesIncompleteOptions(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		opts Options
		want string
	}{
		{Options{}, "ClientID is empty"},
		{Options{ClientID: testClientID, ClockSkew: -1}, "ClockSkew is negative"},
	} {
		_, err := Discover(context.Background(), nil, "http://127.0.0.1:1", tt.opts)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Discover with %+v: %v, want an error saying %q", tt.opts, err, tt.want)
		}
	}
}

// TestIssue4_LogoutAtEndSessionEndpoint checks RP-Initiated Logout: with
// an end_session_endpoint from discovery, POST /logout sends the browser
// there with the ID token of the login as id_token_hint, and the provider
// sends it back to the post-logout URI. The ID token is kept in the
// session for that only, and shown nowhere else (the canary sweep).
func TestIssue4_LogoutAtEndSessionEndpoint(t *testing.T) {
	t.Parallel()
	const postLogout = appOrigin + "/logged-out"
	tests := []struct {
		name       string
		postLogout string // the post-logout redirect URI configured on both sides
		endSession bool   // whether the discovery document names an end_session_endpoint
	}{
		{"with a post_logout_redirect_uri", postLogout, true},
		{"without a post_logout_redirect_uri", "", true},
		{"without an end_session_endpoint", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := harnessOptions{
				as:      func(c *oauthtest.Config) { c.PostLogoutRedirectURL = tt.postLogout },
				options: func(o *Options) { o.PostLogoutRedirectURL = tt.postLogout },
			}
			if !tt.endSession {
				opts.provider = rewrite("/.well-known/openid-configuration", func(doc map[string]any) {
					delete(doc, "end_session_endpoint")
				})
			}
			h := newHarness(t, opts)
			if end := h.provider.EndSessionURL(); tt.endSession && end != h.front.URL+"/logout" || !tt.endSession && end != "" {
				t.Fatalf("EndSessionURL %q after discovery, want %t for the provider's /logout", end, tt.endSession)
			}
			b := h.newBrowser()
			b.login(t, "/private")
			idToken := h.lastIDToken()
			rec, _ := h.readRecord(b.cookie)
			if kept := rec.Values.IDToken; tt.endSession && kept != idToken || !tt.endSession && kept != "" {
				t.Errorf("the session keeps ID token %t, want %t (the one issued)", kept != "", tt.endSession)
			}
			cookie := b.cookie

			resp := b.logout()
			if _, ok := h.readRecord(cookie); ok {
				t.Error("the session record is still on disk after logout")
			}
			if !tt.endSession {
				if resp.Status != http.StatusSeeOther || resp.Header.Get("Location") != oauth.SignedOutPath {
					t.Errorf("logout: %v, want a 303 to %s", resp, oauth.SignedOutPath)
				}
				return
			}
			loc := resp.location(t)
			want := url.Values{"id_token_hint": {idToken}, "client_id": {testClientID}}
			if tt.postLogout != "" {
				want.Set("post_logout_redirect_uri", tt.postLogout)
			}
			end := h.provider.EndSessionURL()
			if resp.Status != http.StatusSeeOther || !strings.HasPrefix(loc.String(), end+"?") || loc.Query().Encode() != want.Encode() {
				t.Fatalf("logout: %v, want a 303 to %s?%s", resp, end, want.Encode())
			}
			// The browser goes on to the provider, which checks the hint.
			at, err := h.browser.Get(loc.String())
			if err != nil {
				t.Fatal(err)
			}
			at.Body.Close()
			switch {
			case h.as.LogoutCalls() != 1:
				t.Errorf("%d calls to the provider's logout, want 1", h.as.LogoutCalls())
			case tt.postLogout != "" && (at.StatusCode != http.StatusSeeOther || at.Header.Get("Location") != tt.postLogout):
				t.Errorf("provider's logout: HTTP %d to %q, want a 303 to %s", at.StatusCode, at.Header.Get("Location"), tt.postLogout)
			case tt.postLogout == "" && at.StatusCode != http.StatusOK:
				t.Errorf("provider's logout: HTTP %d, want its logged-out page", at.StatusCode)
			}
		})
	}
}

// TestLogoutWithBrokenEndSessionURLEndsSignedOut: a logout endpoint that
// cannot be parsed, which a copy of the package could configure, still
// ends on the signed-out page: never on a protected page, which would
// start a new login.
func TestLogoutWithBrokenEndSessionURLEndsSignedOut(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{discovered: func(p *Provider) {
		p.meta.EndSessionEndpoint = "https://provider.example/%zz"
	}})
	b := h.newBrowser()
	b.login(t, "/private")
	if resp := b.logout(); resp.Status != http.StatusSeeOther || resp.Header.Get("Location") != oauth.SignedOutPath {
		t.Errorf("logout: %v; want a 303 to %s", resp, oauth.SignedOutPath)
	}
}

// padIDToken makes the provider's ID tokens larger by n bytes, at the end
// of the signature. Use it with verifyUnpadded.
func padIDToken(n int) func(http.ResponseWriter, *http.Request, http.Handler) {
	return rewrite("/token", func(body map[string]any) {
		if idToken, ok := body["id_token"].(string); ok {
			body["id_token"] = idToken + strings.Repeat("A", n)
		}
	})
}

// verifyUnpadded verifies an ID token padded by padIDToken(n) as it was
// issued.
func verifyUnpadded(n int) func(*Provider) {
	return func(p *Provider) {
		verify := p.verify
		p.verify = func(ctx context.Context, raw, nonce string) (*oidc.Claims, error) {
			return verify(ctx, raw[:max(len(raw)-n, 0)], nonce)
		}
	}
}

// TestIssue10_LargeIDTokenIsNotKept logs in with an ID token of 60 KiB,
// just under what a session record may hold: the login succeeds, the
// session loads on the next page view (no second login), the token is not
// kept, and logout at the provider goes on without id_token_hint.
func TestIssue10_LargeIDTokenIsNotKept(t *testing.T) {
	t.Parallel()
	const padding = 60 << 10
	h := newHarness(t, harnessOptions{provider: padIDToken(padding), discovered: verifyUnpadded(padding)})
	b := h.newBrowser()
	mark := h.logs.Len()
	b.login(t, "/private")
	if n := len(h.lastIDToken()); n < padding {
		t.Fatalf("the provider's ID token has %d bytes, want at least 60 KiB", n)
	}
	if resp := b.get("/private"); resp.Status != http.StatusOK || resp.Body != "hello "+testUser {
		t.Fatalf("the page after login: %v, want it shown to %s", resp, testUser)
	}
	if rec, _ := h.readRecord(b.cookie); rec.Values.IDToken != "" {
		t.Errorf("the session keeps an ID token of %d bytes", len(rec.Values.IDToken))
	}
	var noted bool
	for _, e := range h.eventsSince(t, mark) {
		noted = noted || e.str("event") == "id_token_not_kept"
	}
	if !noted {
		t.Error("no id_token_not_kept record in the log")
	}
	resp := b.logout()
	if loc := resp.location(t); resp.Status != http.StatusSeeOther || loc.Query().Has("id_token_hint") ||
		loc.Query().Get("client_id") != testClientID {
		t.Errorf("logout: %v, want a 303 to the provider with client_id and without id_token_hint", resp)
	}
}

// fillRecord pads the session file of id with an application value until
// it is room bytes short of what a record may hold, keeping its expiry.
func fillRecord(t *testing.T, h *harness, id string, room int) {
	t.Helper()
	path := h.recordPath(id)
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	if err := json.Unmarshal(file, &rec); err != nil {
		t.Fatal(err)
	}
	values := rec["values"].(map[string]any)
	values["app"] = ""
	file, _ = json.Marshal(rec)
	values["app"] = strings.Repeat("x", session.MaxRecordSize-len(file)-room)
	file, _ = json.Marshal(rec)
	if err := os.WriteFile(path, file, 0o600); err != nil {
		t.Fatal(err)
	}
	// The store keeps the record's expiry in the file's times.
	if err := os.Chtimes(path, info.ModTime(), info.ModTime()); err != nil {
		t.Fatal(err)
	}
}

// TestIssue10_LoginTooLargeForTheSession: when the logged-in session would
// be larger than the store takes (here the application had already stored
// nearly 64 KiB in it, and the ID token kept for logout does not fit
// beside it), the visitor gets a page that says so, 502, not a loop back
// to the provider, and the log says why. The same session without the ID
// token to keep logs in.
func TestIssue10_LoginTooLargeForTheSession(t *testing.T) {
	t.Parallel()
	for _, keep := range []bool{true, false} {
		name := "the ID token kept"
		if !keep {
			name = "no logout endpoint, nothing kept"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var opts harnessOptions
			if !keep {
				opts.provider = rewrite("/.well-known/openid-configuration", func(doc map[string]any) {
					delete(doc, "end_session_endpoint")
				})
			}
			h := newHarness(t, opts)
			b := h.newBrowser()
			authURL := b.startLogin(t, "/private")
			// The login takes the pending attempt out and puts the user
			// in, which fits in 300 bytes; an ID token (some 800 bytes)
			// does not.
			fillRecord(t, h, b.cookie, 300)

			callback := h.approve(t, authURL)
			mark := h.logs.Len()
			resp := b.get(callback)
			if !keep {
				if resp.Status != http.StatusSeeOther {
					t.Fatalf("callback: %v, want the login to succeed", resp)
				}
				h.assertLoggedIn(t, b.cookie)
				return
			}
			if resp.Status != http.StatusBadGateway || !strings.HasPrefix(resp.Body, "The provider sent more than this site can keep") {
				t.Errorf("callback: %v, want the 502 page", resp)
			}
			events := h.eventsSince(t, mark)
			if len(events) != 1 || events[0].str("event") != "session_record_too_large" {
				t.Errorf("logged %v, want one session_record_too_large record", events)
			}
			h.assertAnonymous(t, b.cookie)
		})
	}
}
