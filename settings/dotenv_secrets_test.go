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
