package access

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestIssue20_RefusedLoginGets403AndNoSession: a person the rules refuse
// gets 403 and a page that names the account the provider logged in (its
// name, provider and id, for the site's owner), no logged-in session,
// and one login_denied record with the issuer, the subject and the kinds
// of rule tried (oauth/SECURITY.md #57). No access token shows in any
// answer or log line (#49, #58).
func TestIssue20_RefusedLoginGets403AndNoSession(t *testing.T) {
	provider := newProvider(t)
	a := startApp(t, provider, sessionDir(t), Config{EmailDomains: []string{"example.com"}, Groups: []string{"staff"}})
	b := a.newBrowser()

	refused := b.signIn(t, "mallory", url.Values{"email": {"mallory@evil.com"}, "groups": {"Staff\nstaff,admin"}})

	if refused.Status != http.StatusForbidden || !strings.Contains(refused.Body, "does not admit that account") {
		t.Fatalf("callback: %v; want 403 and the refusal", refused)
	}
	denied := a.events(t, "login_denied")
	if len(denied) != 1 {
		t.Fatalf("%d login_denied records, want 1; the log:\n%s", len(denied), a.logs)
	}
	subject, _ := denied[0]["subject"].(string)
	wantAccount := "account mallory at " + provider.front.URL + ", id " + subject
	if subject == "" || denied[0]["issuer"] != provider.front.URL || !strings.Contains(refused.Body, wantAccount) {
		t.Errorf("login_denied %v and page %q; want the issuer and subject, and the page to say %q", denied[0], refused.Body, wantAccount)
	}
	if rules, _ := json.Marshal(denied[0]["rules"]); string(rules) != `["email_domains","groups"]` {
		t.Errorf("login_denied names the rules %s, want email_domains and groups", rules)
	}
	if page := b.get("/private"); page.Status != http.StatusFound {
		t.Errorf("after the refusal GET /private: %v; want a new login, not a session", page)
	}
	if n := len(a.events(t, "login_succeeded")); n != 0 {
		t.Errorf("%d login_succeeded records", n)
	}
	tokens := provider.issuedTokens()
	if len(tokens) != 1 {
		t.Fatalf("the provider issued %d tokens, want 1", len(tokens))
	}
	if strings.Contains(a.logs.String(), tokens[0]) || strings.Contains(refused.Body, tokens[0]) {
		t.Error("the access token reached the log or the page")
	}
}

// When the provider cannot say what the rules need, the login fails as a
// failed call to the provider, 502 and admission_failed, and nobody is
// logged in: the rules are checked, never guessed.
func TestAdmissionFailureLogsNobodyIn(t *testing.T) {
	provider := newProvider(t)
	a := startApp(t, provider, sessionDir(t), Config{Groups: []string{"staff"},
		Facts: Claims{UserinfoURL: provider.front.URL + "/nowhere"}})
	b := a.newBrowser()

	if back := b.signIn(t, "ada", url.Values{"groups": {"staff"}}); back.Status != http.StatusBadGateway {
		t.Errorf("callback: %v; want 502", back)
	}
	if failed := a.events(t, "admission_failed"); len(failed) != 1 {
		t.Errorf("%d admission_failed records, want 1; the log:\n%s", len(failed), a.logs)
	}
	if page := b.get("/private"); page.Status != http.StatusFound {
		t.Errorf("after the failure GET /private: %v; want a new login", page)
	}
}

func TestAdmittedLoginKeepsWhatMatched(t *testing.T) {
	dir := sessionDir(t)
	a := startApp(t, newProvider(t), dir, Config{EmailDomains: []string{"example.com"}, Groups: []string{"staff"}})
	b := a.newBrowser()

	if back := b.signIn(t, "ada", url.Values{"email": {"ada@EXAMPLE.com"}, "groups": {"admin\nstaff"}}); back.Status != http.StatusSeeOther {
		t.Fatalf("callback: %v; want 303", back)
	}
	if page := b.get("/private"); page.Body != "hello ada" {
		t.Fatalf("GET /private: %v", page)
	}
	values := onlySession(t, dir)
	var facts Facts
	if err := json.Unmarshal(values[factsKey], &facts); err != nil ||
		!slices.Equal(facts.Emails, []string{"ada@EXAMPLE.com"}) || !slices.Equal(facts.Groups, []string{"staff"}) {
		t.Errorf("the session keeps %s (%v), want the address and the group that matched, and nothing else", values[factsKey], err)
	}
	if len(values[versionKey]) == 0 {
		t.Error("the session does not keep the rules' version")
	}
}

// onlySession reads the values of the one session record in dir.
func onlySession(t *testing.T, dir string) map[string]json.RawMessage {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 {
		t.Fatalf("%d session records (%v), want 1", len(entries), err)
	}
	b, err := os.ReadFile(filepath.Join(dir, entries[0].Name()))
	if err != nil {
		t.Fatal(err)
	}
	var record struct {
		Values map[string]json.RawMessage `json:"values"`
	}
	if err := json.Unmarshal(b, &record); err != nil {
		t.Fatal(err)
	}
	return record.Values
}

