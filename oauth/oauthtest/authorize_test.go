package oauthtest_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestAutoApproveRedirectsWithCodeAndState(t *testing.T) {
	s := start(t, config())

	r := getAuthorize(t, s, authorizeParams())

	params := clientResponse(t, r)
	if got := params.Get("state"); got != "state-123" {
		t.Errorf("state = %q, want state-123", got)
	}
	if code := params.Get("code"); len(code) != 43 {
		t.Errorf("code = %q, want 32 random bytes in base64url (43 characters)", code)
	}
	if params.Has("iss") {
		t.Errorf("iss = %q sent without a configured Issuer", params.Get("iss"))
	}
	if got := r.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", got)
	}
}

func TestCodesAreUnique(t *testing.T) {
	s := start(t, config())
	first := authorizeCode(t, s, authorizeParams())
	second := authorizeCode(t, s, authorizeParams())
	if first == second {
		t.Errorf("two approvals got the same code %q", first)
	}
}

func TestAuthorizeWithoutStateSendsNone(t *testing.T) {
	s := start(t, config())
	params := authorizeParams()
	// RFC 6749 §3.1: a parameter without a value counts as absent.
	params.Set("state", "")

	got := clientResponse(t, getAuthorize(t, s, params))
	if got.Has("state") {
		t.Errorf("state = %q sent back, but the request had none", got.Get("state"))
	}
}

func TestAuthorizeIgnoresUnrecognizedParameters(t *testing.T) {
	s := start(t, config())
	params := authorizeParams()
	params.Set("approval_prompt", "force")
	params["prompt"] = []string{"consent", "login"}
	params.Set("unknown", "x")

	if code := clientResponse(t, getAuthorize(t, s, params)).Get("code"); code == "" {
		t.Error("no code")
	}
}

func TestIssuerIsSentWithEveryAuthorizationResponse(t *testing.T) {
	cfg := config()
	cfg.Issuer = "https://provider.test"
	cfg.AutoApprove = ""
	s := start(t, cfg)

	unsupported := authorizeParams()
	unsupported.Set("response_type", "token")
	cancel := authorizeParams()
	cancel.Set("action", "cancel")
	approve := authorizeParams()
	approve.Set("action", "approve")
	approve.Set("username", "alice")

	for name, r := range map[string]response{
		"approval": postAuthorize(t, s, approve),
		"cancel":   postAuthorize(t, s, cancel),
		"error":    getAuthorize(t, s, unsupported),
	} {
		if got := clientResponse(t, r).Get("iss"); got != cfg.Issuer {
			t.Errorf("%s: iss = %q, want %q", name, got, cfg.Issuer)
		}
	}
}

// An authorization request whose client or redirect URI is wrong must not
// lead anywhere: the person sees an error page instead.
func TestAuthorizeNeverRedirectsToUnverifiedURI(t *testing.T) {
	tests := []struct {
		name    string
		change  func(url.Values)
		problem string
	}{
		{"unknown client", func(p url.Values) { p.Set("client_id", "other") }, `The client_id &#34;other&#34; is not the one`},
		{"no client", func(p url.Values) { p.Del("client_id") }, "no client_id"},
		{"empty client", func(p url.Values) { p.Set("client_id", "") }, "no client_id"},
		{"repeated client", func(p url.Values) { p.Add("client_id", clientID) }, "more than one client_id"},
		{"other host", func(p url.Values) { p.Set("redirect_uri", "https://evil.test/callback?from=oauthtest") }, "is not the one registered"},
		{"extra path", func(p url.Values) { p.Set("redirect_uri", "https://app.test/callback/evil?from=oauthtest") }, "is not the one registered"},
		{"extra query", func(p url.Values) { p.Set("redirect_uri", redirectURL+"&x=1") }, "is not the one registered"},
		{"no query", func(p url.Values) { p.Set("redirect_uri", "https://app.test/callback") }, "is not the one registered"},
		{"upper-case host", func(p url.Values) { p.Set("redirect_uri", "https://APP.test/callback?from=oauthtest") }, "is not the one registered"},
		{"escaped path", func(p url.Values) { p.Set("redirect_uri", "https://app.test/%63allback?from=oauthtest") }, "is not the one registered"},
		{"no redirect", func(p url.Values) { p.Del("redirect_uri") }, "no redirect_uri"},
		{"repeated redirect", func(p url.Values) { p.Add("redirect_uri", redirectURL) }, "more than one redirect_uri"},
	}
	s := start(t, config())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			params := authorizeParams()
			tt.change(params)

			// The form's hidden fields come back through the browser, so a
			// tampered submission must be refused the same way.
			submitted := authorizeParams()
			tt.change(submitted)
			submitted.Set("action", "approve")
			submitted.Set("username", "alice")

			for method, r := range map[string]response{
				"GET":  getAuthorize(t, s, params),
				"POST": postAuthorize(t, s, submitted),
			} {
				if r.status != http.StatusBadRequest {
					t.Errorf("%s: status = %d, want 400", method, r.status)
				}
				if location := r.header.Get("Location"); location != "" {
					t.Errorf("%s: redirected to %q", method, location)
				}
				if !strings.Contains(r.body, tt.problem) {
					t.Errorf("%s: the page does not say %q:\n%s", method, tt.problem, r.body)
				}
			}
		})
	}
}

