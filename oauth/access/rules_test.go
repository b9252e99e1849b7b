package access

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"oauthlogin/oauth"
	"oauthlogin/session"
)

const (
	testIssuer = "https://op.example"
	testToken  = "access-token-CANARY-0123456789" // must appear in no error and no log
)

// idToken makes an ID token with claims. It is not signed: Claims reads an
// ID token only once an Identifier has verified it, which these tests
// stand in for.
func idToken(claims map[string]any) string {
	payload, err := json.Marshal(claims)
	if err != nil {
		panic(err)
	}
	return "eyJhbGciOiJSUzI1NiJ9." + base64.RawURLEncoding.EncodeToString(payload) + ".c2lnbmF0dXJl"
}

// fakeAPI answers GET requests for the paths in answers with their JSON,
// and anything else with 404. It records the paths and queries asked, and
// refuses a request without the test's token.
type fakeAPI struct {
	srv     *httptest.Server
	mu      sync.Mutex
	answers map[string]any
	asked   []string
}

func newFakeAPI(t *testing.T, answers map[string]any) *fakeAPI {
	t.Helper()
	api := &fakeAPI{answers: answers}
	api.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		api.mu.Lock()
		api.asked = append(api.asked, r.URL.RequestURI())
		api.mu.Unlock()
		answer, ok := answers[r.URL.Path]
		if r.Header.Get("Authorization") != "Bearer "+testToken {
			http.Error(w, "no token", http.StatusUnauthorized)
			return
		}
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(answer)
	}))
	t.Cleanup(api.srv.Close)
	return api
}

func (api *fakeAPI) client() *oauth.Client {
	return oauth.NewClient(oauth.Config{ClientID: "app", AuthorizeURL: api.srv.URL + "/authorize"}, api.srv.Client())
}

func (api *fakeAPI) requests() []string {
	api.mu.Lock()
	defer api.mu.Unlock()
	return slices.Clone(api.asked)
}

// admit runs rules.Admit for the user with subject sub, whose login gave
// an ID token with idClaims (none when nil), against api.
func admit(t *testing.T, rules *Rules, api *fakeAPI, sub string, idClaims map[string]any) (keep func(*session.Values) error, err error) {
	t.Helper()
	tok := &oauth.Token{AccessToken: testToken, TokenType: "Bearer"}
	if idClaims != nil {
		tok.IDToken = idToken(idClaims)
	}
	keep, err = rules.Admit(context.Background(), api.client(), tok, oauth.User{Issuer: testIssuer, Subject: sub, Username: "ada"})
	if err != nil && strings.Contains(err.Error(), testToken) {
		t.Errorf("the error shows the access token: %v", err)
	}
	return keep, err
}

func mustNew(t *testing.T, cfg Config) *Rules {
	t.Helper()
	if cfg.Issuer == "" {
		cfg.Issuer = testIssuer
	}
	cfg.Logger = slog.New(slog.DiscardHandler)
	rules, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return rules
}

// outcome names what Admit did: "admitted", "refused" (an *oauth.Denial),
// or "failed" (any other error).
func outcome(keep func(*session.Values) error, err error) string {
	var denial *oauth.Denial
	switch {
	case errors.As(err, &denial):
		return "refused"
	case err != nil:
		return "failed: " + err.Error()
	case keep == nil:
		return "admitted without keeping anything"
	}
	return "admitted"
}

