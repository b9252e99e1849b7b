package settings

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// providerVars are valid variables for provider: generic (validVars),
// github, gitlab, or oidc with an issuer.
func providerVars(provider string) map[string]string {
	vars := validVars()
	if provider != ProviderGeneric {
		vars["PROVIDER"] = provider
		delete(vars, "AUTHORIZE_URL")
		delete(vars, "TOKEN_URL")
		delete(vars, "USER_URL")
	}
	if provider == ProviderOIDC {
		vars["ISSUER"] = "https://op.example"
	}
	return vars
}

func TestAccessLists(t *testing.T) {
	vars := validVars()
	vars["ALLOWED_USERS"] = " 583231, auth0|5f7c8e ,,583231"
	vars["ALLOWED_EMAIL_DOMAINS"] = "Example.COM, *.Corp.example.com, xn--bcher-kva.example"
	vars["ALLOWED_GROUPS"] = "staff, Platform Team"
	vars["GROUPS_CLAIM"] = "https://example.com/roles"
	s, err := Parse(vars)
	if err != nil {
		t.Fatal(err)
	}
	want := Access{
		Users:        []string{"583231", "auth0|5f7c8e"}, // trimmed, empty entries and repeats dropped
		EmailDomains: []string{"example.com", "*.corp.example.com", "xn--bcher-kva.example"},
		Groups:       []string{"staff", "Platform Team"},
		GroupsClaim:  "https://example.com/roles",
	}
	if !slices.Equal(s.Access.Users, want.Users) || !slices.Equal(s.Access.EmailDomains, want.EmailDomains) ||
		!slices.Equal(s.Access.Groups, want.Groups) || s.Access.GroupsClaim != want.GroupsClaim || !s.Access.Any() {
		t.Errorf("Access = %+v, want %+v", s.Access, want)
	}
	if s.OAuth.Scope != "read write" {
		t.Errorf("scope %q: a generic provider without ISSUER is asked for nothing more", s.OAuth.Scope)
	}
}

// Each entry is checked at start-up, strictly, so that a mistake stops the
// app rather than refusing everyone, or admitting the wrong people. A
// problem names the entry by its place, never by its value.
func TestAccessEntriesAreCheckedAtStartUp(t *testing.T) {
	for _, tt := range []struct {
		provider, name, value, problem string
	}{
		{ProviderGeneric, "ALLOWED_EMAIL_DOMAINS", "example.com, example.com.", "ALLOWED_EMAIL_DOMAINS: entry 2: ends with a dot"},
		{ProviderGeneric, "ALLOWED_EMAIL_DOMAINS", "exаmple.com", "ALLOWED_EMAIL_DOMAINS: entry 1: has a character other than ASCII"},
		{ProviderGeneric, "ALLOWED_EMAIL_DOMAINS", "bücher.example", "ALLOWED_EMAIL_DOMAINS: entry 1: has a character other than ASCII"},
		{ProviderGeneric, "ALLOWED_EMAIL_DOMAINS", "@example.com", "ALLOWED_EMAIL_DOMAINS: entry 1: has a character other than ASCII"},
		{ProviderGeneric, "ALLOWED_EMAIL_DOMAINS", "com", "ALLOWED_EMAIL_DOMAINS: entry 1: has a single label"},
		{ProviderGeneric, "ALLOWED_EMAIL_DOMAINS", "*example.com", "ALLOWED_EMAIL_DOMAINS: entry 1: has a character other than ASCII"},
		{ProviderGeneric, "ALLOWED_USERS", "ada lovelace", "ALLOWED_USERS: entry 1: not 1 to 255 bytes"},
		{ProviderGitHub, "ALLOWED_USERS", "583231, octocat", "ALLOWED_USERS: entry 2: must be a numeric github account id, not a login name"},
		{ProviderGitLab, "ALLOWED_USERS", "0042", "ALLOWED_USERS: entry 1: must be a numeric gitlab account id"},
		{ProviderGeneric, "ALLOWED_GROUPS", "staff, ", ""}, // an empty entry is no entry
		{ProviderGeneric, "ALLOWED_GROUPS", "staff\x00", "ALLOWED_GROUPS: entry 1: not 1 to 256 bytes"},
		{ProviderGitHub, "ALLOWED_GROUPS", "@acme/eng", "ALLOWED_GROUPS: entry 1: must be a GitHub organisation (acme) or team (acme/eng)"},
		{ProviderGitHub, "ALLOWED_GROUPS", "acme/eng/sub", "ALLOWED_GROUPS: entry 1: must be a GitHub organisation"},
		{ProviderGoogle, "ALLOWED_GROUPS", "staff", "ALLOWED_GROUPS: cannot be used with PROVIDER=google"},
		{ProviderGitHub, "GROUPS_CLAIM", "roles", "GROUPS_CLAIM: is not read with PROVIDER=github"},
		{ProviderGeneric, "GROUPS_CLAIM", "my groups", "GROUPS_CLAIM: must be 1 to 256 printable ASCII characters"},
		{ProviderGeneric, "ALLOWED_USERS", thousandAndOneIDs(), "ALLOWED_USERS: must have at most 1000 entries"},
	} {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) {
			vars := providerVars(tt.provider)
			vars[tt.name] = tt.value
			_, err := Parse(vars)
			var problems *ValidationError
			if tt.problem == "" {
				if err != nil {
					t.Errorf("error %v, want none", err)
				}
				return
			}
			if !errors.As(err, &problems) || len(problems.Problems) != 1 || !strings.HasPrefix(problems.Problems[0], tt.problem) {
				t.Fatalf("error %v, want the one problem %q", err, tt.problem)
			}
			for _, entry := range strings.Split(tt.value, ",") {
				if entry = strings.TrimSpace(entry); len(entry) > 3 && strings.Contains(problems.Problems[0], entry) {
					t.Errorf("the problem %q shows the value", problems.Problems[0])
				}
			}
		})
	}
}

