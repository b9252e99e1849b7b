package oauth

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"oauthlogin/oauth/oauthtest"
)

// TestChecklist08_StateMustMatch sends callbacks whose state is missing,
// foreign or altered (oauth/SECURITY.md #8). Each carries a code the
// provider would redeem, so a missing check would show as a token call.
func TestChecklist08_StateMustMatch(t *testing.T) {
	t.Parallel()
	// Each row gets a victim browser with a pending login, its state and a
	// valid code for it, and returns the browser that sends the callback
	// and its URL.
	tests := []struct {
		name       string
		wantReason string
		callback   func(t *testing.T, h *harness, victim *browser, state, code string) (*browser, string)
	}{
		{"#8a no state", "state_missing", func(_ *testing.T, _ *harness, b *browser, _, code string) (*browser, string) {
			return b, callbackURL("code", code)
		}},
		{"#8a empty state", "state_missing", func(_ *testing.T, _ *harness, b *browser, _, code string) (*browser, string) {
			return b, callbackURL("code", code, "state", "")
		}},
		{"#8b code and state of another browser's login (login CSRF)", "state_mismatch",
			func(t *testing.T, h *harness, b *browser, _, _ string) (*browser, string) {
				attacker := h.newBrowser()
				authURL, attackerState := attacker.startLogin(t, "/private")
				_, attackerCode := h.approve(t, authURL)
				return b, callbackURL("code", attackerCode, "state", attackerState)
			}},
		{"#8c valid state but no cookie", "session_cookie_missing", func(_ *testing.T, h *harness, _ *browser, state, code string) (*browser, string) {
			return h.newBrowser(), callbackURL("code", code, "state", state)
		}},
		{"#8d state with one character flipped", "state_mismatch", func(_ *testing.T, _ *harness, b *browser, state, code string) (*browser, string) {
			flipped := "A"
			if state[0] == 'A' {
				flipped = "B"
			}
			return b, callbackURL("code", code, "state", flipped+state[1:])
		}},
		{"#8d state upper-cased", "state_mismatch", func(t *testing.T, _ *harness, b *browser, state, code string) (*browser, string) {
			if strings.ToUpper(state) == state {
				t.Fatalf("state %q has no lower-case letter to change", state)
			}
			return b, callbackURL("code", code, "state", strings.ToUpper(state))
		}},
		{"#8d state with = appended", "state_mismatch", func(_ *testing.T, _ *harness, b *browser, state, code string) (*browser, string) {
			return b, callbackURL("code", code, "state", state+"=")
		}},
		{"#8d state with a space appended", "state_mismatch", func(_ *testing.T, _ *harness, b *browser, state, code string) (*browser, string) {
			return b, callbackURL("code", code, "state", state+" ")
		}},
		{"#8d state with a tab in front", "state_mismatch", func(_ *testing.T, _ *harness, b *browser, state, code string) (*browser, string) {
			return b, callbackURL("code", code, "state", "\t"+state)
		}},
		{"#8e prefix of the state", "state_mismatch", func(_ *testing.T, _ *harness, b *browser, state, code string) (*browser, string) {
			return b, callbackURL("code", code, "state", state[:len(state)-1])
		}},
		{"#8e first half of the state", "state_mismatch", func(_ *testing.T, _ *harness, b *browser, state, code string) (*browser, string) {
			return b, callbackURL("code", code, "state", state[:len(state)/2])
		}},
		{"#8e the state with more after it", "state_mismatch", func(_ *testing.T, _ *harness, b *browser, state, code string) (*browser, string) {
			return b, callbackURL("code", code, "state", state+"A")
		}},
		// A login in another tab keeps the session alive past the first
		// attempt's ten minutes; the first one's state has expired.
		{"#8f clock +11 min", "state_expired", func(t *testing.T, h *harness, b *browser, state, code string) (*browser, string) {
			h.clock.Advance(9 * time.Minute)
			b.startLogin(t, "/private")
			h.clock.Advance(2 * time.Minute)
			return b, callbackURL("code", code, "state", state)
		}},
		// Alone, an attempt's session ends with it: its link then names
		// nothing.
		{"#8f' clock +11 min, no other attempt", "state_mismatch", func(_ *testing.T, h *harness, b *browser, state, code string) (*browser, string) {
			h.clock.Advance(11 * time.Minute)
			return b, callbackURL("code", code, "state", state)
		}},
		{"#8g 10 KiB state", "state_mismatch", func(_ *testing.T, _ *harness, b *browser, state, code string) (*browser, string) {
			return b, callbackURL("code", code, "state", state+strings.Repeat("A", 10<<10))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOptions{})
			victim := h.newBrowser()
			authURL, state := victim.startLogin(t, "/private")
			_, code := h.approve(t, authURL)
			sender, target := tt.callback(t, h, victim, state, code)
			mark := h.logs.Len()
			resp := sender.get(target)
			if resp.Status != http.StatusBadRequest {
				t.Errorf("got %v, want 400", resp)
			}
			h.assertRefused(t, mark, tt.wantReason, sender.cookie, victim.cookie)
		})
	}
}