// TestIssue20_EmailDomainTable: under ALLOWED_EMAIL_DOMAINS=example.com,
// with OpenID Connect's claims in a verified ID token, only a verified,
// plain address at example.com itself is admitted.
func TestIssue20_EmailDomainTable(t *testing.T) {
	rules := mustNew(t, Config{EmailDomains: []string{"example.com"}, Facts: Claims{IDToken: true}})
	api := newFakeAPI(t, nil)
	for _, tt := range []struct {
		name     string
		email    string
		verified any // the claim email_verified; nil leaves it out
		want     string
	}{
		{"a second @ before the domain", "a@evil.com@example.com", true, "refused"},
		{"a quoted local part holding the domain", `"a@example.com"@evil.com`, true, "refused"},
		{"the domain as a subdomain of another", "a@example.com.evil.com", true, "refused"},
		{"a trailing dot", "a@example.com.", true, "refused"},
		{"a Unicode look-alike (Cyrillic а)", "a@exаmple.com", true, "refused"},
		{"a Unicode look-alike in xn-- form", "a@xn--exmple-4nf.com", true, "refused"},
		{"fullwidth letters, which IDNA maps to example.com", "a@ｅxample.com", true, "refused"},
		{"an unverified address at example.com", "a@example.com", false, "refused"},
		{`email_verified "false"`, "a@example.com", "false", "refused"},
		{"no email_verified", "a@example.com", nil, "refused"},
		{"email_verified of another type", "a@example.com", 1, "refused"},
		{"a subdomain", "a@eng.example.com", true, "refused"},
		{"a comment", "a(x)@example.com", true, "refused"},
		{"a route", "@evil.com:a@example.com", true, "refused"},
		{"a verified address in capitals", "a@EXAMPLE.com", true, "admitted"},
		{`email_verified "true"`, "a@example.com", "true", "admitted"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			claims := map[string]any{"sub": "s1", "email": tt.email}
			if tt.verified != nil {
				claims["email_verified"] = tt.verified
			}
			if got := outcome(admit(t, rules, api, "s1", claims)); got != tt.want {
				t.Errorf("%s: %s, want %s", tt.email, got, tt.want)
			}
		})
	}
	if asked := api.requests(); len(asked) != 0 {
		t.Errorf("the provider was asked %v: there is no UserInfo endpoint to ask", asked)
	}
}

func TestSubdomainEntries(t *testing.T) {
	rules := mustNew(t, Config{EmailDomains: []string{"*.example.com"}, Facts: Claims{IDToken: true}})
	api := newFakeAPI(t, nil)
	for email, want := range map[string]string{
		"a@eng.example.com":   "admitted",
		"a@a.b.example.com":   "admitted",
		"a@example.com":       "refused", // *.example.com names the subdomains only
		"a@badexample.com":    "refused",
		"a@eng.example.com.x": "refused",
	} {
		if got := outcome(admit(t, rules, api, "s1", map[string]any{"sub": "s1", "email": email, "email_verified": true})); got != want {
			t.Errorf("%s: %s, want %s", email, got, want)
		}
	}
}

// hugeGroupList has more groups than the rules read, staff among them.
func hugeGroupList() []string {
	groups := []string{"staff"}
	for i := range maxGroups {
		groups = append(groups, fmt.Sprintf("group-%d", i))
	}
	return groups
}

// TestIssue20_GroupsTable: under ALLOWED_GROUPS=staff, the groups claim
// must name staff exactly: names are compared as they are, case
// included, and a string is one group, commas and all.
func TestIssue20_GroupsTable(t *testing.T) {
	rules := mustNew(t, Config{Groups: []string{"staff"}, Facts: Claims{IDToken: true}})
	api := newFakeAPI(t, nil)
	for _, tt := range []struct {
		name   string
		groups any // nil leaves the claim out
		want   string
	}{
		{"one string holding two names", "staff,admin", "refused"},
		{"another case", []string{"Staff"}, "refused"},
		{"no groups claim", nil, "refused"},
		{"an empty list", []string{}, "refused"},
		{"a list over the bound", hugeGroupList(), "refused"},
		{"numbers", []int{1, 2}, "refused"},
		{"an object", map[string]bool{"staff": true}, "refused"},
		{"spaces around the name", []string{" staff "}, "refused"},
		{"an array with staff", []string{"admin", "staff"}, "admitted"},
		{"one string, staff", "staff", "admitted"},
		{"a list at the bound", hugeGroupList()[:maxGroups], "admitted"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			claims := map[string]any{"sub": "s1"}
			if tt.groups != nil {
				claims["groups"] = tt.groups
			}
			if got := outcome(admit(t, rules, api, "s1", claims)); got != tt.want {
				t.Errorf("groups %v: %s, want %s", tt.groups, got, tt.want)
			}
		})
	}
}

