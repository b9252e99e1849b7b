package e2e

import (
	"os"
	"path/filepath"
	"testing"

	"oauthlogin/settings"
)

// TestShippedEnvFilesAreValid: every environment the repository ships, and
// every example a user copies, parses and validates, so that following the
// README's steps never starts with a syntax error. It lives here, with the
// other tests of the repository as a whole, so that a copy of settings/
// needs no env/ folder beside it.
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
			if _, err := settings.Parse(vars); err != nil {
				t.Fatal(err)
			}
		})
	}
}
