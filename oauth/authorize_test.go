package oauth

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"go/parser"
	"go/token"
	"maps"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestChecklist01_AuthorizeRedirect checks the redirect that starts a login
// (oauth/SECURITY.md #1): the configured endpoint, exactly the expected
// parameters with the configured values, nothing secret, and no-store.
func TestChecklist01_AuthorizeRedirect(t *testing.T) {
	t.Parallel()
	base := []string{"client_id", "code_challenge", "code_challenge_method", "redirect_uri", "response_type", "scope", "state"}
	tests := []struct {
		name                   string
		prompt, approvalPrompt string
		wantKeys               []string
	}{
		{"#1 without prompt settings", "", "", base},
		{"#1 with prompt and approval_prompt configured", "consent", "force",
			append(slices.Clone(base), "approval_prompt", "prompt")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOptions{configure: func(c *Config) {
				c.Prompt, c.ApprovalPrompt = tt.prompt, tt.approvalPrompt
			}})
			b := h.newBrowser()
			resp := b.get("/private/report?x=1")
			if resp.Status != http.StatusFound {
				t.Fatalf("got %v, want 302", resp)
			}
			loc := resp.location(t)
			want, _ := url.Parse(h.cfg.AuthorizeURL)
			if loc.Scheme != "https" || loc.Host != want.Host || loc.Path != want.Path {
				t.Errorf("redirect to %s://%s%s, want the configured %s", loc.Scheme, loc.Host, loc.Path, h.cfg.AuthorizeURL)
			}
			q := loc.Query()
			if keys := slices.Sorted(maps.Keys(q)); !slices.Equal(keys, slices.Sorted(slices.Values(tt.wantKeys))) {
				t.Errorf("parameters %q, want exactly %q", keys, tt.wantKeys)
			}
			for k, v := range q {
				if len(v) != 1 {
					t.Errorf("parameter %s appears %d times", k, len(v))
				}
			}
			wantValues := map[string]string{
				"response_type": "code", "client_id": testClientID, "redirect_uri": testRedirectURL,
				"scope": testScope, "code_challenge_method": "S256",
				"prompt": tt.prompt, "approval_prompt": tt.approvalPrompt,
			}
			for k, v := range wantValues {
				if got := q.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			raw := resp.Header.Get("Location")
			unescaped, _ := url.QueryUnescape(raw)
			if b.cookie == "" {
				t.Fatal("no session cookie was set")
			}
			for what, secret := range map[string]string{
				"client secret": canarySecret, "session ID": b.cookie,
				"return path": "/private/report", "return query": "x=1", "page name": "report",
			} {
				if strings.Contains(raw, secret) || strings.Contains(unescaped, secret) {
					t.Errorf("the %s is in the authorization URL %s", what, raw)
				}
			}
			if got := resp.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", got)
			}
		})
	}
}

// TestChecklist02_StateFreshRandomAndStored starts 1,000 logins
// (oauth/SECURITY.md #2): every state is new, carries at least 128 bits,
// is not the session ID or a hash of it, and is kept in the session record
// with its creation time. The clock stands still the whole time, so the
// states cannot come from it.
func TestChecklist02_StateFreshRandomAndStored(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	const n = 1000
	states := map[string]bool{}
	verifiers := map[string]bool{}
	sessionIDs := map[string]bool{}
	for range n {
		b := h.newBrowser()
		_, state := b.startLogin(t, "/private")
		if states[state] {
			t.Fatalf("state %q handed out twice", state)
		}
		states[state] = true
		raw, err := base64.RawURLEncoding.DecodeString(state)
		if err != nil || len(raw) < 16 {
			t.Fatalf("state %q does not decode to 16 bytes or more (%d, %v)", state, len(raw), err)
		}
		id := b.cookie
		sessionIDs[id] = true
		sum := sha256.Sum256([]byte(id))
		for _, derived := range []string{id, keyedHashOf(id), hex.EncodeToString(sum[:]),
			base64.RawURLEncoding.EncodeToString(sum[:])} {
			if strings.Contains(state, derived) || strings.Contains(derived, state) {
				t.Fatalf("state %q is derived from the session ID", state)
			}
		}

		rec, ok := h.readRecord(id)
		if !ok || len(rec.Values.Pending) != 1 {
			t.Fatalf("session record %+v, want one pending login", rec)
		}
		p := rec.Values.Pending[0]
		if p.State != state || p.Created != h.clock.Now().Unix() {
			t.Fatalf("pending login {state %q, created %d}, want {%q, %d}", p.State, p.Created, state, h.clock.Now().Unix())
		}
		if verifiers[p.Verifier] || p.Verifier == p.State {
			t.Fatalf("verifier %q is not fresh", p.Verifier)
		}
		verifiers[p.Verifier] = true
	}
	for state := range states {
		if sessionIDs[state] {
			t.Errorf("state %q is also a session ID", state)
		}
	}
}

