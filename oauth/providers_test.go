package oauth

// The provider profiles of issue 4, each against the test provider shaped
// like that provider: the Configs below are what settings' github, gitlab
// and generic profiles make of their variables, with the endpoints moved
// to the harness's provider.

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"oauthlogin/oauth/oauthtest"
)

// The github profile's API headers (settings/providers.go).
var gitHubHeaders = map[string]string{"X-GitHub-Api-Version": "2022-11-28", "User-Agent": "oauthlogin"}

// gitHubProfile configures the client as the github profile does.
func gitHubProfile(c *Config) {
	c.UserFields = UserFields{ID: "id", Username: "login", Name: "name", Email: "email"}
	c.EmailsURL = c.UserURL + "/emails" // GitHub's /user/emails, on the harness's provider
	c.APIHeaders = gitHubHeaders
}

// gitLabProfile configures the client as the gitlab profile does.
func gitLabProfile(c *Config) {
	c.UserFields = UserFields{ID: "id", Username: "username", Name: "name", Email: "email"}
}

// shaped returns the provider option for shape, approving as user.
func shaped(shape oauthtest.Shape, user string) func(*oauthtest.Config) {
	return func(c *oauthtest.Config) { c.Shape, c.AutoApprove = shape, user }
}

// customUser answers GET /user with body, and passes every other request
// on to the provider.
func customUser(body string) func(http.ResponseWriter, *http.Request, http.Handler) {
	return func(w http.ResponseWriter, r *http.Request, as http.Handler) {
		if r.URL.Path != "/user" {
			as.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	}
}

// providerAnswer asks the provider itself for path (such as /user) with
// the one access token it has issued, and returns the JSON answer. It adds
// a call to that endpoint's count.
func providerAnswer(t *testing.T, h *harness, path string) []byte {
	t.Helper()
	tokens := h.issuedTokens()
	if len(tokens) != 1 {
		t.Fatalf("the provider issued %d access tokens, want 1", len(tokens))
	}
	req, _ := http.NewRequest(http.MethodGet, h.as.HTTP.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+tokens[0])
	req.Header.Set("User-Agent", "test")
	resp, err := h.as.HTTP.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s from the provider: HTTP %d, %v", path, resp.StatusCode, err)
	}
	return body
}

// providerID is the id in the provider's GET /user answer, as the text a
// User keeps.
func providerID(t *testing.T, h *harness) string {
	t.Helper()
	var profile struct{ ID json.Number }
	dec := json.NewDecoder(bytes.NewReader(providerAnswer(t, h, "/user")))
	dec.UseNumber()
	if err := dec.Decode(&profile); err != nil || profile.ID == "" {
		t.Fatalf("provider's profile: %v, id %q", err, profile.ID)
	}
	return profile.ID.String()
}

// TestChecklist29_ProviderProfiles logs in through each profile against
// the provider shaped like it (issue 4): the user is keyed on the
// provider's id (oauth/SECURITY.md #29), and each quirk of the shape is
// met.
func TestChecklist29_ProviderProfiles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    harnessOptions
		fault   oauthtest.Misbehaviour
		want    User              // Subject "" means the provider's id for the user
		emails  int               // calls to GET /user/emails
		headers map[string]string // on every call to the API
	}{
		{name: "#29 github: the e-mail address from the profile",
			opts: harnessOptions{as: shaped(oauthtest.ShapeGitHub, "ada"), configure: gitHubProfile},
			want: User{Username: "ada", Name: "Ada (dev)", Email: "ada@example.test"}, headers: gitHubHeaders},
		{name: "#29 github: e-mail null in the profile, the primary verified one from /user/emails",
			opts:   harnessOptions{as: shaped(oauthtest.ShapeGitHub, "private-ada"), configure: gitHubProfile},
			want:   User{Username: "private-ada", Name: "Private-ada (dev)", Email: "private-ada@example.test"},
			emails: 1, headers: gitHubHeaders},
		{name: "#29 github: a form-encoded token answer (TokenFormEncoded) is parsed",
			opts:    harnessOptions{as: shaped(oauthtest.ShapeGitHub, "ada"), configure: gitHubProfile},
			fault:   oauthtest.Misbehaviour{Token: oauthtest.TokenFormEncoded},
			want:    User{Username: "ada", Name: "Ada (dev)", Email: "ada@example.test"},
			headers: gitHubHeaders},
		{name: "#29 github: the form GitHub sends a request without Accept is parsed",
			opts: harnessOptions{as: shaped(oauthtest.ShapeGitHub, "ada"), configure: gitHubProfile,
				provider: func(w http.ResponseWriter, r *http.Request, as http.Handler) {
					if r.URL.Path == "/token" {
						r.Header.Del("Accept")
					}
					as.ServeHTTP(w, r)
				}},
			want: User{Username: "ada", Name: "Ada (dev)", Email: "ada@example.test"}, headers: gitHubHeaders},
		{name: "#29 gitlab: the user name from username",
			opts: harnessOptions{as: shaped(oauthtest.ShapeGitLab, "ada"), configure: gitLabProfile},
			want: User{Username: "ada", Name: "Ada (dev)", Email: "ada@example.test"}},
		{name: "#29 generic: dotted field paths",
			opts: harnessOptions{
				provider: customUser(`{"data":{"id":7,"attributes":{"login":"ada","full_name":"Ada","mail":"a@x.test"}}}`),
				configure: func(c *Config) {
					c.UserFields = UserFields{ID: "data.id", Username: "data.attributes.login",
						Name: "data.attributes.full_name", Email: "data.attributes.mail"}
				}},
			want: User{Subject: "7", Username: "ada", Name: "Ada", Email: "a@x.test"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, tt.opts)
			h.as.Misbehave(tt.fault)
			b := h.newBrowser()
			b.login(t, "/private")

			api := slices.Concat(h.as.UserRequests(), h.as.EmailsRequests())
			rec, _ := h.readRecord(b.cookie)
			want := tt.want
			want.Issuer = h.front.URL // the origin of the authorization endpoint
			if want.Subject == "" {
				want.Subject = providerID(t, h)
			}
			if rec.Values.User == nil || *rec.Values.User != want {
				t.Errorf("session user %+v, want %+v", rec.Values.User, want)
			}
			if n := h.as.EmailsCalls(); n != tt.emails {
				t.Errorf("%d calls to /user/emails, want %d", n, tt.emails)
			}
			// The token request asks for JSON, which is what makes GitHub
			// answer it (except where the test took the header away).
			for _, req := range h.as.TokenRequests() {
				if tt.opts.provider == nil && req.Header.Get("Accept") != "application/json" {
					t.Errorf("token request Accept %q, want application/json", req.Header.Get("Accept"))
				}
			}
			// Every call to GitHub's API carries the profile's headers.
			if tt.headers != nil && len(api) != 1+tt.emails {
				t.Errorf("%d calls to the API, want %d", len(api), 1+tt.emails)
			}
			for i, req := range api {
				for name, value := range tt.headers {
					if got := req.Header.Get(name); got != value {
						t.Errorf("API call %d: header %s %q, want %q", i+1, name, got, value)
					}
				}
			}
		})
	}
}

