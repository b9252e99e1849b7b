package e2e

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// These tests drive the real application binary over loopback with a
// cookie jar, the way a browser would but one request at a time, so each
// redirect can be inspected. The browser test (browser_test.go) covers what
// only a real browser shows.

// sessionCookie is the cookie's name in these tests, which serve the app
// over plain http on loopback: there it goes without Secure and so without
// the __Host- prefix (TestCookieOverHTTPSIsSecureWithHostPrefix covers
// https).
const sessionCookie = "session"

// visitor is one browser: a cookie jar, and a client that reports
// redirects instead of following them.
type visitor struct {
	t      *testing.T
	client *http.Client
}

func newVisitor(t *testing.T) *visitor {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &visitor{t: t, client: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// response is what came back from one request.
type response struct {
	status   int
	header   http.Header
	body     string
	location string
}

func (v *visitor) do(method, target string, form url.Values) response {
	v.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		v.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := v.client.Do(req)
	if err != nil {
		v.t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		v.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(b), location: resp.Header.Get("Location")}
}

func (v *visitor) get(target string) response { return v.do(http.MethodGet, target, nil) }

// cookie returns the session cookie the jar holds for a, or "".
func (v *visitor) cookie(a *app) string {
	u, _ := url.Parse(a.URL)
	for _, c := range v.client.Jar.Cookies(u) {
		if c.Name == sessionCookie {
			return c.Value
		}
	}
	return ""
}

// startLogin opens path on the app as an anonymous visitor and returns the
// provider's login page it is sent to, checking the redirect on the way.
func (v *visitor) startLogin(a *app, path string) (authorizeURL string, page response) {
	v.t.Helper()
	r := v.get(a.URL + path)
	if r.status != http.StatusFound || !strings.HasPrefix(r.location, a.ProviderURL+"/authorize?") {
		v.t.Fatalf("GET %s: %d to %q, want 302 to the provider", path, r.status, r.location)
	}
	page = v.get(r.location)
	if page.status != http.StatusOK || !strings.Contains(page.body, `id="approve"`) {
		v.t.Fatalf("provider's login page: %d\n%s", page.status, page.body)
	}
	return r.location, page
}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)

// submit sends the provider's login form as a person would: its hidden
// fields, a user name, and the button pressed ("approve" or "cancel").
// It returns the provider's redirect back to the app.
func (v *visitor) submit(a *app, page response, username, action string) string {
	v.t.Helper()
	form := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(page.body, -1) {
		form.Set(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	form.Set("username", username)
	form.Set("action", action)
	r := v.do(http.MethodPost, a.ProviderURL+"/authorize", form)
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, a.URL+"/oauth/callback?") {
		v.t.Fatalf("submitting the login form: %d to %q, want 303 to the callback", r.status, r.location)
	}
	return r.location
}

// login logs in as username from path and returns the final home page.
func (v *visitor) login(a *app, path, username string) response {
	v.t.Helper()
	_, page := v.startLogin(a, path)
	callback := v.submit(a, page, username, "approve")
	r := v.get(callback)
	if r.status != http.StatusSeeOther {
		v.t.Fatalf("callback: %d, want 303\n%s", r.status, r.body)
	}
	return r
}

func TestLoginEndToEnd(t *testing.T) {
	a := startApp(t, appOptions{})
	v := newVisitor(t)

	authorizeURL, page := v.startLogin(a, "/")
	preLoginCookie := v.cookie(a)
	if preLoginCookie == "" {
		t.Fatal("no session cookie after the redirect to the provider")
	}

	// The authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3).
	u, _ := url.Parse(authorizeURL)
	q := u.Query()
	want := map[string]string{
		"response_type":         "code",
		"client_id":             "local-dev-client",
		"redirect_uri":          a.URL + "/oauth/callback",
		"scope":                 "read write",
		"prompt":                "login",
		"approval_prompt":       "auto",
		"code_challenge_method": "S256",
	}
	for key, value := range want {
		if got := q[key]; len(got) != 1 || got[0] != value {
			t.Errorf("authorize %s = %q, want %q", key, got, value)
		}
	}
	if len(q.Get("state")) != 43 || len(q.Get("code_challenge")) != 43 {
		t.Errorf("state %q and code_challenge %q should each be 43 base64url characters", q.Get("state"), q.Get("code_challenge"))
	}
	if len(q) != len(want)+2 {
		t.Errorf("authorize URL has parameters %v, want exactly %d", q, len(want)+2)
	}
	for _, secret := range []string{"local-dev-secret-not-a-real-secret", preLoginCookie} {
		if strings.Contains(authorizeURL, secret) {
			t.Errorf("authorize URL contains a secret: %s", authorizeURL)
		}
	}

	callback := v.submit(a, page, "ada", "approve")
	r := v.get(callback)
	if r.status != http.StatusSeeOther || r.location != "/" {
		t.Fatalf("callback: %d to %q, want 303 to /", r.status, r.location)
	}
	loggedIn := v.cookie(a)
	if loggedIn == "" || loggedIn == preLoginCookie {
		t.Fatalf("session ID was not renewed at login: before %q, after %q", preLoginCookie, loggedIn)
	}

	home := v.get(a.URL + "/")
	for _, want := range []string{"Hello, ada", "Ada (dev)", "ada@example.test", `action="/logout"`} {
		if !strings.Contains(home.body, want) {
			t.Errorf("home page lacks %q:\n%s", want, home.body)
		}
	}
	if home.header.Get("Cache-Control") != "no-store" || !strings.Contains(home.header.Get("Vary"), "Cookie") {
		t.Errorf("home page headers Cache-Control %q, Vary %q", home.header.Get("Cache-Control"), home.header.Get("Vary"))
	}

	// The session file: named by an HMAC of the ID, never the ID, and
	// readable by the owner only.
	mac := hmac.New(sha256.New, []byte("e2e-session-key-0123456789abcdef0123456789"))
	mac.Write([]byte(loggedIn))
	file := filepath.Join(a.SessionDir, hex.EncodeToString(mac.Sum(nil)))
	info, err := os.Stat(file)
	if err != nil {
		t.Fatalf("session file: %v", err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("session file mode %v, want 0600", info.Mode().Perm())
	}
	entries, _ := os.ReadDir(a.SessionDir)
	if len(entries) != 1 {
		t.Errorf("session directory holds %d files, want 1 (the pre-login session is gone)", len(entries))
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), loggedIn) || strings.Contains(e.Name(), preLoginCookie) {
			t.Errorf("file name %q contains a session ID", e.Name())
		}
	}

	// Logout: the file goes, the cookie is expired, the old ID is worthless.
	out := v.do(http.MethodPost, a.URL+"/logout", url.Values{})
	if out.status != http.StatusSeeOther || out.location != "/signed-out" {
		t.Fatalf("logout: %d to %q, want 303 to /signed-out", out.status, out.location)
	}
	// The signed-out page is public: it says so, and starts no login.
	if page := v.get(a.URL + "/signed-out"); page.status != http.StatusOK || page.location != "" ||
		!strings.Contains(page.body, "You are logged out") {
		t.Errorf("signed-out page: %d to %q, want 200 saying \"You are logged out\":\n%s", page.status, page.location, page.body)
	}
	if !strings.Contains(out.header.Get("Set-Cookie"), "Max-Age=0") {
		t.Errorf("logout Set-Cookie %q does not expire the cookie", out.header.Get("Set-Cookie"))
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("session file still there after logout: %v", err)
	}
	replay := newVisitor(t)
	replay.client.Jar.SetCookies(mustParse(a.URL), []*http.Cookie{{Name: sessionCookie, Value: loggedIn}})
	if r := replay.get(a.URL + "/"); r.status != http.StatusFound {
		t.Errorf("old cookie after logout: %d, want 302 to the provider", r.status)
	}
}

func TestLoginReturnsToRequestedPage(t *testing.T) {
	a := startApp(t, appOptions{})
	v := newVisitor(t)
	// Only / is routed, so ask for it with a query string to see it kept.
	r := v.login(a, "/?tab=profile", "ada")
	if r.location != "/?tab=profile" {
		t.Errorf("after login: redirected to %q, want /?tab=profile", r.location)
	}
}

func TestTwoTabsLogInAtOnce(t *testing.T) {
	a := startApp(t, appOptions{})
	v := newVisitor(t)
	_, pageA := v.startLogin(a, "/")
	_, pageB := v.startLogin(a, "/")
	callbackA := v.submit(a, pageA, "ada", "approve")
	callbackB := v.submit(a, pageB, "ada", "approve")

	if r := v.get(callbackA); r.status != http.StatusSeeOther {
		t.Fatalf("tab A callback: %d\n%s", r.status, r.body)
	}
	if r := v.get(callbackB); r.status != http.StatusSeeOther {
		t.Fatalf("tab B callback: %d\n%s", r.status, r.body)
	}
	if r := v.get(a.URL + "/"); !strings.Contains(r.body, "Hello, ada") {
		t.Fatalf("after both tabs: %d\n%s", r.status, r.body)
	}
}

func TestReplayedCallbackIsRefused(t *testing.T) {
	a := startApp(t, appOptions{})
	v := newVisitor(t)
	_, page := v.startLogin(a, "/")
	callback := v.submit(a, page, "ada", "approve")
	if r := v.get(callback); r.status != http.StatusSeeOther {
		t.Fatalf("first callback: %d", r.status)
	}
	r := v.get(callback)
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, "not valid") {
		t.Errorf("replayed callback: %d, want 400 with the error page\n%s", r.status, r.body)
	}
}