// TestChecklist09_StateSingleUse replays callbacks (oauth/SECURITY.md #9):
// a state is used up by its first callback, whether the login succeeded or
// the token endpoint failed.
func TestChecklist09_StateSingleUse(t *testing.T) {
	t.Parallel()
	t.Run("#9 replay after a successful login", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOptions{})
		b := h.newBrowser()
		authURL, _ := b.startLogin(t, "/private")
		before := b.cookie
		callback, _ := h.approve(t, authURL)
		if resp := b.get(callback); resp.Status != http.StatusSeeOther {
			t.Fatalf("callback: %v", resp)
		}
		for _, replay := range []struct{ name, cookie string }{
			{"the logged-in cookie", b.cookie}, {"the cookie from before the login", before}, {"no cookie", ""},
		} {
			resp := (&browser{h: h, cookie: replay.cookie}).get(callback)
			if resp.Status != http.StatusBadRequest || h.tokenCalls() != 1 {
				t.Errorf("replay with %s: %v, %d token calls; want 400 and still 1", replay.name, resp, h.tokenCalls())
			}
		}
	})
	t.Run("#9 replay after the token endpoint failed", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOptions{})
		b := h.newBrowser()
		authURL, _ := b.startLogin(t, "/private")
		callback, _ := h.approve(t, authURL)
		h.as.Misbehave(oauthtest.Misbehaviour{Token: oauthtest.TokenServerError})
		if resp := b.get(callback); resp.Status != http.StatusBadGateway || h.tokenCalls() != 1 {
			t.Fatalf("callback: %v, %d token calls; want 502 and 1", resp, h.tokenCalls())
		}
		// The provider works again and the code was never redeemed: only
		// the used-up state stands in the way of the replay.
		h.as.Misbehave(oauthtest.Misbehaviour{})
		if resp := b.get(callback); resp.Status != http.StatusBadRequest || h.tokenCalls() != 1 {
			t.Errorf("replay: %v, %d token calls; want 400 and still 1", resp, h.tokenCalls())
		}
		h.assertAnonymous(t, b.cookie)
	})
}