// TestIssue4_ProfileFailures drives the answers each profile must refuse
// (issue 4): the login fails with the failure page, the visitor stays
// anonymous, and the log says why.
func TestIssue4_ProfileFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		opts      harnessOptions
		badCode   bool   // send the callback with a code the provider never issued
		event     string // the one login event the callback logs
		logged    string // in its err
		userCalls int
	}{
		{name: "github: a bad code, refused with 200 and an error as GitHub does",
			opts:    harnessOptions{as: shaped(oauthtest.ShapeGitHub, "ada"), configure: gitHubProfile},
			badCode: true, event: "token_exchange_failed", logged: `"bad_verification_code" (HTTP 200)`},
		{name: "#29 generic: an ID path that leads nowhere",
			opts: harnessOptions{provider: customUser(`{"data":{"id":7}}`),
				configure: func(c *Config) { c.UserFields = UserFields{ID: "data.attributes.id"} }},
			event: "user_fetch_failed", logged: "no id or sub"},
		{name: "#29 generic: an ID path that ends at an object",
			opts: harnessOptions{provider: customUser(`{"data":{"id":{"value":7}}}`),
				configure: func(c *Config) { c.UserFields = UserFields{ID: "data.id"} }},
			event: "user_fetch_failed", logged: "no id or sub"},
		{name: "#29 gitlab: the id is there but not where the profile says",
			opts: harnessOptions{as: shaped(oauthtest.ShapeGitLab, "ada"), configure: func(c *Config) {
				gitLabProfile(c)
				c.UserFields.ID = "user.id"
			}},
			event: "user_fetch_failed", logged: "no id or sub", userCalls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, tt.opts)
			b := h.newBrowser()
			authURL, state := b.startLogin(t, "/private")
			callback, _ := h.approve(t, authURL)
			if tt.badCode {
				callback = callbackURL("code", "not-a-code-this-provider-issued", "state", state)
			}
			mark := h.logs.Len()
			resp := b.get(callback)
			if resp.Status != http.StatusBadGateway || !strings.Contains(resp.Body, "The provider") {
				t.Errorf("callback: %v, want the 502 failure page", resp)
			}
			if n := h.userCalls(); n != tt.userCalls {
				t.Errorf("%d calls to /user, want %d", n, tt.userCalls)
			}
			events := h.eventsSince(t, mark)
			if len(events) != 1 || events[0].str("event") != tt.event || !strings.Contains(events[0].str("err"), tt.logged) {
				t.Errorf("logged %v, want one %s record whose err has %q", events, tt.event, tt.logged)
			}
			h.assertAnonymous(t, b.cookie)
		})
	}
}

// TestIssue4_GitHubEmailsPrimaryNotFirst checks the e-mail fallback
// against the list itself: the address taken is the entry marked primary
// and verified, which GitHub's list does not put first, nor as its first
// verified entry.
func TestIssue4_GitHubEmailsPrimaryNotFirst(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{as: shaped(oauthtest.ShapeGitHub, "private-ada"), configure: gitHubProfile})
	b := h.newBrowser()
	b.login(t, "/private")
	rec, _ := h.readRecord(b.cookie)
	if rec.Values.User == nil {
		t.Fatal("no user in the session")
	}
	// GitHub's list, read with a shape of the test's own.
	type entry struct {
		Email             string
		Primary, Verified bool
	}
	var entries []entry
	list := providerAnswer(t, h, "/user/emails")
	if err := json.Unmarshal(list, &entries); err != nil {
		t.Fatalf("the provider's /user/emails: %v, %s", err, list)
	}
	firstVerified := slices.IndexFunc(entries, func(e entry) bool { return e.Verified })
	primary := slices.IndexFunc(entries, func(e entry) bool { return e.Primary && e.Verified })
	if primary <= 0 || firstVerified == primary {
		t.Fatalf("the list %s puts the primary address first or first among the verified: "+
			"the test would not tell them apart", list)
	}
	if got := rec.Values.User.Email; got != entries[primary].Email {
		t.Errorf("session e-mail %q, want the primary verified %q", got, entries[primary].Email)
	}
}