// TestIssue20_SessionsFollowTheRules: the app restarts with other rules.
// Each session is checked again at its next request, from what was kept at
// login: one the new rules still admit goes on, and is marked so; one they
// do not is ended, logged as session_denied, and its visitor sent to log
// in again (oauth/SECURITY.md #57). The provider is not asked: what it
// said at login holds.
func TestIssue20_SessionsFollowTheRules(t *testing.T) {
	adaAt := func(domain string) url.Values {
		return url.Values{"email": {"ada@" + domain}, "groups": {"staff"}}
	}
	for _, tt := range []struct {
		name       string
		before     Config // the rules ada logged in under; none at all when empty
		choices    url.Values
		after      Config
		wantPassed bool
	}{
		{"a domain removed", Config{EmailDomains: []string{"example.com"}}, adaAt("example.com"),
			Config{EmailDomains: []string{"example.org"}}, false},
		{"a domain added", Config{EmailDomains: []string{"example.com"}}, adaAt("example.com"),
			Config{EmailDomains: []string{"example.com", "example.org"}}, true},
		{"the group removed", Config{Groups: []string{"staff"}}, adaAt("example.com"),
			Config{Groups: []string{"admin"}}, false},
		{"the domain removed, the group still there", Config{EmailDomains: []string{"example.com"}, Groups: []string{"staff"}},
			adaAt("example.com"), Config{Groups: []string{"staff"}}, true},
		{"the domain rule narrowed to subdomains", Config{EmailDomains: []string{"example.com"}}, adaAt("example.com"),
			Config{EmailDomains: []string{"*.example.com"}}, false},
		{"rules where there were none", Config{}, adaAt("example.com"),
			Config{EmailDomains: []string{"example.com"}}, false}, // nothing was kept to check them by
		{"a group rule where there was a domain rule", Config{EmailDomains: []string{"example.com"}}, adaAt("example.com"),
			Config{Groups: []string{"staff"}}, false}, // groups were not asked for at login
	} {
		t.Run(tt.name, func(t *testing.T) {
			provider, dir := newProvider(t), sessionDir(t)
			before := startApp(t, provider, dir, tt.before)
			b := before.newBrowser()
			if back := b.signIn(t, "ada", tt.choices); back.Status != http.StatusSeeOther {
				t.Fatalf("callback: %v; want 303", back)
			}
			userCalls := len(provider.as.UserRequests())

			b.app = startApp(t, provider, dir, tt.after) // the restart
			first := b.get("/private")

			if tt.wantPassed {
				if first.Body != "hello ada" {
					t.Errorf("GET /private: %v; want the page", first)
				}
				if denied := b.app.events(t, "session_denied"); len(denied) != 0 {
					t.Errorf("session_denied %v", denied)
				}
				if version, _ := json.Marshal(mustNewQuiet(t, b.app, tt.after).version); string(onlySession(t, dir)[versionKey]) != string(version) {
					t.Errorf("the session is not marked with the new rules' version")
				}
			} else {
				if first.Status != http.StatusFound || !strings.Contains(first.Header.Get("Location"), "/authorize?") {
					t.Errorf("GET /private: %v; want a new login", first)
				}
				denied := b.app.events(t, "session_denied")
				if len(denied) != 1 || denied[0]["subject"] == "" || denied[0]["issuer"] != provider.front.URL {
					t.Errorf("session_denied records %v, want one naming ada's account", denied)
				}
				if values := onlySession(t, dir); values["user"] != nil {
					t.Errorf("a session with a user is left: %v", values)
				}
			}
			if calls := len(provider.as.UserRequests()); calls != userCalls {
				t.Errorf("the provider was asked about ada again (%d calls, was %d)", calls, userCalls)
			}
		})
	}
}

// mustNewQuiet builds the Rules that startApp built for a's cfg, to read
// their version.
func mustNewQuiet(t *testing.T, a *testApp, cfg Config) *Rules {
	t.Helper()
	cfg.Issuer, cfg.Facts = a.provider.front.URL, Claims{UserinfoURL: a.provider.front.URL + "/user"}
	return mustNew(t, cfg)
}

// A session admitted under the rules in force costs a page view nothing
// but reading their version: it is neither checked again nor written.
func TestSessionUnderTheRulesInForceIsNotWritten(t *testing.T) {
	dir := sessionDir(t)
	a := startApp(t, newProvider(t), dir, Config{Users: []string{"0"}, EmailDomains: []string{"example.com"}})
	b := a.newBrowser()
	b.signIn(t, "ada", url.Values{"email": {"ada@example.com"}})
	entries, _ := os.ReadDir(dir)
	before, _ := entries[0].Info()

	for range 3 {
		if page := b.get("/private"); page.Body != "hello ada" {
			t.Fatalf("GET /private: %v", page)
		}
	}
	after, err := os.Stat(filepath.Join(dir, entries[0].Name()))
	if err != nil || !after.ModTime().Equal(before.ModTime()) || after.Size() != before.Size() {
		t.Errorf("the session record changed (%v): %v, %d bytes; was %v, %d bytes", err, after.ModTime(), after.Size(), before.ModTime(), before.Size())
	}
}
