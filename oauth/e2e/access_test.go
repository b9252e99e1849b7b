package e2e

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"oauthlogin/oauth/oauthtest"
)

// These tests run the binary with the access rules of issue 20
// (ALLOWED_USERS, ALLOWED_EMAIL_DOMAINS, ALLOWED_GROUPS): each person the
// rules refuse gets 403, a page that names their account, and no
// logged-in session.

// ruledApp is the app, started with rules, and the provider it logs in at.
type ruledApp struct {
	*app
	provider *oauthtest.Server
}

// startOIDCWithRules starts the app with rules, logging in at an OpenID
// Connect provider whose sign-in form lets each test choose the person's
// address and groups.
func startOIDCWithRules(t *testing.T, rules map[string]string) ruledApp {
	t.Helper()
	port := freePort(t)
	appURL := "http://localhost:" + port
	provider := oauthtest.NewServer(oauthtest.Config{
		ClientID: "e2e-client", ClientSecret: "e2e-secret", RedirectURL: appURL + "/oauth/callback", OpenID: true,
	})
	t.Cleanup(provider.Close)
	env := oidcEnv(port, provider.HTTP.URL)
	for name, value := range rules {
		env[name] = value
	}
	a := startApp(t, appOptions{Env: env})
	a.URL, a.ProviderURL = appURL, provider.HTTP.URL // the environment moved both
	return ruledApp{app: a, provider: provider}
}

