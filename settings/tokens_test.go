package settings

import (
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestTokensSettings(t *testing.T) {
	vars := validVars()
	vars["KEEP_TOKENS"] = "true"
	vars["REVOCATION_URL"] = "https://provider.example/revoke"
	vars["DEV_ACCESS_TOKEN_LIFETIME"] = "2s"
	old1, old2 := strings.Repeat("o", 32), strings.Repeat("p", 40)
	vars["SECRET_PREVIOUS"] = " " + old1 + " ,, " + old2
	s, err := Parse(vars)
	if err != nil {
		t.Fatal(err)
	}
	want := Tokens{Keep: true, RevocationURL: "https://provider.example/revoke", DevAccessTokenLifetime: 2 * time.Second}
	if s.Tokens != want {
		t.Errorf("Tokens = %+v, want %+v", s.Tokens, want)
	}
	if got := s.Session.PreviousSecrets(); !slices.Equal(got, []string{old1, old2}) {
		t.Errorf("PreviousSecrets = %q", got)
	}
	var log strings.Builder
	slog.New(slog.NewTextHandler(&log, nil)).Info("settings", "settings", s)
	if strings.Contains(log.String(), old1) || strings.Contains(log.String(), old2) {
		t.Errorf("the log shows SECRET_PREVIOUS: %s", log.String())
	}
}

// Without REVOCATION_URL, the gitlab profile and the development provider
// bring theirs; GitHub has none.
func TestRevocationURLDefaults(t *testing.T) {
	for provider, want := range map[string]string{
		ProviderGitLab: "https://gitlab.com/oauth/revoke",
		ProviderGitHub: "",
		ProviderOIDC:   "", // discovery's, at start-up
	} {
		s, err := Parse(providerVars(provider))
		if err != nil {
			t.Fatal(err)
		}
		if s.Tokens.RevocationURL != want {
			t.Errorf("%s: REVOCATION_URL %q, want %q", provider, s.Tokens.RevocationURL, want)
		}
	}
	vars := validVars()
	vars["INSECURE_DEV_PROVIDER"] = "true"
	vars["ADDR"] = "localhost:5000"
	vars["REDIRECT_URL"] = "http://localhost:5000/oauth/callback"
	for _, name := range []string{"AUTHORIZE_URL", "TOKEN_URL", "USER_URL"} {
		delete(vars, name)
	}
	s, err := Parse(vars)
	if err != nil {
		t.Fatal(err)
	}
	if want := "http://127.0.0.1:5000/dev/oauth/revoke"; s.Tokens.RevocationURL != want {
		t.Errorf("development provider: REVOCATION_URL %q, want %q", s.Tokens.RevocationURL, want)
	}
}

// SECRET_PREVIOUS is checked as SECRET is, entry by entry, and a problem
// names the entry by its place, never by its value.
func TestSecretPreviousIsChecked(t *testing.T) {
	long := strings.Repeat("x", 32)
	for _, tt := range []struct{ value, problem string }{
		{long + ",short", "SECRET_PREVIOUS: entry 2 must be at least 32 characters long"},
		{strings.Repeat("s", 32), "SECRET_PREVIOUS: entry 1 is SECRET itself"},
		{strings.Repeat(long+",", 6), "SECRET_PREVIOUS: must hold at most 5 keys"},
	} {
		vars := validVars()
		vars["SECRET_PREVIOUS"] = tt.value
		_, err := Parse(vars)
		if err == nil || !strings.Contains(err.Error(), tt.problem) {
			t.Errorf("SECRET_PREVIOUS=%q: %v, want %q", tt.value, err, tt.problem)
		}
		if err != nil && strings.Contains(err.Error(), "short") {
			t.Errorf("the problem quotes the value: %v", err)
		}
	}
	for _, value := range []string{"0s", "25h", "soon"} {
		vars := validVars()
		vars["DEV_ACCESS_TOKEN_LIFETIME"] = value
		if _, err := Parse(vars); err == nil || !strings.Contains(err.Error(), "DEV_ACCESS_TOKEN_LIFETIME") {
			t.Errorf("DEV_ACCESS_TOKEN_LIFETIME=%s: %v, want a problem", value, err)
		}
	}
}
