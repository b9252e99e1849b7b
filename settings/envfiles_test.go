package settings

import (
	"os"
	"path/filepath"
	"testing"
)

// TestShippedEnvFilesAreValid: every environment the repository ships, and
// every example a user copies, parses and validates, so that following the
// README's steps never starts with a syntax error.
func TestShippedEnvFilesAreValid(t *testing.T) {
	files, err := filepath.Glob("../env/*/.env*")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 5 {
		t.Fatalf("found only %v", files)
	}
	for _, file := range files {
		t.Run(file, func(t *testing.T) {
			f, err := os.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			vars, err := ParseDotenv(f, file, nil)
			if err != nil {
				t.Fatal(err)
			}
			vars["HOME"] = "/home/someone"
			if _, err := Parse(vars); err != nil {
				t.Fatal(err)
			}
		})
	}
}