// Once the client and redirect URI are verified, errors go back to the
// client with its state.
func TestAuthorizeErrorsGoBackToClient(t *testing.T) {
	tests := []struct {
		name      string
		change    func(url.Values)
		wantError string
		wantState string
	}{
		{"no response_type", func(p url.Values) { p.Del("response_type") }, "invalid_request", "state-123"},
		{"implicit grant", func(p url.Values) { p.Set("response_type", "token") }, "unsupported_response_type", "state-123"},
		{"plain PKCE", func(p url.Values) { p.Set("code_challenge_method", "plain") }, "invalid_request", "state-123"},
		{"PKCE without method means plain", func(p url.Values) { p.Del("code_challenge_method") }, "invalid_request", "state-123"},
		{"unknown PKCE method", func(p url.Values) { p.Set("code_challenge_method", "S512") }, "invalid_request", "state-123"},
		{"method without challenge", func(p url.Values) { p.Del("code_challenge") }, "invalid_request", "state-123"},
		{"challenge too short", func(p url.Values) { p.Set("code_challenge", challenge[:42]) }, "invalid_request", "state-123"},
		{"challenge not base64url", func(p url.Values) { p.Set("code_challenge", strings.Repeat("+", 43)) }, "invalid_request", "state-123"},
		{"repeated response_type", func(p url.Values) { p.Add("response_type", "code") }, "invalid_request", "state-123"},
		{"repeated scope", func(p url.Values) { p.Add("scope", "admin") }, "invalid_request", "state-123"},
		{"repeated challenge", func(p url.Values) { p.Add("code_challenge", challenge) }, "invalid_request", "state-123"},
		// Which state would be the right one is unknowable, so none is sent.
		{"repeated state", func(p url.Values) { p.Add("state", "other") }, "invalid_request", ""},
	}
	s := start(t, config())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			params := authorizeParams()
			tt.change(params)

			got := clientResponse(t, getAuthorize(t, s, params))

			if got.Get("error") != tt.wantError {
				t.Errorf("error = %q, want %q", got.Get("error"), tt.wantError)
			}
			if got.Get("error_description") == "" {
				t.Error("no error_description")
			}
			if got.Get("state") != tt.wantState || got.Has("state") != (tt.wantState != "") {
				t.Errorf("state = %q, want %q", got["state"], tt.wantState)
			}
			if got.Has("code") {
				t.Error("a code was issued for a refused request")
			}
		})
	}
}

func TestPKCEIsOptional(t *testing.T) {
	s := start(t, config())
	params := authorizeParams()
	params.Del("code_challenge")
	params.Del("code_challenge_method")
	code := authorizeCode(t, s, params)

	form := tokenForm(code)
	form.Del("code_verifier")
	if r := postToken(t, s, form); r.status != http.StatusOK {
		t.Errorf("token status = %d, want 200; body %s", r.status, r.body)
	}
}

func TestMethodsNotAllowed(t *testing.T) {
	tests := []struct {
		method, path, allow string
	}{
		{http.MethodPut, "/authorize", "GET, HEAD, POST"},
		{http.MethodGet, "/token", "POST"},
		{http.MethodPost, "/user", "GET, HEAD"},
	}
	s := start(t, config())
	for _, tt := range tests {
		req, err := http.NewRequest(tt.method, s.HTTP.URL+tt.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		r := do(t, s.HTTP.Client(), req)
		if r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") != tt.allow {
			t.Errorf("%s %s: status %d, Allow %q; want 405, Allow %q", tt.method, tt.path, r.status, r.header.Get("Allow"), tt.allow)
		}
	}
	if s.TokenCalls() != 0 || s.UserCalls() != 0 {
		t.Errorf("requests refused by method were counted: %d token, %d user", s.TokenCalls(), s.UserCalls())
	}
}
