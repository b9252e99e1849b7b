package settings

import (
	"bytes"
	"errors"
	"log/slog"
	"reflect"
	"strings"
	"testing"
)

func TestLoadExpandsFromProcessEnvironment(t *testing.T) {
	root := t.TempDir()
	writeEnvFile(t, root, "local", validEnvFile+
		"APP_HOST=file.example\nREDIRECT_URL=https://${APP_HOST}/oauth/callback\n"+
		"SCOPE=\"openid ${EXTRA_SCOPE:-profile}\"\n")

	s, err := Load(root, []string{"APP_HOST=app.example"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "https://app.example/oauth/callback"; s.OAuth.RedirectURL != want {
		t.Errorf("REDIRECT_URL = %q, want %q (the process environment wins)", s.OAuth.RedirectURL, want)
	}
	if want := "openid profile"; s.OAuth.Scope != want {
		t.Errorf("SCOPE = %q, want %q", s.OAuth.Scope, want)
	}
}

// Every setting but the secrets is in the start-up log, so a .env file
// may not copy a secret into one through ${...}.
func TestLoadRefusesSecretExpandedIntoLoggedSetting(t *testing.T) {
	const secret = "secret-canary-0123456789abcdefghij"
	tests := []struct {
		name    string
		file    string
		environ []string
		problem string
	}{
		{"directly", "CLIENT_SECRET=" + secret + "\nSCOPE=${CLIENT_SECRET}\n", nil,
			"SCOPE: %s:13 expands the secret CLIENT_SECRET"},
		{"through another key", "SECRET=" + secret + "\nX=${SECRET}\nUSER_URL=\"https://p.example/${X}\"\n", nil,
			"USER_URL: %s:14 expands the secret SECRET"},
		{"from the process environment", "CLIENT_ID=${CLIENT_SECRET:-x}\n", []string{"CLIENT_SECRET=" + secret},
			"CLIENT_ID: %s:12 expands the secret CLIENT_SECRET"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			path := writeEnvFile(t, root, "local", validEnvFile+tt.file)

			_, err := Load(root, tt.environ)
			var validationErr *ValidationError
			if !errors.As(err, &validationErr) {
				t.Fatalf("error = %v, want a *ValidationError", err)
			}
			want := strings.Replace(tt.problem, "%s", path, 1)
			if len(validationErr.Problems) != 1 || !strings.HasPrefix(validationErr.Problems[0], want) {
				t.Errorf("problems = %q, want one starting with %q", validationErr.Problems, want)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error shows the secret: %v", err)
			}
		})
	}
}

// TestIssue18_SecretNeverReachesALoggedValue: the start-up log shows
// session_dir, which Parse makes from XDG_CACHE_HOME or HOME when
// SESSION_DIR is unset. Those are not settings of the table, and a
// secret expanded into them reached the log. Every variable Parse reads
// counts, whether or not the table lists it.
func TestIssue18_SecretNeverReachesALoggedValue(t *testing.T) {
	const secret = "secret-canary-0123456789abcdefghij"
	base := strings.Replace(validEnvFile, "SESSION_DIR=/var/lib/oauthlogin/sessions\n", "", 1)
	for _, tt := range []struct{ file, problem string }{
		{"SECRET=/" + secret + "\nXDG_CACHE_HOME=${SECRET}\n", "XDG_CACHE_HOME: %s:12 expands the secret SECRET"},
		{"CLIENT_SECRET=/" + secret + "\nHOME=\"${CLIENT_SECRET}\"\n", "HOME: %s:12 expands the secret CLIENT_SECRET"},
		{"REDIS_URL=/" + secret + "\nX=${REDIS_URL}\nHOME=/home/${X}\n", "HOME: %s:13 expands the secret REDIS_URL"},
	} {
		root := t.TempDir()
		path := writeEnvFile(t, root, "local", base+tt.file)

		s, err := Load(root, nil)
		if err == nil {
			var logged bytes.Buffer
			slog.New(slog.NewJSONHandler(&logged, nil)).Info("settings loaded", "settings", s.Summary())
			t.Fatalf("Load accepted\n%s\nand logs: %s", tt.file, &logged)
		}
		var validationErr *ValidationError
		want := strings.Replace(tt.problem, "%s", path, 1)
		if !errors.As(err, &validationErr) || len(validationErr.Problems) != 1 ||
			!strings.HasPrefix(validationErr.Problems[0], want) {
			t.Errorf("Load: %v\nwant the one problem %q", err, want)
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("the error shows the secret: %v", err)
		}
	}
}

// Which variables are checked is what Parse reads, not a list kept by
// hand: each variable parse reads, filled from a secret, stops Load.
func TestEveryVariableParseReadsIsCheckedForSecrets(t *testing.T) {
	vars, err := ParseDotenv(strings.NewReader(validEnvFile), "valid.env", nil)
	if err != nil {
		t.Fatal(err)
	}
	delete(vars, "SESSION_DIR") // so that HOME and XDG_CACHE_HOME are read too
	_, read, _ := parse(vars)
	for _, name := range []string{"HOME", "XDG_CACHE_HOME", "SCOPE", "SESSION_COOKIE_SECURE"} {
		if !read[name] {
			t.Errorf("parse did not note that it reads %s", name)
		}
	}
	for name := range read {
		if isSecretVariable(name) || name == "ENVIRONMENT" || name == "ENV_DIR" {
			continue // secrets may hold secrets; the selectors may not be in the file
		}
		root := t.TempDir()
		writeEnvFile(t, root, "local", strings.Replace(validEnvFile, "SESSION_DIR=/var/lib/oauthlogin/sessions\n", "", 1)+
			name+"=${SECRET}\n")
		_, err := Load(root, nil)
		if err == nil || !strings.Contains(err.Error(), name+": ") || !strings.Contains(err.Error(), "expands the secret SECRET") {
			t.Errorf("%s=${SECRET}: Load gave %v, want a refusal", name, err)
		}
	}
}

// A secret may come from another variable, and is then still redacted
// in the start-up log.
func TestLoadExpandsIntoSecrets(t *testing.T) {
	const vaultSecret = "vault-canary-0123456789abcdefghij"
	root := t.TempDir()
	writeEnvFile(t, root, "local", validEnvFile+
		"CLIENT_SECRET=${VAULT_CLIENT_SECRET}\nSECRET=\"${CLIENT_SECRET}-session\"\nUNUSED=${SECRET}\n")

	s, err := Load(root, []string{"VAULT_CLIENT_SECRET=" + vaultSecret})
	if err != nil {
		t.Fatal(err)
	}
	if s.OAuth.ClientSecret.Reveal() != vaultSecret || s.Session.Secret.Reveal() != vaultSecret+"-session" {
		t.Errorf("secrets were not expanded: %q, %q", s.OAuth.ClientSecret.Reveal(), s.Session.Secret.Reveal())
	}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("settings", "settings", s)
	if strings.Contains(logged.String(), vaultSecret) {
		t.Errorf("the start-up log shows the secret:\n%s", logged.String())
	}
}

// TestSecretVariablesAreTheSecretFields keeps isSecretVariable in step
// with Settings: the variables it names are exactly those Parse stores in
// a Secret.
func TestSecretVariablesAreTheSecretFields(t *testing.T) {
	base, err := ParseDotenv(strings.NewReader(validEnvFile), "valid.env", nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, v := range Variables() {
		if isSecretVariable(v.Name) {
			names = append(names, v.Name)
		}
	}
	s, err := Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	if fields := secretFields(reflect.ValueOf(s)); len(fields) != len(names) {
		t.Fatalf("Settings has %d Secret fields, but isSecretVariable names %q", len(fields), names)
	}
	for _, name := range names {
		vars := make(map[string]string)
		for key, value := range base {
			vars[key] = value
		}
		canary := name + "-canary-0123456789abcdefghijklmnop"
		vars[name] = canary
		s, err := Parse(vars)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, secret := range secretFields(reflect.ValueOf(s)) {
			found = found || secret.Reveal() == canary
		}
		if !found {
			t.Errorf("%s does not end up in a Secret field", name)
		}
	}
}

// secretFields returns every Secret inside v, a struct.
func secretFields(v reflect.Value) []Secret {
	if secret, ok := v.Interface().(Secret); ok {
		return []Secret{secret}
	}
	var secrets []Secret
	if v.Kind() == reflect.Struct {
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				secrets = append(secrets, secretFields(v.Field(i))...)
			}
		}
	}
	return secrets
}