func TestGroupsClaimName(t *testing.T) {
	rules := mustNew(t, Config{Groups: []string{"staff"}, Facts: Claims{IDToken: true, GroupsClaim: "roles"}})
	api := newFakeAPI(t, nil)
	for claim, want := range map[string]string{"roles": "admitted", "groups": "refused"} {
		if got := outcome(admit(t, rules, api, "s1", map[string]any{"sub": "s1", claim: []string{"staff"}})); got != want {
			t.Errorf("staff in the claim %s with GROUPS_CLAIM=roles: %s, want %s", claim, got, want)
		}
	}
}

// A provider may keep the ID token to sub, and say the rest in UserInfo:
// what the ID token leaves out is asked there, and counts only when
// UserInfo speaks of the same account.
func TestClaimsFromUserinfo(t *testing.T) {
	cfg := Config{EmailDomains: []string{"example.com"}, Groups: []string{"staff"}}
	for _, tt := range []struct {
		name     string
		id       map[string]any
		userinfo map[string]any // nil: no UserInfo endpoint
		want     string
		asked    int
	}{
		{"all in UserInfo", map[string]any{"sub": "s1"},
			map[string]any{"sub": "s1", "email": "a@example.com", "email_verified": true}, "admitted", 1},
		{"groups in UserInfo", map[string]any{"sub": "s1", "email": "a@evil.com", "email_verified": true},
			map[string]any{"sub": "s1", "groups": []string{"staff"}}, "admitted", 1},
		{"all in the ID token: UserInfo is not asked", map[string]any{"sub": "s1", "email": "a@example.com",
			"email_verified": true, "groups": []string{}}, map[string]any{"sub": "s1"}, "admitted", 0},
		{"an unverified address in UserInfo", map[string]any{"sub": "s1"},
			map[string]any{"sub": "s1", "email": "a@example.com", "email_verified": false}, "refused", 1},
		{"UserInfo about another account", map[string]any{"sub": "s1"},
			map[string]any{"sub": "s2", "email": "a@example.com", "email_verified": true, "groups": []string{"staff"}},
			"failed: access rules: userinfo: " + errSubjectMismatch.Error(), 1},
		{"UserInfo without sub", map[string]any{"sub": "s1"},
			map[string]any{"email": "a@example.com", "email_verified": true},
			"failed: access rules: userinfo: " + errSubjectMismatch.Error(), 1},
		{"an ID token about another account", map[string]any{"sub": "s2", "email": "a@example.com", "email_verified": true},
			nil, "failed: access rules: ID token: " + errSubjectMismatch.Error(), 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeAPI(t, map[string]any{"/userinfo": tt.userinfo})
			cfg.Facts = Claims{IDToken: true, UserinfoURL: api.srv.URL + "/userinfo"}
			if got := outcome(admit(t, mustNew(t, cfg), api, "s1", tt.id)); got != tt.want {
				t.Errorf("%s, want %s", got, tt.want)
			}
			if asked := api.requests(); len(asked) != tt.asked {
				t.Errorf("UserInfo asked %d times, want %d", len(asked), tt.asked)
			}
		})
	}
}

// Claims.IDToken false: an ID token is not read, since nothing verified
// it; with PROVIDER=gitlab the token response may carry one all the same.
func TestUnverifiedIDTokenIsNotRead(t *testing.T) {
	api := newFakeAPI(t, map[string]any{"/userinfo": map[string]any{"sub": "s1", "groups": []string{"admin"}}})
	rules := mustNew(t, Config{Groups: []string{"staff"}, Facts: Claims{UserinfoURL: api.srv.URL + "/userinfo"}})
	if got := outcome(admit(t, rules, api, "s1", map[string]any{"sub": "s1", "groups": []string{"staff"}})); got != "refused" {
		t.Errorf("staff in an ID token nothing verified: %s, want refused", got)
	}
}

