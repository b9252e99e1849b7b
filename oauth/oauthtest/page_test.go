package oauthtest_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"oauthlogin/oauth/oauthtest"
)

// formConfig is a configuration that shows the sign-in form.
func formConfig() oauthtest.Config {
	cfg := config()
	cfg.AutoApprove = ""
	return cfg
}

func TestSignInFormShowsWhatIsAsked(t *testing.T) {
	s := start(t, formConfig())

	r := getAuthorize(t, s, authorizeParams())

	if r.status != http.StatusOK {
		t.Fatalf("status = %d, want 200", r.status)
	}
	for _, want := range []string{
		"Development sign-in — not a real provider.",
		"Any user name is accepted; no password is checked.",
		`<code>app</code>`,
		`<code>https://app.test/callback?from=oauthtest</code>`,
		`<form method="post" action="authorize">`, // relative, so it works under any prefix
		`<input id="username" name="username" value="" required autofocus`,
		`<button id="approve" type="submit" name="action" value="approve">`,
		`<button id="cancel" type="submit" name="action" value="cancel" formnovalidate>`,
		`<meta name="viewport"`,
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	for _, absolute := range []string{`href="/`, `src=`, `action="/`, "http://", "//fonts"} {
		if strings.Contains(r.body, absolute) {
			t.Errorf("the page has %q: it must use only relative links and no external assets", absolute)
		}
	}

	want := url.Values{
		"response_type":         {"code"},
		"client_id":             {clientID},
		"redirect_uri":          {redirectURL},
		"state":                 {"state-123"},
		"scope":                 {"read:user"},
		"code_challenge":        {challenge},
		"code_challenge_method": {"S256"},
	}
	if got := formFields(t, r.body); got.Encode() != want.Encode() {
		t.Errorf("hidden fields = %v, want %v", got, want)
	}
}

func TestPageHeaders(t *testing.T) {
	s := start(t, formConfig())
	wrongClient := authorizeParams()
	wrongClient.Set("client_id", "other")

	for name, r := range map[string]response{
		"sign-in page": getAuthorize(t, s, authorizeParams()),
		"error page":   getAuthorize(t, s, wrongClient),
	} {
		for header, want := range map[string]string{
			"Content-Type": "text/html; charset=utf-8",
			// The form's redirect goes to the client's origin, which
			// form-action must allow as well as the page's own.
			"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' https://app.test; frame-ancestors 'none'; base-uri 'none'",
			"X-Frame-Options":         "DENY",
			"Referrer-Policy":         "no-referrer",
			"X-Content-Type-Options":  "nosniff",
			"Cache-Control":           "no-store",
		} {
			if got := r.header.Get(header); got != want {
				t.Errorf("%s: %s = %q, want %q", name, header, got, want)
			}
		}
	}
}

func TestContentSecurityPolicyAllowsPrivateUseScheme(t *testing.T) {
	cfg := formConfig()
	cfg.RedirectURL = "com.example.app:/callback"
	s := start(t, cfg)
	params := authorizeParams()
	params.Set("redirect_uri", cfg.RedirectURL)

	csp := getAuthorize(t, s, params).header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "form-action 'self' com.example.app:;") {
		t.Errorf("Content-Security-Policy = %q, want form-action to allow com.example.app:", csp)
	}
}

// submit fills in the sign-in form of s as a browser would: the hidden
// fields from the page, plus the user name and the button pressed.
func submit(t *testing.T, s *oauthtest.Server, userName, action string) response {
	t.Helper()
	fields := formFields(t, getAuthorize(t, s, authorizeParams()).body)
	fields.Set("username", userName)
	fields.Set("action", action)
	return postAuthorize(t, s, fields)
}

func TestSignInFormApprove(t *testing.T) {
	s := start(t, formConfig())

	params := clientResponse(t, submit(t, s, "bob", "approve"))

	if params.Get("state") != "state-123" {
		t.Errorf("state = %q, want state-123", params.Get("state"))
	}
	token := exchange(t, s, params.Get("code"))
	r := getUser(t, s, s.UserURL(), "Bearer "+token)
	if !strings.Contains(r.body, `"login":"bob"`) {
		t.Errorf("the code was not issued for bob: %s", r.body)
	}
}

func TestSignInFormCancel(t *testing.T) {
	s := start(t, formConfig())

	params := clientResponse(t, submit(t, s, "", "cancel"))

	if params.Get("error") != "access_denied" || params.Get("state") != "state-123" || params.Has("code") {
		t.Errorf("cancel sent %v, want error=access_denied and state=state-123 without a code", params)
	}
}

