package oauth

// OpenID Connect against the test provider in OpenID mode (issue 4). The
// harness's openID option builds the client the way main.go's
// newOAuthConfig does: discovery, RequireIss and EndSessionURL from the
// document, and a verifier on the fake clock (a stand-in for package
// oidc's; see harness.discover).

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"oauthlogin/oauth/oauthtest"
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

// withoutName hides the ID token's name claim, so that the client asks the
// userinfo endpoint for it (identify in identity.go).
func dropName(c *Config) {
	verifier := c.IDTokens
	c.IDTokens = IDTokenVerifierFunc(func(ctx context.Context, raw, nonce string) (IDClaims, error) {
		claims, err := verifier.VerifyIDToken(ctx, raw, nonce)
		claims.Name = ""
		return claims, err
	})
}

// refuseIDTokens makes the verifier refuse every token with err.
func refuseIDTokens(err error) func(*Config) {
	return func(c *Config) {
		c.IDTokens = IDTokenVerifierFunc(func(context.Context, string, string) (IDClaims, error) {
			return IDClaims{}, err
		})
	}
}

// TestChecklist29_OpenIDConnectLogin logs in with each algorithm the
// provider signs ID tokens with. The user is who the verified ID token
// says, keyed on (iss, sub) (oauth/SECURITY.md #29).
func TestChecklist29_OpenIDConnectLogin(t *testing.T) {
	t.Parallel()
	for _, alg := range []string{"RS256", "PS256", "ES256", "EdDSA"} {
		t.Run("#29 "+alg, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOptions{openID: true, as: func(c *oauthtest.Config) { c.IDTokenAlg = alg }})
			if h.cfg.Issuer != h.front.URL || h.cfg.UserURL != h.front.URL+"/userinfo" {
				t.Fatalf("discovery gave issuer %q, userinfo %q", h.cfg.Issuer, h.cfg.UserURL)
			}
			b := h.newBrowser()
			b.login(t, "/private")
			h.assertLoggedIn(t, b.cookie)

			signedWith, claims := idTokenOf(t, h)
			if signedWith != alg {
				t.Fatalf("the ID token is signed with %s, want %s", signedWith, alg)
			}
			rec, _ := h.readRecord(b.cookie)
			want := User{Issuer: h.front.URL, Subject: claims.Sub, Username: testUser, Name: "Ada (dev)", Email: "ada@example.test"}
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
		h := newHarness(t, harnessOptions{openID: true, configure: dropName})
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
	h := newHarness(t, harnessOptions{openID: true})
	var nonces []string
	for range 2 {
		b := h.newBrowser()
		authURL, _ := b.startLogin(t, "/private")
		nonce := authURL.Query().Get("nonce")
		if len(nonce) != 43 || strings.Trim(nonce, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
			t.Fatalf("nonce %q, want 43 base64url characters", nonce)
		}
		rec, _ := h.readRecord(b.cookie)
		if len(rec.Values.Pending) != 1 || rec.Values.Pending[0].Nonce != nonce {
			t.Errorf("the session file keeps %+v, want the pending login with nonce %q", rec.Values.Pending, nonce)
		}
		callback, _ := h.approve(t, authURL)
		if resp := b.get(callback); resp.Status != http.StatusSeeOther {
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
		name      string
		fault     oauthtest.Misbehaviour
		configure func(*Config)
		event     string
		reason    string // the VerifyError reason in the log
		logged    string // in the err, when there is no reason
	}{
		{name: "wrong issuer", fault: oauthtest.Misbehaviour{IDToken: oauthtest.IDTokenWrongIssuer},
			event: "id_token_invalid", reason: "iss_mismatch"},
		{name: "wrong audience", fault: oauthtest.Misbehaviour{IDToken: oauthtest.IDTokenWrongAudience},
			event: "id_token_invalid", reason: "aud_mismatch"},
		{name: "expired", fault: oauthtest.Misbehaviour{IDToken: oauthtest.IDTokenExpired},
			event: "id_token_invalid", reason: "expired"},
		{name: "nonce mismatch", fault: oauthtest.Misbehaviour{IDToken: oauthtest.IDTokenNonceMismatch},
			event: "id_token_invalid", reason: "nonce_mismatch"},
		{name: "no ID token", fault: oauthtest.Misbehaviour{IDToken: oauthtest.IDTokenMissing},
			event: "id_token_invalid", reason: "missing_id_token"},
		{name: "a refusal of the verifier's own", configure: refuseIDTokens(&Refusal{Reason: "bad_signature", Err: errors.New("the signature does not verify")}),
			event: "id_token_invalid", reason: "bad_signature", logged: "the signature does not verify"},
		{name: "a verifier error without a reason", configure: refuseIDTokens(errors.New("keys went missing")),
			event: "id_token_invalid", logged: "keys went missing"},
		{name: "userinfo sub mismatch", fault: oauthtest.Misbehaviour{UserinfoSubMismatch: true}, configure: dropName,
			event: "user_fetch_failed", logged: "userinfo sub differs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOptions{openID: true, configure: tt.configure})
			h.as.Misbehave(tt.fault)
			b := h.newBrowser()
			authURL, _ := b.startLogin(t, "/private")
			callback, _ := h.approve(t, authURL)
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

// notAdvertisingIss serves the provider's discovery document without its
// RFC 9207 promise; the provider still sends iss.
func notAdvertisingIss(w http.ResponseWriter, r *http.Request, as http.Handler) {
	if r.URL.Path != "/.well-known/openid-configuration" {
		as.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	as.ServeHTTP(rec, r)
	const promise = `"authorization_response_iss_parameter_supported":true`
	if !bytes.Contains(rec.Body.Bytes(), []byte(promise)) {
		panic("the provider's discovery document does not say " + promise)
	}
	w.Header().Set("Content-Type", rec.Header().Get("Content-Type"))
	w.Write(bytes.Replace(rec.Body.Bytes(), []byte(promise), []byte(`"authorization_response_iss_parameter_supported":false`), 1))
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
			opts := harnessOptions{openID: true}
			if !tt.advertise {
				opts.provider = notAdvertisingIss
			}
			h := newHarness(t, opts)
			if h.cfg.RequireIss != tt.advertise {
				t.Fatalf("RequireIss %t after discovery, want %t", h.cfg.RequireIss, tt.advertise)
			}
			b := h.newBrowser()
			authURL, _ := b.startLogin(t, "/private")
			callback, _ := h.approve(t, authURL)
			u, _ := url.Parse(callback)
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
		endSession bool   // whether the app keeps the discovered end_session_endpoint
	}{
		{"with a post_logout_redirect_uri", postLogout, true},
		{"without a post_logout_redirect_uri", "", true},
		{"without an end_session_endpoint", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOptions{openID: true,
				as: func(c *oauthtest.Config) { c.PostLogoutRedirectURL = tt.postLogout },
				configure: func(c *Config) {
					c.PostLogoutRedirectURL = tt.postLogout
					if !tt.endSession {
						c.EndSessionURL = ""
					}
				}})
			if tt.endSession && h.cfg.EndSessionURL != h.front.URL+"/logout" {
				t.Fatalf("EndSessionURL %q after discovery, want the provider's /logout", h.cfg.EndSessionURL)
			}
			b := h.newBrowser()
			b.login(t, "/private")
			idToken := h.lastIDToken()
			rec, _ := h.readRecord(b.cookie)
			if kept := rec.Values.IDToken; tt.endSession && kept != idToken || !tt.endSession && kept != "" {
				t.Errorf("the session keeps ID token %t, want %t (the one issued)", kept != "", tt.endSession)
			}
			cookie := b.cookie

			resp := b.do(http.MethodPost, "/logout", sameOrigin)
			if _, ok := h.readRecord(cookie); ok {
				t.Error("the session record is still on disk after logout")
			}
			if !tt.endSession {
				if resp.Status != http.StatusSeeOther || resp.Header.Get("Location") != SignedOutPath {
					t.Errorf("logout: %v, want a 303 to %s", resp, SignedOutPath)
				}
				return
			}
			loc := resp.location(t)
			want := url.Values{"id_token_hint": {idToken}, "client_id": {testClientID}}
			if tt.postLogout != "" {
				want.Set("post_logout_redirect_uri", tt.postLogout)
			}
			if resp.Status != http.StatusSeeOther || !strings.HasPrefix(loc.String(), h.cfg.EndSessionURL+"?") ||
				loc.Query().Encode() != want.Encode() {
				t.Fatalf("logout: %v, want a 303 to %s?%s", resp, h.cfg.EndSessionURL, want.Encode())
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

// TestChecklist45_54_LoginRateLimit checks the per-client limit on login
// starts (oauth/SECURITY.md #45) and callbacks (#54), on the fake clock.
func TestChecklist45_54_LoginRateLimit(t *testing.T) {
	t.Parallel()
	limited := func(t *testing.T, resp *response, what string, h *harness, mark int) {
		t.Helper()
		if resp.Status != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "60" ||
			!strings.HasPrefix(resp.Body, "Too many attempts") {
			t.Errorf("%s: %v, Retry-After %q; want 429, Retry-After 60 and the page", what, resp, resp.Header.Get("Retry-After"))
		}
		if n := len(resp.Header.Values("Set-Cookie")); n != 0 {
			t.Errorf("%s: %d cookies set, want none", what, n)
		}
		if events := h.eventsSince(t, mark); len(events) != 1 || events[0].str("event") != "rate_limited" {
			t.Errorf("%s: logged %v, want one rate_limited record", what, events)
		}
	}
	t.Run("#45 the third login start in a minute", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOptions{rateLimit: &RateLimit{PerMinute: 2, Burst: 2}})
		h.newBrowser().startLogin(t, "/private")
		h.newBrowser().startLogin(t, "/private")
		if n := h.fileCount(t); n != 2 {
			t.Fatalf("%d session files after two login starts, want 2", n)
		}
		third := h.newBrowser()
		mark := h.logs.Len()
		limited(t, third.get("/private"), "third start", h, mark)
		if n := h.fileCount(t); n != 2 {
			t.Errorf("%d session files after the refused start, want still 2", n)
		}
		// Another client has a bucket of its own.
		other := third.do(http.MethodGet, "/private", func(r *http.Request) { r.RemoteAddr = "198.51.100.9:4321" })
		if other.Status != http.StatusFound {
			t.Errorf("another client's start: %v, want 302", other)
		}
		h.clock.Advance(time.Minute)
		third.startLogin(t, "/private")
	})
	t.Run("#54 a callback over the limit", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOptions{rateLimit: &RateLimit{PerMinute: 2, Burst: 2}})
		b := h.newBrowser()
		authURL, _ := b.startLogin(t, "/private")
		h.newBrowser().startLogin(t, "/private")
		callback, _ := h.approve(t, authURL)
		mark := h.logs.Len()
		limited(t, b.get(callback), "callback", h, mark)
		if n := h.tokenCalls(); n != 0 {
			t.Errorf("%d token calls, want 0", n)
		}
		// The refused callback used nothing up: half a minute later (one
		// token at 2 a minute, while the code is still good) it works.
		h.clock.Advance(30 * time.Second)
		if resp := b.get(callback); resp.Status != http.StatusSeeOther {
			t.Fatalf("callback 30 s later: %v, want 303", resp)
		}
		h.assertLoggedIn(t, b.cookie)
	})
}

// padIDToken makes the provider's ID tokens larger by n bytes, in the
// signature part, which the harness's stand-in verifier does not read.
func padIDToken(n int) func(http.ResponseWriter, *http.Request, http.Handler) {
	return func(w http.ResponseWriter, r *http.Request, as http.Handler) {
		if r.URL.Path != "/token" {
			as.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		as.ServeHTTP(rec, r)
		var body map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			panic("the provider's token response is not JSON: " + rec.Body.String())
		}
		if idToken, ok := body["id_token"].(string); ok {
			body["id_token"] = idToken + strings.Repeat("A", n)
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(body)
	}
}

// TestIssue10_LargeIDTokenIsNotKept logs in with an ID token of 60 KiB,
// just under what a session record may hold: the login succeeds, the
// session loads on the next page view (no second login), the token is not
// kept, and logout at the provider goes on without id_token_hint.
func TestIssue10_LargeIDTokenIsNotKept(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{openID: true, provider: padIDToken(60 << 10)})
	b := h.newBrowser()
	mark := h.logs.Len()
	b.login(t, "/private")
	if n := len(h.lastIDToken()); n < 60<<10 {
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
	resp := b.do(http.MethodPost, "/logout", sameOrigin)
	if loc := resp.location(t); resp.Status != http.StatusSeeOther || loc.Query().Has("id_token_hint") ||
		loc.Query().Get("client_id") != testClientID {
		t.Errorf("logout: %v, want a 303 to the provider with client_id and without id_token_hint", resp)
	}
}

// TestIssue10_LoginTooLargeForTheSession: when the logged-in session would
// be larger than the store takes (here the application had already stored
// nearly 64 KiB in it, and the profile is long), the visitor gets a page
// that says so, 502, not a loop back to the provider, and the log says
// why.
func TestIssue10_LoginTooLargeForTheSession(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("n", maxProfileField)
	h := newHarness(t, harnessOptions{provider: answerAt("/user", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"id": 1, "login": testUser, "name": long, "email": long})
	})})
	b := h.newBrowser()
	authURL, _ := b.startLogin(t, "/private")

	// Fill the record to 100 bytes short of the limit: it still loads,
	// and the user (over 500 bytes) cannot join it.
	path := h.recordPath(b.cookie)
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
	values["app"] = strings.Repeat("x", session.MaxRecordSize-len(file)-100)
	file, _ = json.Marshal(rec)
	if err := os.WriteFile(path, file, 0o600); err != nil {
		t.Fatal(err)
	}
	// The store keeps the record's expiry in the file's times.
	if err := os.Chtimes(path, info.ModTime(), info.ModTime()); err != nil {
		t.Fatal(err)
	}

	callback, _ := h.approve(t, authURL)
	mark := h.logs.Len()
	resp := b.get(callback)
	if resp.Status != http.StatusBadGateway || !strings.HasPrefix(resp.Body, "The provider sent more than this site can keep") {
		t.Errorf("callback: %v, want the 502 page", resp)
	}
	events := h.eventsSince(t, mark)
	if len(events) != 1 || events[0].str("event") != "session_record_too_large" {
		t.Errorf("logged %v, want one session_record_too_large record", events)
	}
	h.assertAnonymous(t, b.cookie)
}