// TestChecklist10_ErrorResponse sends the provider's error answers
// (oauth/SECURITY.md #10): the state is checked and used up, the page
// says only what the error code means, and no code is redeemed.
func TestChecklist10_ErrorResponse(t *testing.T) {
	t.Parallel()
	const script = "<script>alert(1)</script>"
	tests := []struct {
		name  string
		extra []string // more callback parameters
		want  int
	}{
		{"#10 access_denied with a script in error_description", []string{"error", "access_denied",
			"error_description", script, "error_uri", "https://evil.example/" + script}, http.StatusForbidden},
		{"#10 access_denied along with a valid code", []string{"error", "access_denied", "code", "<code>"}, http.StatusForbidden},
		{"#10 server_error", []string{"error", "server_error", "error_description", script}, http.StatusServiceUnavailable},
		{"#10 temporarily_unavailable", []string{"error", "temporarily_unavailable"}, http.StatusServiceUnavailable},
		{"#10 an error code of the attacker's own", []string{"error", script}, http.StatusBadGateway},
		{"#10 state alone, no code and no error", nil, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOptions{})
			b := h.newBrowser()
			authURL, state := b.startLogin(t, "/private")
			_, code := h.approve(t, authURL)
			params := []string{"state", state}
			for i := 0; i+1 < len(tt.extra); i += 2 {
				params = append(params, tt.extra[i], strings.ReplaceAll(tt.extra[i+1], "<code>", code))
			}
			callback := callbackURL(params...)
			resp := b.get(callback)
			if resp.Status != tt.want {
				t.Errorf("got %v, want HTTP %d", resp, tt.want)
			}
			for _, s := range []string{"<script", "alert(1)", "evil.example"} {
				if strings.Contains(resp.Body, s) {
					t.Errorf("the page shows %q: %q", s, resp.Body)
				}
			}
			if resp := b.get(callback); resp.Status != http.StatusBadRequest {
				t.Errorf("replay: %v, want 400: the state is used up", resp)
			}
			if n := h.tokenCalls(); n != 0 {
				t.Errorf("%d token calls, want 0", n)
			}
			h.assertAnonymous(t, b.cookie)
		})
	}
	t.Run("#10 an error with an unknown state is a bad callback", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOptions{})
		b := h.newBrowser()
		b.startLogin(t, "/private")
		if resp := b.get(callbackURL("error", "access_denied", "state", "forged")); resp.Status != http.StatusBadRequest {
			t.Errorf("got %v, want 400", resp)
		}
	})
}

// TestChecklist11_DuplicateAndEmptyParams checks oauth/SECURITY.md #11: a
// parameter given twice refuses the callback, and an empty one counts as
// absent.
func TestChecklist11_DuplicateAndEmptyParams(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		params func(state, code string) []string
		want   int
		reason string
	}{
		{"#11 code twice", func(s, c string) []string { return []string{"code", c, "code", "b", "state", s} },
			http.StatusBadRequest, "duplicate_param"},
		{"#11 the same code twice", func(s, c string) []string { return []string{"code", c, "code", c, "state", s} },
			http.StatusBadRequest, "duplicate_param"},
		{"#11 state twice", func(s, c string) []string { return []string{"state", s, "state", s, "code", c} },
			http.StatusBadRequest, "duplicate_param"},
		{"#11 iss twice", func(s, c string) []string { return []string{"state", s, "code", c, "iss", "x", "iss", "x"} },
			http.StatusBadRequest, "duplicate_param"},
		{"#11 error twice", func(s, _ string) []string {
			return []string{"state", s, "error", "access_denied", "error", "access_denied"}
		}, http.StatusBadRequest, "duplicate_param"},
		{"#11 empty code", func(s, _ string) []string { return []string{"code", "", "state", s} },
			http.StatusBadRequest, "code_missing"},
		{"#11 empty state", func(_, c string) []string { return []string{"code", c, "state", ""} },
			http.StatusBadRequest, "state_missing"},
		{"#11 empty error counts as absent", func(s, c string) []string { return []string{"code", c, "state", s, "error", ""} },
			http.StatusSeeOther, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOptions{})
			b := h.newBrowser()
			authURL, state := b.startLogin(t, "/private")
			_, code := h.approve(t, authURL)
			mark := h.logs.Len()
			resp := b.get(callbackURL(tt.params(state, code)...))
			if resp.Status != tt.want {
				t.Fatalf("got %v, want HTTP %d", resp, tt.want)
			}
			if tt.want == http.StatusSeeOther {
				h.assertLoggedIn(t, b.cookie)
				return
			}
			h.assertRefused(t, mark, tt.reason, b.cookie)
		})
	}
}