func TestSignInFormRefusesBadUserNames(t *testing.T) {
	s := start(t, formConfig())
	for _, name := range []string{
		"",
		"a b",
		"ålice",
		"alice@example.test",
		strings.Repeat("a", 65),
	} {
		r := submit(t, s, name, "approve")
		if r.status != http.StatusBadRequest || r.header.Get("Location") != "" {
			t.Errorf("user name %q: status %d, Location %q; want 400 and no redirect", name, r.status, r.header.Get("Location"))
		}
		if !strings.Contains(r.body, `id="problem"`) || !strings.Contains(r.body, `id="username"`) {
			t.Errorf("user name %q: the form is not shown again with the problem:\n%s", name, r.body)
		}
	}
	if r := submit(t, s, strings.Repeat("a", 64), "approve"); r.status != http.StatusSeeOther {
		t.Errorf("a 64-character user name: status %d, want 303", r.status)
	}
}

func TestSignInFormMustBeAForm(t *testing.T) {
	s := start(t, formConfig())
	req := formRequest(t, s.AuthorizeURL(), nil)
	req.Body, req.ContentLength = io.NopCloser(strings.NewReader("client_id=%zz")), 13

	r := do(t, noRedirects(s), req)

	if r.status != http.StatusBadRequest || r.header.Get("Location") != "" || !strings.Contains(r.body, "The form could not be read.") {
		t.Errorf("status %d, Location %q; want 400, no redirect, and the error page:\n%s", r.status, r.header.Get("Location"), r.body)
	}
}

func TestSignInFormNeedsOneAction(t *testing.T) {
	s := start(t, formConfig())
	fields := formFields(t, getAuthorize(t, s, authorizeParams()).body)
	fields.Set("username", "alice")

	if r := postAuthorize(t, s, fields); r.status != http.StatusBadRequest {
		t.Errorf("no action: status = %d, want 400", r.status)
	}
	fields["action"] = []string{"cancel", "approve"}
	if r := postAuthorize(t, s, fields); r.status != http.StatusBadRequest {
		t.Errorf("two actions: status = %d, want 400", r.status)
	}
}

// Hidden fields can be changed by whoever submits the form, so POST checks
// them as GET does.
func TestSignInFormRechecksTheRequest(t *testing.T) {
	s := start(t, formConfig())
	fields := formFields(t, getAuthorize(t, s, authorizeParams()).body)
	fields.Set("code_challenge_method", "plain")
	fields.Set("username", "alice")
	fields.Set("action", "approve")

	params := clientResponse(t, postAuthorize(t, s, fields))

	if params.Get("error") != "invalid_request" || params.Has("code") {
		t.Errorf("a submission downgraded to plain PKCE got %v, want error=invalid_request", params)
	}
}

func TestSignInFormRefusesCrossSiteSubmission(t *testing.T) {
	s := start(t, formConfig())
	fields := formFields(t, getAuthorize(t, s, authorizeParams()).body)
	fields.Set("username", "mallory")
	fields.Set("action", "approve")
	req := formRequest(t, s.AuthorizeURL(), fields)
	req.Header.Set("Sec-Fetch-Site", "cross-site")

	r := do(t, noRedirects(s), req)

	if r.status != http.StatusForbidden || r.header.Get("Location") != "" {
		t.Errorf("status %d, Location %q; want 403 and no redirect", r.status, r.header.Get("Location"))
	}
}

func TestPagesEscapeHostileValues(t *testing.T) {
	const hostile = `"><script>alert(1)</script>`
	cfg := formConfig()
	cfg.ClientID = "client" + hostile
	s := start(t, cfg)
	params := authorizeParams()
	params.Set("client_id", cfg.ClientID)
	params.Set("state", hostile)
	params.Set("scope", hostile)
	wrongRedirect := authorizeParams()
	wrongRedirect.Set("client_id", cfg.ClientID)
	wrongRedirect.Set("redirect_uri", "javascript:alert(1)//"+hostile)

	signIn := getAuthorize(t, s, params)
	fields := formFields(t, signIn.body)
	fields.Set("username", hostile)
	fields.Set("action", "approve")

	for name, r := range map[string]response{
		"sign-in page":     signIn,
		"refused username": postAuthorize(t, s, fields),
		"error page":       getAuthorize(t, s, wrongRedirect),
	} {
		if strings.Contains(r.body, "<script>") {
			t.Errorf("%s: a hostile value reached the page unescaped:\n%s", name, r.body)
		}
		if !strings.Contains(r.body, "&lt;script&gt;") {
			t.Errorf("%s: the hostile value is not shown escaped:\n%s", name, r.body)
		}
	}
	// The escaped hidden fields still carry the exact values.
	if fields.Get("state") != hostile || fields.Get("client_id") != cfg.ClientID {
		t.Errorf("hidden fields changed the values: state %q, client_id %q", fields.Get("state"), fields.Get("client_id"))
	}
}