// TestChecklist02_NoMathRand is the static half of oauth/SECURITY.md #2:
// nothing in the package can draw a state or verifier from math/rand.
func TestChecklist02_NoMathRand(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if path == "math/rand" || path == "math/rand/v2" {
				t.Errorf("%s imports %s", name, path)
			}
		}
		checked++
	}
	if checked < 10 {
		t.Fatalf("checked only %d files; is the test running in the package directory?", checked)
	}
}

// TestChecklist03_PKCE checks oauth/SECURITY.md #3: an S256 challenge in
// the authorization URL, and at the token endpoint a verifier of 43
// characters that hashes to it, seen nowhere else.
func TestChecklist03_PKCE(t *testing.T) {
	t.Parallel()
	t.Run("#3 S256 challenge and its 43-character verifier", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOptions{})
		b := h.newBrowser()
		authURL, _ := b.startLogin(t, "/private")
		challenge, method := authURL.Query().Get("code_challenge"), authURL.Query().Get("code_challenge_method")
		if method != "S256" {
			t.Errorf("code_challenge_method %q, want S256", method)
		}
		callback, _ := h.approve(t, authURL)
		if resp := b.get(callback); resp.Status != http.StatusSeeOther {
			t.Fatalf("callback: %v", resp)
		}
		reqs := h.as.TokenRequests()
		if len(reqs) != 1 {
			t.Fatalf("%d token requests, want 1", len(reqs))
		}
		verifier := reqs[0].Form.Get("code_verifier")
		if len(verifier) != 43 {
			t.Errorf("code_verifier has %d characters, want 43", len(verifier))
		}
		if raw, err := base64.RawURLEncoding.Strict().DecodeString(verifier); err != nil || len(raw) != 32 {
			t.Errorf("code_verifier %q is not 32 bytes in base64url (%v)", verifier, err)
		}
		sum := sha256.Sum256([]byte(verifier))
		if got := base64.RawURLEncoding.EncodeToString(sum[:]); got != challenge {
			t.Errorf("BASE64URL(SHA256(verifier)) = %q, want the challenge %q", got, challenge)
		}
		h.assertNotShown(t, "PKCE verifier", verifier)
	})
	t.Run("#3 InsecureDisablePKCE sends neither challenge nor verifier", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOptions{configure: func(c *Config) { c.InsecureDisablePKCE = true }})
		b := h.newBrowser()
		authURL, _ := b.startLogin(t, "/private")
		for _, k := range []string{"code_challenge", "code_challenge_method"} {
			if authURL.Query().Has(k) {
				t.Errorf("authorization URL has %s", k)
			}
		}
		callback, _ := h.approve(t, authURL)
		if resp := b.get(callback); resp.Status != http.StatusSeeOther {
			t.Fatalf("callback: %v", resp)
		}
		if reqs := h.as.TokenRequests(); len(reqs) != 1 || reqs[0].Form.Has("code_verifier") {
			t.Errorf("token requests %+v, want one without code_verifier", reqs)
		}
	})
}

