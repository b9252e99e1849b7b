package settings

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// credentials are what every profile still needs from the user.
func credentials(extra map[string]string) map[string]string {
	vars := map[string]string{
		"CLIENT_ID":     "client-id",
		"CLIENT_SECRET": "client-secret",
		"REDIRECT_URL":  "https://app.example/oauth/callback",
		"SECRET":        strings.Repeat("s", 32),
		"SESSION_DIR":   "/var/lib/oauthlogin/sessions",
	}
	for k, v := range extra {
		vars[k] = v
	}
	return vars
}

func TestProviderProfilesFillTheDefaults(t *testing.T) {
	tests := []struct {
		provider string
		extra    map[string]string
		check    func(t *testing.T, o OAuth)
	}{
		{"github", nil, func(t *testing.T, o OAuth) {
			want := OAuth{AuthorizeURL: "https://github.com/login/oauth/authorize",
				TokenURL: "https://github.com/login/oauth/access_token", UserURL: "https://api.github.com/user",
				EmailsURL: "https://api.github.com/user/emails", Scope: "read:user user:email"}
			if o.AuthorizeURL != want.AuthorizeURL || o.TokenURL != want.TokenURL || o.UserURL != want.UserURL ||
				o.EmailsURL != want.EmailsURL || o.Scope != want.Scope || o.Prompt != "" || o.ApprovalPrompt != "" {
				t.Errorf("github profile gave %+v", o)
			}
			if o.UserFields != (UserFields{"id", "login", "name", "email"}) {
				t.Errorf("github fields %+v", o.UserFields)
			}
			if o.APIHeaders["X-GitHub-Api-Version"] == "" || o.APIHeaders["User-Agent"] == "" {
				t.Errorf("github API headers %v", o.APIHeaders)
			}
			if o.Issuer != "" {
				t.Errorf("github is not OpenID Connect, issuer %q", o.Issuer)
			}
		}},
		{"gitlab", nil, func(t *testing.T, o OAuth) {
			if o.AuthorizeURL != "https://gitlab.com/oauth/authorize" || o.UserURL != "https://gitlab.com/api/v4/user" ||
				o.UserFields.Username != "username" || o.Scope != "read_user" {
				t.Errorf("gitlab profile gave %+v", o)
			}
		}},
		{"gitlab", map[string]string{"GITLAB_URL": "https://git.corp.example/"}, func(t *testing.T, o OAuth) {
			if o.TokenURL != "https://git.corp.example/oauth/token" {
				t.Errorf("self-hosted gitlab token URL %q", o.TokenURL)
			}
		}},
		{"google", nil, func(t *testing.T, o OAuth) {
			if o.Issuer != "https://accounts.google.com" || o.AuthorizeURL != "" || o.Scope != "openid profile email" ||
				o.Prompt != "select_account" || o.ApprovalPrompt != "" {
				t.Errorf("google profile gave %+v", o)
			}
		}},
		{"oidc", map[string]string{"ISSUER": "https://id.corp.example/realms/main"}, func(t *testing.T, o OAuth) {
			if o.Issuer != "https://id.corp.example/realms/main" || o.TokenURL != "" || o.Scope != "openid profile email" {
				t.Errorf("oidc profile gave %+v", o)
			}
		}},
		{"github", map[string]string{"SCOPE": "read:user", "USER_URL": "https://ghe.corp.example/api/v3/user"},
			func(t *testing.T, o OAuth) {
				if o.Scope != "read:user" || o.UserURL != "https://ghe.corp.example/api/v3/user" {
					t.Errorf("explicit variables did not win over the profile: %+v", o)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.provider, func(t *testing.T) {
			vars := credentials(tt.extra)
			vars["PROVIDER"] = tt.provider
			s, err := Parse(vars)
			if err != nil {
				t.Fatal(err)
			}
			if s.OAuth.Provider != tt.provider {
				t.Errorf("provider %q", s.OAuth.Provider)
			}
			tt.check(t, s.OAuth)
		})
	}
}

func TestProviderProblems(t *testing.T) {
	tests := []struct {
		name    string
		vars    map[string]string
		problem string
	}{
		{"unknown provider", map[string]string{"PROVIDER": "myspace"}, "PROVIDER:"},
		{"oidc without issuer", map[string]string{"PROVIDER": "oidc"}, "ISSUER: must be set"},
		{"generic without endpoints", map[string]string{}, "AUTHORIZE_URL: must be set"},
		{"plain http issuer", map[string]string{"PROVIDER": "oidc", "ISSUER": "http://id.example"}, "ISSUER: must be an absolute https URL"},
		{"plain http gitlab", map[string]string{"PROVIDER": "gitlab", "GITLAB_URL": "http://git.example"}, "GITLAB_URL: must be an absolute https URL"},
		{"bad field path", map[string]string{"PROVIDER": "github", "USERNAME_FIELD": "data..login"}, "USERNAME_FIELD:"},
		{"field path with a space", map[string]string{"PROVIDER": "github", "NAME_FIELD": "a b"}, "NAME_FIELD:"},
		{"clock skew too large", map[string]string{"PROVIDER": "github", "CLOCK_SKEW": "1h"}, "CLOCK_SKEW:"},
		{"negative clock skew", map[string]string{"PROVIDER": "github", "CLOCK_SKEW": "-1s"}, "CLOCK_SKEW:"},
		{"zero clock skew", map[string]string{"PROVIDER": "github", "CLOCK_SKEW": "0s"}, "CLOCK_SKEW:"},
		{"issuer without the openid scope", map[string]string{"ISSUER": "https://id.example", "SCOPE": "read write"},
			"SCOPE: must include openid"},
		{"plain http post-logout URL", map[string]string{"PROVIDER": "github", "POST_LOGOUT_REDIRECT_URL": "http://app.example/"},
			"POST_LOGOUT_REDIRECT_URL:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(credentials(tt.vars))
			var verr *ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("Parse: %v, want a ValidationError", err)
			}
			if !strings.Contains(err.Error(), tt.problem) {
				t.Errorf("error %q does not mention %q", err, tt.problem)
			}
		})
	}
}