// TestChecklist12_IssuerMixUp checks the mix-up defence of
// oauth/SECURITY.md #12 with Config.Issuer set: an iss other than the
// configured issuer, byte for byte, refuses the callback before any token
// call.
func TestChecklist12_IssuerMixUp(t *testing.T) {
	t.Parallel()
	const issuer = "https://as.example"
	tests := []struct {
		name  string
		iss   string
		error string // an error response instead of the code
		want  int
	}{
		{"#12 iss of another provider", "https://evil.example", "", http.StatusBadRequest},
		{"#12 issuer with a trailing slash", issuer + "/", "", http.StatusBadRequest},
		{"#12 issuer in upper case", strings.ToUpper(issuer), "", http.StatusBadRequest},
		{"#12 error response from another provider", "https://evil.example", "access_denied", http.StatusBadRequest},
		{"#12 the configured issuer", issuer, "", http.StatusSeeOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOptions{issuer: issuer})
			b := h.newBrowser()
			authURL, _ := b.startLogin(t, "/private")
			callback, _ := h.approve(t, authURL)
			u, _ := url.Parse(callback)
			q := u.Query()
			if q.Get("iss") != issuer {
				t.Fatalf("the provider sent iss %q, want %q", q.Get("iss"), issuer)
			}
			q.Set("iss", tt.iss)
			if tt.error != "" {
				q.Del("code")
				q.Set("error", tt.error)
			}
			u.RawQuery = q.Encode()
			mark := h.logs.Len()
			resp := b.get(u.String())
			if resp.Status != tt.want {
				t.Fatalf("got %v, want HTTP %d", resp, tt.want)
			}
			if tt.want == http.StatusSeeOther {
				h.assertLoggedIn(t, b.cookie)
				return
			}
			h.assertRefused(t, mark, "iss_mismatch", b.cookie)
		})
	}
}

// TestChecklist13_VerifierBoundToState starts two logins, A then B, in one
// session (oauth/SECURITY.md #13): the exchange uses the verifier stored
// under the state that came back, not the newest one.
func TestChecklist13_VerifierBoundToState(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		useStateB bool
		want      int
	}{
		{"#13 codeA with stateA succeeds though B is newer", false, http.StatusSeeOther},
		{"#13 codeA with stateB fails the provider's PKCE check", true, http.StatusBadGateway},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOptions{})
			b := h.newBrowser()
			authA, stateA := b.startLogin(t, "/private")
			_, stateB := b.startLogin(t, "/private")
			_, codeA := h.approve(t, authA)
			state := stateA
			if tt.useStateB {
				state = stateB
			}
			resp := b.get(callbackURL("code", codeA, "state", state))
			if resp.Status != tt.want || h.tokenCalls() != 1 {
				t.Fatalf("got %v, %d token calls; want HTTP %d after one", resp, h.tokenCalls(), tt.want)
			}
			if tt.want == http.StatusSeeOther {
				h.assertLoggedIn(t, b.cookie)
			} else {
				h.assertAnonymous(t, b.cookie)
			}
		})
	}
}

// TestChecklist15_CleanRedirectAfterCallback checks oauth/SECURITY.md #15:
// a successful callback sends the browser on with a 303 to a URL without
// the code or state; callback answers are not cached and send no Referer.
func TestChecklist15_CleanRedirectAfterCallback(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	b := h.newBrowser()
	authURL, state := b.startLogin(t, "/private?tab=2")
	callback, code := h.approve(t, authURL)
	resp := b.get(callback)
	if resp.Status != http.StatusSeeOther || resp.Header.Get("Location") != "/private?tab=2" {
		t.Fatalf("got %v, want a 303 to /private?tab=2", resp)
	}
	loc := resp.location(t)
	if loc.Query().Has("code") || loc.Query().Has("state") ||
		strings.Contains(loc.String(), code) || strings.Contains(loc.String(), state) {
		t.Errorf("Location %s carries the code or state", loc)
	}
	failed := b.get(callbackURL("code", code, "state", "forged"))
	for _, r := range []*response{resp, failed} {
		if got := r.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("HTTP %d: Cache-Control %q, want no-store", r.Status, got)
		}
		if got := r.Header.Get("Referrer-Policy"); got != "no-referrer" {
			t.Errorf("HTTP %d: Referrer-Policy %q, want no-referrer", r.Status, got)
		}
	}
}

