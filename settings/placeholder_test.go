package settings

import (
	"errors"
	"strings"
	"testing"
)

const placeholderProblem = "still holds an example's placeholder; set the real value"

// TestIssue18_PlaceholdersStopStartUp: an example copied and not filled
// in started the app, which then failed at the first login (or, with
// SECRET, keyed every session with text printed in the repository).
func TestIssue18_PlaceholdersStopStartUp(t *testing.T) {
	for _, tt := range []struct{ name, value string }{
		// The examples in env/ ship these.
		{"CLIENT_ID", "fill-in-your-client-id"},
		{"CLIENT_ID", "fill-in-your-client-id.apps.googleusercontent.com"},
		{"CLIENT_SECRET", "fill-in-your-client-secret"},
		{"SECRET", "fill-in-32-or-more-random-characters"},
		{"ISSUER", "https://fill-in-your-issuer"},
		// And the like, as other projects write them.
		{"CLIENT_SECRET", "CHANGE_ME"},
		{"CLIENT_SECRET", "changeme"},
		{"SECRET", "change-me-change-me-change-me-change-me"},
		{"SECRET", "replace-me-with-32-random-characters"},
		{"CLIENT_ID", "your-client-id"},
		{"CLIENT_ID", "Your_Client_ID"},
		{"CLIENT_SECRET", "<client-secret>"},
		{"ISSUER", "https://login.microsoftonline.com/<tenant-id>/v2.0"},
		{"ISSUER", "https://your-tenant.example"},
		{"REDIRECT_URL", "https://<your-app>/oauth/callback"},
		{"SCOPE", "openid fill_in"},
	} {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) {
			vars := validVars()
			vars[tt.name] = tt.value
			if tt.name == "ISSUER" {
				vars["SCOPE"] = "openid"
			}
			_, err := Parse(vars)
			var validationErr *ValidationError
			want := tt.name + ": " + placeholderProblem
			if !errors.As(err, &validationErr) || len(validationErr.Problems) != 1 || validationErr.Problems[0] != want {
				t.Errorf("Parse: %v\nwant the one problem %q", err, want)
			}
			if strings.Contains(err.Error(), tt.value) {
				t.Errorf("the problem repeats the value: %v", err)
			}
		})
	}
}

// Values near a placeholder that real ones may be.
func TestPlaceholderRuleSparesRealValues(t *testing.T) {
	for _, value := range []string{
		"Iv1.8a61f9b3a7aba766", "0123456789abcdef0123456789abcdef", "q3/Zx+Wn9P0c1vH8kL2mR5tY7uI4oE6aS1dF3gH5jK=",
		"flavour-app", "yourapp", "bayou_x", "https://id.example/realms/main", "a<b", "a>b<c", "<>",
		"fill", "change", "me-change",
	} {
		if isPlaceholder(value) {
			t.Errorf("isPlaceholder(%q) = true, want false", value)
		}
	}
}

// TestIssue18_PublishedSecretOnlyWithDevProvider: env/local/.env's SECRET
// is in the repository for anyone to read; with a real provider it keys
// nothing.
func TestIssue18_PublishedSecretOnlyWithDevProvider(t *testing.T) {
	vars := validVars()
	vars["SECRET"] = publishedDevSecret
	_, err := Parse(vars)
	var validationErr *ValidationError
	want := "SECRET: is the example key published in env/local/.env, fit only for the development provider; " +
		"generate your own with: openssl rand -base64 32"
	if !errors.As(err, &validationErr) || len(validationErr.Problems) != 1 || validationErr.Problems[0] != want {
		t.Errorf("Parse: %v\nwant the one problem %q", err, want)
	}

	vars["INSECURE_DEV_PROVIDER"] = "true"
	vars["REDIRECT_URL"] = "http://localhost:5000/oauth/callback"
	if _, err := Parse(vars); err != nil {
		t.Errorf("with the development provider: %v", err)
	}
}
