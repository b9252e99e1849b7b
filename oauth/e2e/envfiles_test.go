package e2e

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"oauthlogin/settings"
)

// TestShippedEnvFilesAreValid: every environment the repository ships
// parses and validates, and every example a user copies does too but for
// its placeholders, which stop start-up until they are filled in, so that
// following the README's steps never starts with a syntax error. It lives
// here, with the other tests of the repository as a whole, so that a copy
// of settings/ needs no env/ folder beside it.
func TestShippedEnvFilesAreValid(t *testing.T) {
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(root, "env/*/.env*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 5 {
		t.Fatalf("found only %v", files)
	}
	for _, file := range files {
		t.Run(filepath.Base(filepath.Dir(file))+"/"+filepath.Base(file), func(t *testing.T) {
			f, err := os.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			vars, err := settings.ParseDotenv(f, file, nil)
			if err != nil {
				t.Fatal(err)
			}
			vars["HOME"] = "/home/someone"
			_, err = settings.Parse(vars)
			if filepath.Base(file) != ".env.example" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var invalid *settings.ValidationError
			if !errors.As(err, &invalid) {
				t.Fatalf("an example with its placeholders: %v; want the placeholders refused", err)
			}
			for _, problem := range invalid.Problems {
				if !strings.HasSuffix(problem, ": still holds an example's placeholder; set the real value") {
					t.Errorf("an example has a problem besides its placeholders: %s", problem)
				}
			}
		})
	}
}

// TestPublishedLocalSecretIsRefusedElsewhere: the SECRET that
// env/local/.env ships with is public, so settings refuse it without the
// development provider. Settings know that value by heart; this keeps the
// file and that knowledge from drifting apart.
func TestPublishedLocalSecretIsRefusedElsewhere(t *testing.T) {
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(root, "env", "local", ".env")
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	vars, err := settings.ParseDotenv(f, file, nil)
	if err != nil {
		t.Fatal(err)
	}
	vars["HOME"] = "/home/someone"
	vars["INSECURE_DEV_PROVIDER"] = "false"
	vars["REDIRECT_URL"] = "https://app.example/oauth/callback"
	for _, name := range []string{"AUTHORIZE_URL", "TOKEN_URL", "USER_URL"} {
		vars[name] = "https://provider.example/" + strings.ToLower(name)
	}
	_, err = settings.Parse(vars)
	if err == nil || !strings.Contains(err.Error(), "SECRET: is the example key published in env/local/.env") {
		t.Errorf("env/local/.env's SECRET without the development provider: %v; want it refused as published", err)
	}
}