// TestChecklist04_RedirectURIFromConfig sends the login start with a
// forged Host and forwarding headers (oauth/SECURITY.md #4): the
// redirect_uri is still the configured one, and the same string goes to
// the token endpoint.
func TestChecklist04_RedirectURIFromConfig(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	b := h.newBrowser()
	resp := b.do(http.MethodGet, "/private", func(r *http.Request) {
		r.Host = "evil.example"
		r.Header.Set("X-Forwarded-Host", "evil.example")
		r.Header.Set("X-Forwarded-Proto", "http")
		r.Header.Set("Forwarded", "host=evil.example;proto=http")
	})
	if resp.Status != http.StatusFound {
		t.Fatalf("got %v, want 302", resp)
	}
	authURL := resp.location(t)
	if got := authURL.Query().Get("redirect_uri"); got != testRedirectURL {
		t.Errorf("redirect_uri %q, want the configured %q", got, testRedirectURL)
	}
	if strings.Contains(resp.Header.Get("Location"), "evil") {
		t.Errorf("the forged host is in the Location %s", resp.Header.Get("Location"))
	}
	callback, _ := h.approve(t, authURL)
	if resp := b.get(callback); resp.Status != http.StatusSeeOther {
		t.Fatalf("callback: %v", resp)
	}
	if reqs := h.as.TokenRequests(); len(reqs) != 1 || reqs[0].Form.Get("redirect_uri") != testRedirectURL {
		t.Errorf("token requests %+v, want one with redirect_uri %q", reqs, testRedirectURL)
	}
}

// TestChecklist05_ReturnPathKeptServerSide checks oauth/SECURITY.md #5:
// the page to return to is in the session record, not in the state or the
// authorization URL, and the login still returns there.
func TestChecklist05_ReturnPathKeptServerSide(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	b := h.newBrowser()
	const page = "/private/report?x=1"
	authURL, state := b.startLogin(t, page)
	decoded, _ := base64.RawURLEncoding.DecodeString(state)
	for _, part := range []string{page, "private", "report", "x=1"} {
		if strings.Contains(state, part) || strings.Contains(string(decoded), part) {
			t.Errorf("the state %q carries %q", state, part)
		}
		if strings.Contains(authURL.String(), part) || strings.Contains(authURL.String(), url.QueryEscape(part)) {
			t.Errorf("the authorization URL %s carries %q", authURL, part)
		}
	}
	rec, _ := h.readRecord(b.cookie)
	if len(rec.Values.Pending) != 1 || rec.Values.Pending[0].ReturnTo != page || rec.Values.Pending[0].State != state {
		t.Errorf("session record holds %+v, want the state and return path %q", rec.Values.Pending, page)
	}
	callback, _ := h.approve(t, authURL)
	if resp := b.get(callback); resp.Status != http.StatusSeeOther || resp.Header.Get("Location") != page {
		t.Errorf("callback: %v; want a 303 back to %s", resp, page)
	}
}