// gitHubAPI is GitHub's API as the GitHub source reads it, for a person
// with emails and groups.
func gitHubAPI(t *testing.T, emails []map[string]any, orgs []string, teams [][2]string) *fakeAPI {
	t.Helper()
	orgList := []map[string]any{}
	for _, o := range orgs {
		orgList = append(orgList, map[string]any{"login": o, "id": 1})
	}
	teamList := []map[string]any{}
	for _, team := range teams {
		teamList = append(teamList, map[string]any{"slug": team[1], "organization": map[string]any{"login": team[0]}})
	}
	return newFakeAPI(t, map[string]any{"/user/emails": emails, "/user/orgs": orgList, "/user/teams": teamList})
}

// TestIssue20_GitHubAddresses: every address GitHub has verified counts,
// primary or not; an unverified one never does, primary or not.
func TestIssue20_GitHubAddresses(t *testing.T) {
	for _, tt := range []struct {
		name   string
		emails []map[string]any
		want   string
	}{
		{"the primary unverified, a verified one elsewhere", []map[string]any{
			{"email": "ada@example.com", "primary": true, "verified": false},
			{"email": "ada@personal.example", "primary": false, "verified": true},
		}, "refused"},
		{"an unverified secondary", []map[string]any{
			{"email": "ada@personal.example", "primary": true, "verified": true},
			{"email": "ada@example.com", "primary": false, "verified": false},
		}, "refused"},
		{"a verified secondary the rule names", []map[string]any{
			{"email": "ada@personal.example", "primary": true, "verified": true},
			{"email": "ada@example.com", "primary": false, "verified": true},
		}, "admitted"},
		{"a verified primary the rule names", []map[string]any{
			{"email": "Ada@Example.com", "primary": true, "verified": true},
		}, "admitted"},
		{"no addresses", []map[string]any{}, "refused"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			api := gitHubAPI(t, tt.emails, nil, nil)
			rules := mustNew(t, Config{EmailDomains: []string{"example.com"}, Facts: GitHub{APIURL: api.srv.URL}})
			if got := outcome(admit(t, rules, api, "583231", nil)); got != tt.want {
				t.Errorf("%s, want %s", got, tt.want)
			}
			if asked := api.requests(); !slices.Equal(asked, []string{"/user/emails?per_page=100"}) {
				t.Errorf("asked %v, want one page of 100 addresses", asked)
			}
		})
	}
}

// GitHub names organisations and teams without regard to case: the rules
// compare them in lower case, teams as org/team.
func TestGitHubGroups(t *testing.T) {
	api := gitHubAPI(t, nil, []string{"Acme", "Other"}, [][2]string{{"Acme", "Eng"}})
	for groups, want := range map[string]string{
		"acme":         "admitted",
		"ACME":         "admitted",
		"acme/eng":     "admitted",
		"Acme/Eng":     "admitted",
		"acme/ops":     "refused",
		"eng":          "refused", // a team only as org/team
		"elsewhere":    "refused",
		"other/eng":    "refused",
		"acme/eng/sub": "refused",
	} {
		rules := mustNew(t, Config{Groups: []string{groups}, Facts: GitHub{APIURL: api.srv.URL + "/"}})
		if got := outcome(admit(t, rules, api, "583231", nil)); got != want {
			t.Errorf("ALLOWED_GROUPS=%s: %s, want %s", groups, got, want)
		}
	}
	if asked := api.requests(); !slices.Contains(asked, "/user/orgs?per_page=100") || !slices.Contains(asked, "/user/teams?per_page=100") {
		t.Errorf("asked %v, want a page of 100 organisations and of 100 teams", asked)
	}
}