// thousandAndOneIDs is a list of one account id more than allowed.
func thousandAndOneIDs() string {
	var ids []string
	for i := range 1001 {
		ids = append(ids, fmt.Sprintf("u%d", i))
	}
	return strings.Join(ids, ",")
}

// The profile's scope asks for what the rules read, only when they read
// it: GitHub's read:org for groups, GitLab's openid (and email) for its
// UserInfo, OpenID Connect's groups for the groups claim (oauth/SECURITY.md
// #50). A SCOPE given explicitly is kept as it is, and must hold what
// GitHub and GitLab need.
func TestAccessScope(t *testing.T) {
	for _, tt := range []struct {
		provider string
		rules    map[string]string
		scope    *string // SCOPE given explicitly; nil for the profile's
		want     string
		problem  string
	}{
		{ProviderGitHub, nil, nil, "read:user user:email", ""},
		{ProviderGitHub, map[string]string{"ALLOWED_USERS": "583231"}, nil, "read:user user:email", ""},
		{ProviderGitHub, map[string]string{"ALLOWED_EMAIL_DOMAINS": "example.com"}, nil, "read:user user:email", ""},
		{ProviderGitHub, map[string]string{"ALLOWED_GROUPS": "acme"}, nil, "read:user user:email read:org", ""},
		{ProviderGitHub, map[string]string{"ALLOWED_GROUPS": "acme"}, ptr("read:user"), "",
			"SCOPE: must include read:org for the ALLOWED_ rules with PROVIDER=github"},
		{ProviderGitHub, map[string]string{"ALLOWED_EMAIL_DOMAINS": "example.com"}, ptr("read:user"), "",
			"SCOPE: must include user:email for the ALLOWED_ rules with PROVIDER=github"},
		{ProviderGitLab, map[string]string{"ALLOWED_GROUPS": "acme/eng"}, nil, "read_user openid", ""},
		{ProviderGitLab, map[string]string{"ALLOWED_EMAIL_DOMAINS": "example.com"}, nil, "read_user openid email", ""},
		{ProviderGitLab, map[string]string{"ALLOWED_USERS": "42"}, nil, "read_user", ""},
		{ProviderOIDC, map[string]string{"ALLOWED_GROUPS": "staff"}, nil, "openid profile email groups", ""},
		{ProviderOIDC, map[string]string{"ALLOWED_EMAIL_DOMAINS": "example.com"}, nil, "openid profile email", ""},
		// Keycloak, for one, sends groups through a mapper, and may refuse an unknown scope.
		{ProviderOIDC, map[string]string{"ALLOWED_GROUPS": "staff"}, ptr("openid email"), "openid email", ""},
	} {
		vars := providerVars(tt.provider)
		for name, value := range tt.rules {
			vars[name] = value
		}
		if tt.scope != nil {
			vars["SCOPE"] = *tt.scope
		}
		s, err := Parse(vars)
		var problems *ValidationError
		switch {
		case tt.problem != "":
			if !errors.As(err, &problems) || len(problems.Problems) != 1 || problems.Problems[0] != tt.problem {
				t.Errorf("%s %v: error %v, want %q", tt.provider, tt.rules, err, tt.problem)
			}
		case err != nil:
			t.Errorf("%s %v: %v", tt.provider, tt.rules, err)
		case s.OAuth.Scope != tt.want:
			t.Errorf("%s %v: scope %q, want %q", tt.provider, tt.rules, s.OAuth.Scope, tt.want)
		}
	}
}