// TestStateFromAnotherSessionIsRefused is login CSRF: an attacker finishes
// a login of their own at the provider and sends the callback URL to a
// victim, whose session never started that login.
func TestStateFromAnotherSessionIsRefused(t *testing.T) {
	a := startApp(t, appOptions{})
	attacker, victim := newVisitor(t), newVisitor(t)
	_, page := attacker.startLogin(a, "/")
	callback := attacker.submit(a, page, "mallory", "approve")

	victim.startLogin(a, "/")
	r := victim.get(callback)
	if r.status != http.StatusBadRequest {
		t.Fatalf("victim opening the attacker's callback: %d, want 400", r.status)
	}
	if r := victim.get(a.URL + "/"); r.status != http.StatusFound {
		t.Errorf("victim after the forged callback: %d, want still anonymous (302)", r.status)
	}
	// The attacker's own login is untouched by the victim's attempt.
	if r := attacker.get(callback); r.status != http.StatusSeeOther {
		t.Errorf("attacker's callback: %d, want 303", r.status)
	}
}

func TestCancelledLoginShowsErrorPage(t *testing.T) {
	a := startApp(t, appOptions{})
	v := newVisitor(t)
	_, page := v.startLogin(a, "/")
	callback := v.submit(a, page, "ada", "cancel")
	r := v.get(callback)
	if r.status != http.StatusForbidden {
		t.Fatalf("cancelled login: %d, want 403", r.status)
	}
	for _, want := range []string{"Login was cancelled", `href="/"`, "Try again"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("error page lacks %q:\n%s", want, r.body)
		}
	}
	if r := v.get(a.URL + "/"); r.status != http.StatusFound {
		t.Errorf("after cancelling: %d, want still anonymous (302)", r.status)
	}
}

func mustParse(raw string) *url.URL {
	u, err := url.Parse(raw)
	if err != nil {
		panic(err)
	}
	return u
}