// Without the scope the rules need, GitHub refuses the list: the login
// fails as a failed call to the provider, rather than refusing the person
// for what the rules could not check.
func TestGitHubWithoutTheScope(t *testing.T) {
	api := newFakeAPI(t, map[string]any{"/user/orgs": []any{}}) // /user/teams answers 404
	rules := mustNew(t, Config{Groups: []string{"acme"}, Facts: GitHub{APIURL: api.srv.URL}})
	_, err := admit(t, rules, api, "583231", nil)
	var denial *oauth.Denial
	if err == nil || errors.As(err, &denial) || !errors.Is(err, oauth.ErrUnexpectedResponse) {
		t.Errorf("error %v, want a failed call to the provider", err)
	}
}

// TestIssue20_UsersByStableID: ALLOWED_USERS names accounts by the
// provider's stable id, never by login name, and only the configured
// provider's (oauth/SECURITY.md #29).
func TestIssue20_UsersByStableID(t *testing.T) {
	rules := mustNew(t, Config{Users: []string{"583231", "auth0|5f7c8ec7c33c6c004bbafe82"}})
	client := newFakeAPI(t, nil)
	for _, tt := range []struct {
		name string
		user oauth.User
		want string
	}{
		{"a listed id", oauth.User{Issuer: testIssuer, Subject: "583231", Username: "octocat"}, "admitted"},
		{"a listed sub", oauth.User{Issuer: testIssuer, Subject: "auth0|5f7c8ec7c33c6c004bbafe82"}, "admitted"},
		{"a listed id at another provider", oauth.User{Issuer: "https://other.example", Subject: "583231"}, "refused"},
		{"an id that starts like one", oauth.User{Issuer: testIssuer, Subject: "5832310"}, "refused"},
		{"a login name equal to a listed id", oauth.User{Issuer: testIssuer, Subject: "9", Username: "583231"}, "refused"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			keep, err := rules.Admit(context.Background(), client.client(), &oauth.Token{AccessToken: testToken}, tt.user)
			if got := outcome(keep, err); got != tt.want {
				t.Errorf("%s, want %s", got, tt.want)
			}
		})
	}
	if asked := client.requests(); len(asked) != 0 {
		t.Errorf("the provider was asked %v: a rule by id needs no call", asked)
	}
}

// TestIssue20_RenamedAccountCannotComeBack is the attack on a list of
// login names: ada is allowed, renames her account to ada-old, and
// someone else registers the free name ada. A list of names would now
// admit the stranger and lock ada out. The list holds ada's id instead,
// which GitHub never gives to another account: the stranger is refused,
// whatever they are called, and ada is admitted under her new name
// (oauth/SECURITY.md #29).
func TestIssue20_RenamedAccountCannotComeBack(t *testing.T) {
	rules := mustNew(t, Config{Issuer: "https://github.com", Users: []string{"583231"}})
	client := newFakeAPI(t, nil).client()
	ada := oauth.User{Issuer: "https://github.com", Subject: "583231", Username: "ada"}
	adaRenamed := oauth.User{Issuer: "https://github.com", Subject: "583231", Username: "ada-old"}
	stranger := oauth.User{Issuer: "https://github.com", Subject: "9912345", Username: "ada"}
	for _, tt := range []struct {
		who  string
		user oauth.User
		want string
	}{{"ada", ada, "admitted"}, {"ada, renamed", adaRenamed, "admitted"}, {"the stranger named ada", stranger, "refused"}} {
		keep, err := rules.Admit(context.Background(), client, &oauth.Token{AccessToken: testToken}, tt.user)
		if got := outcome(keep, err); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.who, got, tt.want)
		}
	}
}