// signIn opens the app's home page as a new visitor, signs in at the
// provider as user with choices (the sign-in form's email,
// email_unverified and groups), and returns the visitor and the answer
// to the callback. It also returns the scope the login asked for.
func (a ruledApp) signIn(t *testing.T, user string, choices url.Values) (v *visitor, callback response, scope string) {
	t.Helper()
	v = newVisitor(t)
	authorizeURL, page := v.startLogin(a.app, "/")
	form := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(page.body, -1) {
		form.Set(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	for name, values := range choices {
		form[name] = values
	}
	form.Set("username", user)
	form.Set("action", "approve")
	r := v.do(http.MethodPost, a.ProviderURL+"/authorize", form)
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, a.URL+"/oauth/callback?") {
		t.Fatalf("the provider answered %d to %q, want 303 to the callback\n%s", r.status, r.location, r.body)
	}
	asked, _ := url.Parse(authorizeURL)
	return v, v.get(r.location), asked.Query().Get("scope")
}

var accountID = regexp.MustCompile(`<code id="account-id">([^<]*)</code>`)

// expectRefused checks that callback is the refusal of user's login: 403,
// a page naming the account with its id and offering to log in as someone
// else, no logged-in session on the server, a visitor still anonymous,
// and a login_denied record for the account. It returns the account's id.
func (a ruledApp) expectRefused(t *testing.T, v *visitor, callback response, user string) string {
	t.Helper()
	m := accountID.FindStringSubmatch(callback.body)
	if callback.status != http.StatusForbidden || m == nil ||
		!strings.Contains(callback.body, `<dd id="username">`+user+`</dd>`) ||
		!strings.Contains(callback.body, `href="/login/other-account"`) {
		t.Fatalf("callback: %d, want 403 and the page naming %s's account:\n%s", callback.status, user, callback.body)
	}
	id := html.UnescapeString(m[1])
	// The visitor's session, if the refusal left one, holds no user.
	if cookie := v.cookie(a.app); cookie != "" {
		mac := hmac.New(sha256.New, []byte(procSecret))
		mac.Write([]byte(cookie))
		name := hex.EncodeToString(mac.Sum(nil))
		files, _ := readSessionFiles(t, a.SessionDir)
		if _, ok := files[name].Values["user"]; ok {
			t.Errorf("the refused visitor's session holds a user: %s", files[name].Values["user"])
		}
	}
	if r := v.get(a.URL + "/"); r.status != http.StatusFound {
		t.Errorf("after the refusal GET / answered %d, want 302: the visitor is logged in", r.status)
	}
	denied := pollUntil(appStartTimeout, func() bool {
		for _, line := range a.Logs() {
			var rec map[string]any
			if json.Unmarshal([]byte(line), &rec) == nil && rec["event"] == "login_denied" && rec["subject"] == id {
				return true
			}
		}
		return false
	})
	if !denied {
		t.Errorf("no login_denied record for the account %s; the log:\n%s", id, a.lastLogs(20))
	}
	return id
}

// expectAdmitted checks that callback logged user in.
func (a ruledApp) expectAdmitted(t *testing.T, v *visitor, callback response, user string) {
	t.Helper()
	if callback.status != http.StatusSeeOther {
		t.Fatalf("callback: %d, want 303\n%s", callback.status, callback.body)
	}
	if home := v.get(a.URL + "/"); home.status != http.StatusOK || !strings.Contains(home.body, "Hello, "+user) {
		t.Errorf("home page after the login: %d\n%s", home.status, home.body)
	}
}

// TestIssue20_EmailDomainsThroughTheBinary: with ALLOWED_EMAIL_DOMAINS=
// example.com and an OpenID Connect provider, a verified ada@example.com
// logs in, and every address of the issue's table is refused.
func TestIssue20_EmailDomainsThroughTheBinary(t *testing.T) {
	a := startOIDCWithRules(t, map[string]string{"ALLOWED_EMAIL_DOMAINS": "example.com"})
	for _, tt := range []struct {
		name    string
		choices url.Values
	}{
		{"a second @", url.Values{"email": {"mallory@evil.com@example.com"}}},
		{"a quoted local part", url.Values{"email": {`"mallory@example.com"@evil.com`}}},
		{"example.com under another domain", url.Values{"email": {"mallory@example.com.evil.com"}}},
		{"a trailing dot", url.Values{"email": {"mallory@example.com."}}},
		{"a Unicode look-alike", url.Values{"email": {"mallory@exаmple.com"}}},
		{"an unverified address", url.Values{"email": {"mallory@example.com"}, "email_unverified": {"true"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v, callback, _ := a.signIn(t, "mallory", tt.choices)
			a.expectRefused(t, v, callback, "mallory")
		})
	}
	t.Run("a verified address at example.com", func(t *testing.T) {
		v, callback, _ := a.signIn(t, "ada", url.Values{"email": {"ada@EXAMPLE.com"}})
		a.expectAdmitted(t, v, callback, "ada")
	})
}

// TestIssue20_GroupsThroughTheBinary: with ALLOWED_GROUPS=staff, the login
// asks for the scope groups, and only a groups claim naming staff, exactly,
// admits.
func TestIssue20_GroupsThroughTheBinary(t *testing.T) {
	a := startOIDCWithRules(t, map[string]string{"ALLOWED_GROUPS": "staff"})
	var huge []string
	for i := range 300 {
		huge = append(huge, fmt.Sprintf("group-%d", i))
	}
	huge = append(huge, "staff")
	for _, tt := range []struct {
		name   string
		groups string
	}{
		{"another case", "Staff"},
		{"staff and admin in one name", "staff,admin"},
		{"no groups claim", ""},
		{"more groups than the rules read", strings.Join(huge, "\n")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v, callback, _ := a.signIn(t, "mallory", url.Values{"groups": {tt.groups}})
			a.expectRefused(t, v, callback, "mallory")
		})
	}
	t.Run("a member of staff", func(t *testing.T) {
		v, callback, scope := a.signIn(t, "ada", url.Values{"groups": {"admin\nstaff"}})
		a.expectAdmitted(t, v, callback, "ada")
		if scope != "openid profile email groups" {
			t.Errorf("the login asked for the scope %q, want the groups scope added", scope)
		}
	})
}

// TestIssue20_UsersThroughTheBinary: the refusal page shows the id to give
// the site's owner; with that id in ALLOWED_USERS the person is admitted,
// and nobody else is, not even someone whose user name is that id.
func TestIssue20_UsersThroughTheBinary(t *testing.T) {
	var adaID string
	t.Run("refused, with the id to give the owner", func(t *testing.T) {
		a := startOIDCWithRules(t, map[string]string{"ALLOWED_USERS": "someone-else"})
		v, callback, _ := a.signIn(t, "ada", nil)
		adaID = a.expectRefused(t, v, callback, "ada")
	})
	if adaID == "" {
		t.FailNow()
	}
	// The provider gives a name the same id on every run.
	a := startOIDCWithRules(t, map[string]string{"ALLOWED_USERS": adaID})
	v, callback, _ := a.signIn(t, "ada", nil)
	a.expectAdmitted(t, v, callback, "ada")
	for _, user := range []string{"bob", adaID} {
		v, callback, _ := a.signIn(t, user, nil)
		a.expectRefused(t, v, callback, user)
	}
}

// TestIssue20_GitHubRulesThroughTheBinary: PROVIDER=github against a
// provider in GitHub's shape. An address counts only when GitHub has
// verified it, and a team rule needs the read:org scope, which the login
// then asks for.
func TestIssue20_GitHubRulesThroughTheBinary(t *testing.T) {
	port := freePort(t)
	appURL := "http://localhost:" + port
	provider := oauthtest.NewServer(oauthtest.Config{
		ClientID: "e2e-client", ClientSecret: "e2e-secret", RedirectURL: appURL + "/oauth/callback", Shape: oauthtest.ShapeGitHub,
	})
	t.Cleanup(provider.Close)
	base := provider.HTTP.URL
	env := oidcEnv(port, "")
	for name, value := range map[string]string{
		"PROVIDER": "github", "ISSUER": "", "AUTHORIZE_URL": base + "/authorize", "TOKEN_URL": base + "/token",
		"USER_URL": base + "/user", "EMAILS_URL": base + "/user/emails",
		"ALLOWED_EMAIL_DOMAINS": "example.com", "ALLOWED_GROUPS": "acme/eng",
	} {
		env[name] = value
	}
	a := ruledApp{app: startApp(t, appOptions{Env: env}), provider: provider}
	a.URL, a.ProviderURL = appURL, base

	t.Run("the primary address at example.com, unverified", func(t *testing.T) {
		v, callback, scope := a.signIn(t, "mallory", url.Values{"email": {"mallory@example.com"}, "email_unverified": {"true"}})
		a.expectRefused(t, v, callback, "mallory")
		if scope != "read:user user:email read:org" {
			t.Errorf("the login asked for the scope %q, want read:org added for the team", scope)
		}
	})
	t.Run("the organisation, not the team", func(t *testing.T) {
		v, callback, _ := a.signIn(t, "mallory", url.Values{"email": {"mallory@personal.example"}, "groups": {"acme"}})
		a.expectRefused(t, v, callback, "mallory")
	})
	t.Run("a verified address at example.com", func(t *testing.T) {
		v, callback, _ := a.signIn(t, "ada", url.Values{"email": {"ada@example.com"}})
		a.expectAdmitted(t, v, callback, "ada")
	})
	t.Run("a member of the team", func(t *testing.T) {
		v, callback, _ := a.signIn(t, "grace", url.Values{"email": {"grace@personal.example"}, "groups": {"Acme/Eng"}})
		a.expectAdmitted(t, v, callback, "grace")
	})
}

// TestIssue20_SessionsFollowTheRulesThroughTheBinary: the app restarts
// with a list that no longer admits a logged-in person. Their next request
// ends the session and starts a new login; the rules then refuse it.
func TestIssue20_SessionsFollowTheRulesThroughTheBinary(t *testing.T) {
	first := startProc(t, procOptions{Env: map[string]string{"ALLOWED_EMAIL_DOMAINS": "example.com"}})
	a := ruledApp{app: &app{URL: first.URL, ProviderURL: first.ProviderURL, SessionDir: first.SessionDir}}
	v, callback, _ := a.signIn(t, "ada", url.Values{"email": {"ada@example.com"}})
	if callback.status != http.StatusSeeOther {
		t.Fatalf("callback: %d, want 303\n%s", callback.status, callback.body)
	}
	first.cmd.Process.Kill()
	first.wait(t)

	second := startProc(t, procOptions{Port: first.Port, SessionDir: first.SessionDir,
		Env: map[string]string{"ALLOWED_EMAIL_DOMAINS": "example.org"}})
	r := v.get(second.URL + "/")
	if r.status != http.StatusFound || !strings.HasPrefix(r.location, second.ProviderURL+"/authorize?") {
		t.Errorf("GET / after the restart: %d to %q, want a new login", r.status, r.location)
	}
	if _, err := second.waitLog(appStartTimeout, func(line string) bool {
		var rec map[string]any
		return json.Unmarshal([]byte(line), &rec) == nil && rec["event"] == "session_denied"
	}); err != nil {
		t.Error(err)
	}
}

// TestIssue20_BrowserShowsTheRefusal: in Chromium, with the shipped local
// settings and ALLOWED_EMAIL_DOMAINS=example.com, a person whose address
// the rules refuse sees who they are logged in as, with the account id to
// give the site's owner, and a button to log in as someone else. It leads
// back to the provider's sign-in, asking it to let them choose (prompt),
// where they log in with an account the rules admit.
func TestIssue20_BrowserShowsTheRefusal(t *testing.T) {
	app := startApp(t, appOptions{LocalSettings: true, Env: map[string]string{"ALLOWED_EMAIL_DOMAINS": "example.com"}})
	browser := startChromium(t)
	tab := browser.newTab()

	tab.open(app.URL + "/")
	expectLoginForm(t, tab, app)
	tab.typeText("#username", "mallory")
	tab.typeText("#email", "mallory@evil.com")
	tab.clickAndWait("#approve")

	expectAppPage(t, tab, app, "This account may not use this site", "does not admit that account", "mallory",
		"Log in as someone else")
	var id string
	tab.evaluate(`document.querySelector("#account-id")?.innerText ?? ""`, &id)
	if !regexp.MustCompile(`^[0-9]+$`).MatchString(id) {
		t.Errorf("the refusal page shows the account id %q, want the provider's numeric id", id)
	}
	if tab.has("#try-again") {
		t.Error("the refusal page offers to try again, which would only log in the same account")
	}
	saveScreenshot(t, tab, "chromium-refused.png")

	tab.clickAndWait("#other-account")
	expectLoginForm(t, tab, app)
	if asked, err := url.Parse(tab.url()); err != nil || asked.Query().Get("prompt") != "login" {
		t.Errorf("log in as someone else went to %s, want the provider asked to let the person sign in again", tab.url())
	}
	tab.typeText("#username", "ada")
	tab.typeText("#email", "ada@example.com")
	tab.clickAndWait("#approve")
	expectAppPage(t, tab, app, "Hello, ada", "ada@example.com")
}

// TestIssue20_StartUpSaysWhoMayLogIn: without rules, start-up says in one
// line that everyone with an account at the provider may log in, naming
// it; with rules, it names them instead.
func TestIssue20_StartUpSaysWhoMayLogIn(t *testing.T) {
	for _, tt := range []struct {
		env  map[string]string
		want string
	}{
		{nil, "everyone with an account at the provider may log in"},
		{map[string]string{"ALLOWED_EMAIL_DOMAINS": "example.com"}, "only these may log in"},
	} {
		a := startApp(t, appOptions{Env: tt.env})
		var said []map[string]any
		for _, line := range a.Logs() {
			var rec map[string]any
			if json.Unmarshal([]byte(line), &rec) == nil && strings.Contains(fmt.Sprint(rec["msg"]), "may log in") {
				said = append(said, rec)
			}
		}
		if len(said) != 1 || !strings.HasPrefix(fmt.Sprint(said[0]["msg"]), tt.want) ||
			said[0]["issuer"] != "http://127.0.0.1:"+strings.TrimPrefix(a.URL, "http://localhost:") {
			t.Errorf("rules %v: start-up said %v, want one line %q naming the provider", tt.env, said, tt.want)
		}
	}
}