// TestChecklist06_OnlyPageVisitsStartLogin checks oauth/SECURITY.md #6:
// a form post or a script's request from an anonymous visitor gets 401,
// with no redirect and no session record.
func TestChecklist06_OnlyPageVisitsStartLogin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		method string
		header map[string]string
		want   int
	}{
		{"#6 anonymous POST", http.MethodPost, nil, http.StatusUnauthorized},
		{"#6 GET asking for JSON", http.MethodGet, map[string]string{"Accept": "application/json"}, http.StatusUnauthorized},
		{"#6 GET from a script (Sec-Fetch-Mode: cors)", http.MethodGet, map[string]string{"Sec-Fetch-Mode": "cors"}, http.StatusUnauthorized},
		{"#6 GET from a script (Sec-Fetch-Mode: no-cors)", http.MethodGet, map[string]string{"Sec-Fetch-Mode": "no-cors"}, http.StatusUnauthorized},
		{"#6 control: a navigation that accepts HTML starts a login", http.MethodGet,
			map[string]string{"Sec-Fetch-Mode": "navigate", "Accept": "text/html,application/json;q=0.9"}, http.StatusFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOptions{})
			b := h.newBrowser()
			before, mark := h.fileCount(t), h.logs.Len()
			resp := b.do(tt.method, "/private", func(r *http.Request) {
				for k, v := range tt.header {
					r.Header.Set(k, v)
				}
			})
			if resp.Status != tt.want {
				t.Fatalf("got %v, want HTTP %d", resp, tt.want)
			}
			started := len(h.eventsSince(t, mark))
			if tt.want == http.StatusFound {
				if h.fileCount(t) != before+1 || started != 1 {
					t.Errorf("the control did not start a login")
				}
				return
			}
			if resp.Header.Get("Location") != "" || len(resp.Header.Values("Set-Cookie")) != 0 {
				t.Errorf("401 came with Location %q and Set-Cookie %q", resp.Header.Get("Location"), resp.Header.Values("Set-Cookie"))
			}
			if n := h.fileCount(t); n != before {
				t.Errorf("session files: %d, was %d", n, before)
			}
			if started != 0 {
				t.Errorf("%d login events logged, want none", started)
			}
		})
	}
}

// TestChecklist07_PendingLoginsCappedAndExpire checks oauth/SECURITY.md
// #7: a session keeps the newest five login attempts, and an attempt older
// than ten minutes is refused before the code is redeemed.
func TestChecklist07_PendingLoginsCappedAndExpire(t *testing.T) {
	t.Parallel()
	t.Run("#7 20 logins in one session keep the newest 5", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOptions{})
		b := h.newBrowser()
		var authURLs []*url.URL
		var states []string
		for range 20 {
			authURL, state := b.startLogin(t, "/private")
			authURLs, states = append(authURLs, authURL), append(states, state)
		}
		rec, _ := h.readRecord(b.cookie)
		var kept []string
		for _, p := range rec.Values.Pending {
			kept = append(kept, p.State)
		}
		if !slices.Equal(kept, states[15:]) {
			t.Errorf("the record keeps %d pending logins, want the newest 5", len(kept))
		}

		first, _ := h.approve(t, authURLs[0])
		if resp := b.get(first); resp.Status != http.StatusBadRequest || h.tokenCalls() != 0 {
			t.Errorf("callback of login #1: %v, %d token calls; want 400 and none", resp, h.tokenCalls())
		}
		last, _ := h.approve(t, authURLs[19])
		if resp := b.get(last); resp.Status != http.StatusSeeOther || h.tokenCalls() != 1 {
			t.Errorf("callback of login #20: %v, %d token calls; want 303 and one", resp, h.tokenCalls())
		}
		h.assertLoggedIn(t, b.cookie)
	})

	tests := []struct {
		name       string
		wait       time.Duration
		wantStatus int
		wantCalls  int
	}{
		{"#7 a login 9 minutes old succeeds", 9 * time.Minute, http.StatusSeeOther, 1},
		{"#7 a login 11 minutes old is refused", 11 * time.Minute, http.StatusBadRequest, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOptions{})
			b := h.newBrowser()
			authURL, _ := b.startLogin(t, "/private")
			h.clock.Advance(tt.wait) // the visitor lingers at the provider
			callback, _ := h.approve(t, authURL)
			resp := b.get(callback)
			if resp.Status != tt.wantStatus || h.tokenCalls() != tt.wantCalls {
				t.Errorf("callback: %v, %d token calls; want HTTP %d and %d", resp, h.tokenCalls(), tt.wantStatus, tt.wantCalls)
			}
		})
	}
}