// A person is admitted by any entry of any list, and the refusal names
// every kind of rule tried.
func TestAnyListAdmits(t *testing.T) {
	rules := mustNew(t, Config{Users: []string{"u1"}, EmailDomains: []string{"example.com"}, Groups: []string{"staff"},
		Facts: Claims{IDToken: true}})
	api := newFakeAPI(t, nil)
	for _, tt := range []struct {
		sub    string
		claims map[string]any
		want   string
	}{
		{"u1", map[string]any{"sub": "u1"}, "admitted"},
		{"u2", map[string]any{"sub": "u2", "email": "a@example.com", "email_verified": true}, "admitted"},
		{"u3", map[string]any{"sub": "u3", "groups": "staff"}, "admitted"},
		{"u4", map[string]any{"sub": "u4", "email": "a@evil.com", "email_verified": true, "groups": "admin"}, "refused"},
	} {
		keep, err := admit(t, rules, api, tt.sub, tt.claims)
		if got := outcome(keep, err); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.sub, got, tt.want)
		}
		var denial *oauth.Denial
		if errors.As(err, &denial) && !slices.Equal(denial.Rules, []string{"email_domains", "groups", "users"}) {
			t.Errorf("the denial names %v, want every kind tried", denial.Rules)
		}
	}
}

func TestNewChecksEveryEntry(t *testing.T) {
	for name, cfg := range map[string]Config{
		"no list":                         {},
		"a user id with a space":          {Users: []string{"ada lovelace"}},
		"a user id with a comma":          {Users: []string{"1,2"}},
		"an empty user id":                {Users: []string{""}},
		"a user id over 255 bytes":        {Users: []string{strings.Repeat("1", 256)}},
		"a domain with a trailing dot":    {EmailDomains: []string{"example.com."}, Facts: Claims{}},
		"a Unicode domain":                {EmailDomains: []string{"bücher.example"}, Facts: Claims{}},
		"a group with a control":          {Groups: []string{"staff\n"}, Facts: Claims{}},
		"a group with spaces at its ends": {Groups: []string{" staff"}, Facts: Claims{}},
		"domains without a source":        {EmailDomains: []string{"example.com"}},
		"groups without a source":         {Groups: []string{"staff"}},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: New accepted %+v", name, cfg)
		}
	}
}

// Two Rules with the same lists, in any order, have one version; any
// change to a list, the issuer or the source gives another.
func TestVersion(t *testing.T) {
	base := Config{Users: []string{"1", "2"}, EmailDomains: []string{"example.com"}, Groups: []string{"a", "b"}, Facts: Claims{IDToken: true}}
	same := Config{Users: []string{"2", "1"}, EmailDomains: []string{"EXAMPLE.com"}, Groups: []string{"b", "a"}, Facts: Claims{IDToken: true}}
	if mustNew(t, base).version != mustNew(t, same).version {
		t.Error("the same rules in another order have another version")
	}
	for name, change := range map[string]func(*Config){
		"a user":      func(c *Config) { c.Users = []string{"1"} },
		"a domain":    func(c *Config) { c.EmailDomains = []string{"*.example.com"} },
		"a group":     func(c *Config) { c.Groups = []string{"a", "c"} },
		"the issuer":  func(c *Config) { c.Issuer = "https://other.example" },
		"the claim":   func(c *Config) { c.Facts = Claims{IDToken: true, GroupsClaim: "roles"} },
		"a list move": func(c *Config) { c.Users, c.Groups = []string{"a", "b"}, []string{"1", "2"} },
	} {
		changed := base
		change(&changed)
		if mustNew(t, changed).version == mustNew(t, base).version {
			t.Errorf("changing %s keeps the version", name)
		}
	}
}

// Calls counts what Admit may ask the provider, for the write timeout.
func TestCalls(t *testing.T) {
	for _, tt := range []struct {
		cfg  Config
		want int
	}{
		{Config{Users: []string{"1"}, Facts: GitHub{}}, 0},
		{Config{EmailDomains: []string{"example.com"}, Facts: GitHub{}}, 1},
		{Config{EmailDomains: []string{"example.com"}, Groups: []string{"acme"}, Facts: GitHub{}}, 3},
		{Config{Groups: []string{"staff"}, Facts: Claims{IDToken: true}}, 0},
		{Config{Groups: []string{"staff"}, Facts: Claims{IDToken: true, UserinfoURL: "https://op.example/userinfo"}}, 1},
	} {
		if got := mustNew(t, tt.cfg).Calls(); got != tt.want {
			t.Errorf("%+v: Calls() = %d, want %d", tt.cfg, got, tt.want)
		}
	}
}
