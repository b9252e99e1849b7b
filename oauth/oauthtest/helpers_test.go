package oauthtest_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"oauthlogin/oauth/oauthtest"
)

const (
	clientID     = "app"
	clientSecret = "app-secret"
	// The redirect URL has a query of its own, which every authorization
	// response must keep.
	redirectURL = "https://app.test/callback?from=oauthtest"

	// A PKCE verifier that uses every kind of character allowed, and its
	// S256 challenge as computed by another implementation (OpenSSL).
	verifier  = "oauthtest-verifier.0123456789_abcdefghijklmnopqrstuvwxyz~"
	challenge = "4JNeDBqWoCeQ8jozuEk7OmUFVHSTniWkzTHM_ZlNP9k"
)

// newFakeClock is a clock that moves only when a test says so.
func newFakeClock() *oauthtest.Clock {
	return oauthtest.NewClock(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
}

// config is a valid configuration that approves every request as alice.
func config() oauthtest.Config {
	return oauthtest.Config{
		ClientID:     clientID,
		ClientSecret: clientSecret,
		RedirectURL:  redirectURL,
		AutoApprove:  "alice",
	}
}

// start starts a server for cfg and closes it when the test ends.
func start(t *testing.T, cfg oauthtest.Config) *oauthtest.Server {
	t.Helper()
	s := oauthtest.NewServer(cfg)
	t.Cleanup(s.Close)
	return s
}

// authorizeParams is a valid authorization request with PKCE.
func authorizeParams() url.Values {
	return url.Values{
		"response_type":         {"code"},
		"client_id":             {clientID},
		"redirect_uri":          {redirectURL},
		"state":                 {"state-123"},
		"scope":                 {"read:user"},
		"code_challenge":        {challenge},
		"code_challenge_method": {"S256"},
	}
}

// noRedirects returns a client of s that hands back redirects instead of
// following them, so that tests can read where they lead.
func noRedirects(s *oauthtest.Server) *http.Client {
	client := *s.HTTP.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &client
}

// response is a finished HTTP exchange, its body read.
type response struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, client *http.Client, req *http.Request) response {
	t.Helper()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, string(body)}
}

// getAuthorize sends GET /authorize with params, without following redirects.
func getAuthorize(t *testing.T, s *oauthtest.Server, params url.Values) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.AuthorizeURL()+"?"+params.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, noRedirects(s), req)
}

// postAuthorize submits the sign-in form with params, without following
// redirects.
func postAuthorize(t *testing.T, s *oauthtest.Server, params url.Values) response {
	t.Helper()
	req := formRequest(t, s.AuthorizeURL(), params)
	return do(t, noRedirects(s), req)
}

func formRequest(t *testing.T, target string, form url.Values) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

// clientResponse checks that r sends the browser back to the client, and
// returns the authorization response's parameters.
func clientResponse(t *testing.T, r response) url.Values {
	t.Helper()
	if r.status != http.StatusSeeOther {
		t.Fatalf("status = %d, want 303; body:\n%s", r.status, r.body)
	}
	location := r.header.Get("Location")
	// The redirect URL's own query must come first, unchanged.
	if !strings.HasPrefix(location, redirectURL+"&") {
		t.Fatalf("Location = %q, want it to extend %q", location, redirectURL)
	}
	u, err := url.Parse(location)
	if err != nil {
		t.Fatal(err)
	}
	params := u.Query()
	if got := params["from"]; len(got) != 1 || got[0] != "oauthtest" {
		t.Errorf("the redirect URL's own parameter from = %q, want [oauthtest]", got)
	}
	params.Del("from")
	return params
}

// authorizeCode gets a code from s, which must auto-approve, for params.
func authorizeCode(t *testing.T, s *oauthtest.Server, params url.Values) string {
	t.Helper()
	code := clientResponse(t, getAuthorize(t, s, params)).Get("code")
	if code == "" {
		t.Fatal("no code in the authorization response")
	}
	return code
}

// tokenForm is a valid token request for code, authenticating with
// client_secret_post.
func tokenForm(code string) url.Values {
	return url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"redirect_uri":  {redirectURL},
		"code_verifier": {verifier},
		"client_id":     {clientID},
		"client_secret": {clientSecret},
	}
}

func postToken(t *testing.T, s *oauthtest.Server, form url.Values) response {
	t.Helper()
	return do(t, s.HTTP.Client(), formRequest(t, s.TokenURL(), form))
}

// exchange redeems code and returns the access token. It asks for JSON,
// as a client should: in GitHub's shape the answer is a form otherwise.
func exchange(t *testing.T, s *oauthtest.Server, code string) string {
	t.Helper()
	req := formRequest(t, s.TokenURL(), tokenForm(code))
	req.Header.Set("Accept", "application/json")
	r := do(t, s.HTTP.Client(), req)
	if r.status != http.StatusOK {
		t.Fatalf("token status = %d, body %s", r.status, r.body)
	}
	var token struct {
		AccessToken string `json:"access_token"`
	}
	decodeJSON(t, r.body, &token)
	return token.AccessToken
}

// signIn runs the whole flow against s, which must auto-approve, and returns
// an access token.
func signIn(t *testing.T, s *oauthtest.Server) string {
	t.Helper()
	return exchange(t, s, authorizeCode(t, s, authorizeParams()))
}

// getUser calls GET /user, with Authorization set to authorization unless
// it is empty.
func getUser(t *testing.T, s *oauthtest.Server, target, authorization string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	return do(t, s.HTTP.Client(), req)
}

// s256 returns the S256 code challenge for the verifier v (RFC 7636 §4.2).
func s256(v string) string {
	sum := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func decodeJSON(t *testing.T, body string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, body)
	}
}

// checkError checks that r is an OAuth error response (RFC 6749 §5.2) with
// the given status and error code.
func checkError(t *testing.T, r response, status int, code string) {
	t.Helper()
	if r.status != status {
		t.Errorf("status = %d, want %d; body %s", r.status, status, r.body)
	}
	if got := r.header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", got)
	}
	if got := r.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", got)
	}
	var body struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	decodeJSON(t, r.body, &body)
	if body.Error != code {
		t.Errorf("error = %q, want %q (%s)", body.Error, code, body.Description)
	}
	// RFC 6749 §5.2 allows printable ASCII but '"' and '\'.
	if !regexp.MustCompile(`^[\x20\x21\x23-\x5B\x5D-\x7E]+$`).MatchString(body.Description) {
		t.Errorf("error_description %q is empty or has characters RFC 6749 §5.2 forbids", body.Description)
	}
}

// formFields returns the hidden fields of the sign-in form in page, as a
// browser would submit them.
func formFields(t *testing.T, page string) url.Values {
	t.Helper()
	hidden := regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)
	fields := url.Values{}
	for _, m := range hidden.FindAllStringSubmatch(page, -1) {
		fields.Add(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	if len(fields) == 0 {
		t.Fatalf("no hidden fields in the page:\n%s", page)
	}
	return fields
}