// TestIssuerMakesEndpointsOptional: with ISSUER set, discovery finds the
// endpoints, so none is required, and an explicit one is kept.
func TestIssuerMakesEndpointsOptional(t *testing.T) {
	s, err := Parse(credentials(map[string]string{
		"ISSUER":    "https://id.example",
		"SCOPE":     "openid email",
		"TOKEN_URL": "https://id.example/custom/token",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if s.OAuth.AuthorizeURL != "" || s.OAuth.TokenURL != "https://id.example/custom/token" {
		t.Errorf("endpoints %+v", s.OAuth)
	}
}

func TestRateLimitSettings(t *testing.T) {
	s, err := Parse(credentials(map[string]string{
		"PROVIDER": "github", "LOGIN_RATE_LIMIT": "5", "TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.7 ,::1",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if s.Server.LoginRateLimit != 5 {
		t.Errorf("rate limit %d", s.Server.LoginRateLimit)
	}
	got := fmt.Sprint(s.Server.TrustedProxies)
	if got != "[10.0.0.0/8 192.0.2.7/32 ::1/128]" {
		t.Errorf("trusted proxies %s", got)
	}
	for _, bad := range []map[string]string{
		{"LOGIN_RATE_LIMIT": "-1"}, {"LOGIN_RATE_LIMIT": "many"}, {"TRUSTED_PROXIES": "proxy.example"},
	} {
		bad["PROVIDER"] = "github"
		if _, err := Parse(credentials(bad)); err == nil {
			t.Errorf("Parse accepted %v", bad)
		}
	}
}

// The providers' URLs live in package oauth's presets, beside the client
// that uses them; settings only maps them to variable names. A URL typed
// here again would drift from the preset.
func TestSettingsHasNoProviderURLOfItsOwn(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, host := range []string{"github.com", "gitlab.com", "google.com"} {
			if strings.Contains(string(src), host) {
				t.Errorf("%s names %s: take it from the oauth presets", name, host)
			}
		}
	}
}