// TestChecklist16_CallbackGetOnlyAndSameSiteLax checks oauth/SECURITY.md
// #16 through the routes: only GET reaches the callback, and every cookie
// the app sets is SameSite=Lax, so it comes back with the provider's
// cross-site redirect.
func TestChecklist16_CallbackGetOnlyAndSameSiteLax(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	b := h.newBrowser()
	authURL, _ := b.startLogin(t, "/private")
	callback, _ := h.approve(t, authURL)
	for _, method := range []string{http.MethodPost, http.MethodPut} {
		if resp := b.do(method, callback, nil); resp.Status != http.StatusMethodNotAllowed {
			t.Errorf("%s callback: %v, want 405", method, resp)
		}
	}
	if n := h.tokenCalls(); n != 0 {
		t.Fatalf("%d token calls after refused methods, want 0", n)
	}
	if resp := b.get(callback); resp.Status != http.StatusSeeOther {
		t.Fatalf("GET callback: %v", resp)
	}
	if resp := b.do(http.MethodPost, "/logout", nil); resp.Status != http.StatusSeeOther {
		t.Fatalf("logout: %v", resp)
	}

	h.mu.Lock()
	defer h.mu.Unlock()
	cookies := 0
	for _, resp := range h.responses {
		for _, line := range resp.Header.Values("Set-Cookie") {
			cookies++
			c, err := http.ParseSetCookie(line)
			if err != nil || c.SameSite != http.SameSiteLaxMode {
				t.Errorf("Set-Cookie %q is not SameSite=Lax", line)
			}
		}
	}
	if cookies < 3 { // login start, callback, logout
		t.Errorf("saw %d Set-Cookie headers, want at least 3", cookies)
	}
}

// TestChecklist33_SessionIDRenewedAtLogin checks oauth/SECURITY.md #33:
// the session ID from before the login is replaced, its record deleted, and
// it never becomes a logged-in session. The second row keeps another login
// pending in the session, so the record is never emptied along the way and
// only a deliberate renewal changes the ID.
func TestChecklist33_SessionIDRenewedAtLogin(t *testing.T) {
	t.Parallel()
	for _, otherTab := range []bool{false, true} {
		name := "#33 one login"
		if otherTab {
			name = "#33 with a second login pending in another tab"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOptions{})
			b := h.newBrowser()
			authURL, _ := b.startLogin(t, "/private")
			if otherTab {
				b.startLogin(t, "/private")
			}
			c0 := b.cookie
			if _, ok := h.readRecord(c0); !ok {
				t.Fatal("no record for the pre-login cookie")
			}
			callback, _ := h.approve(t, authURL)
			resp := b.get(callback)
			if resp.Status != http.StatusSeeOther {
				t.Fatalf("callback: %v", resp)
			}
			c1 := b.cookie
			if c1 == "" || c1 == c0 {
				t.Fatalf("cookie after login %q, want a new one (before: %q)", c1, c0)
			}
			if n := len(resp.Header.Values("Set-Cookie")); n != 1 {
				t.Errorf("callback sets %d cookies, want one", n)
			}
			if _, ok := h.readRecord(c0); ok {
				t.Error("the pre-login record is still on disk")
			}
			h.assertLoggedIn(t, c1)
			h.assertAnonymous(t, c0)
		})
	}
}

// TestChecklist46_ReturnPathAfterLogin runs the whole login from raw
// request targets (oauth/SECURITY.md #46). ServeMux would clean some of
// them before any handler sees them, so they go straight to the protected
// handler, as they would behind a mux that does not clean paths. The page
// the login returns to is always a path on this site.
func TestChecklist46_ReturnPathAfterLogin(t *testing.T) {
	t.Parallel()
	targets := []struct {
		name, target, want string // want: the exact Location, or "" to check only its shape
	}{
		{"#46 control: a page of the site", "/private/report?x=1", "/private/report?x=1"},
		{"#46 //host", "//evil.example/", "/"},
		{"#46 /\\host", "/\\evil.example", ""},
		{"#46 encoded //host", "/%2F%2Fevil.example", ""},
		{"#46 encoded /\\host", "/%5Cevil.example", ""},
		{"#46 encoded tab", "/%09/evil.example", ""},
		{"#46 dot segments", "/..//evil.example", ""},
		{"#46 encoded CRLF and header", "/%0d%0aSet-Cookie:%20x=y", ""},
		{"#46 next parameter with a URL", "/private?next=https://evil.example", ""},
		{"#46 absolute-form request target", "https://evil.example/private", "/private"},
	}
	for _, tt := range targets {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOptions{})
			b := h.newBrowser()
			resp := b.send(h.protected, httptest.NewRequest(http.MethodGet, tt.target, nil), nil)
			authURL := resp.location(t)
			if resp.Status != http.StatusFound || !strings.HasPrefix(authURL.String(), h.cfg.AuthorizeURL) {
				t.Fatalf("GET %s: %v; want a 302 to the provider", tt.target, resp)
			}
			callback, _ := h.approve(t, authURL)
			resp = b.get(callback)
			if resp.Status != http.StatusSeeOther {
				t.Fatalf("callback: %v", resp)
			}
			loc := resp.Header.Get("Location")
			if tt.want != "" && loc != tt.want {
				t.Errorf("Location %q, want %q", loc, tt.want)
			}
			u, err := url.Parse(loc)
			if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(loc, "/") ||
				strings.HasPrefix(loc, "//") || strings.HasPrefix(loc, "/\\") || strings.ContainsAny(loc, "\\\r\n\t") {
				t.Errorf("Location %q leaves the site", loc)
			}
			for _, line := range resp.Header.Values("Set-Cookie") {
				if c, err := http.ParseSetCookie(line); err != nil || c.Name != h.sessions.CookieName() {
					t.Errorf("unexpected Set-Cookie %q", line)
				}
			}
		})
	}
}

// TestIssue9_CallbackWithoutSessionCookie tells a callback that brings no
// session cookie back (a browser that refused it, a login finished in
// another browser) from a forged or stale one: the log names it, and the
// page says what to check. Either way the answer is 400 and the provider
// is not called.
func TestIssue9_CallbackWithoutSessionCookie(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		cookie    func(victim *browser) string // the cookie the callback brings
		state     func(state string) string
		reason    string
		pageTitle string
	}{
		{"no cookie, the right state", func(*browser) string { return "" }, func(s string) string { return s },
			"session_cookie_missing", "Your browser did not keep the login going"},
		{"no cookie, a forged state", func(*browser) string { return "" }, func(string) string { return "forged" },
			"session_cookie_missing", "Your browser did not keep the login going"},
		{"the session cookie, a forged state", func(v *browser) string { return v.cookie }, func(string) string { return "forged" },
			"state_mismatch", "This login link is not valid"},
		// A cookie was sent back, but it names no session (ended, or made
		// up): the browser keeps cookies, so this is a stale link.
		{"a cookie that names no session, the right state", func(*browser) string { return unknownSessionID() },
			func(s string) string { return s }, "state_mismatch", "This login link is not valid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOptions{})
			victim := h.newBrowser()
			authURL, state := victim.startLogin(t, "/private")
			_, code := h.approve(t, authURL)
			sender := &browser{h: h, cookie: tt.cookie(victim)}
			mark := h.logs.Len()
			resp := sender.get(callbackURL("code", code, "state", tt.state(state)))
			if resp.Status != http.StatusBadRequest || !strings.HasPrefix(resp.Body, tt.pageTitle) {
				t.Errorf("got %v, want 400 and the page %q", resp, tt.pageTitle)
			}
			if tt.reason == "session_cookie_missing" && !strings.Contains(resp.Body, "cookies are allowed") {
				t.Errorf("the page %q does not say to check the browser's cookies", resp.Body)
			}
			h.assertRefused(t, mark, tt.reason, sender.cookie)
			// The victim's login is still pending: its own callback works.
			if tt.cookie(victim) == "" {
				if resp := victim.get(callbackURL("code", code, "state", state)); resp.Status != http.StatusSeeOther {
					t.Errorf("the victim's callback after it: %v, want 303", resp)
				}
			}
		})
	}
}

// unknownSessionID is a well-formed session ID that names no session.
func unknownSessionID() string {
	return base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
}
