package settings

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// githubExample is an example file as the repository ships them.
const githubExample = `# GitHub: copy this file to .env and fill it in.
PROVIDER=github
CLIENT_ID=fill-in-your-client-id
CLIENT_SECRET=fill-in-your-client-secret
REDIRECT_URL=http://localhost:5000/oauth/callback
SECRET=fill-in-32-or-more-random-characters
`

// newcomerRoot is a fresh clone: env/github holds only its example, and
// env/local its .env.
func newcomerRoot(t *testing.T, root string) {
	t.Helper()
	path := writeEnvFile(t, root, "github", githubExample)
	if err := os.Rename(path, path+".example"); err != nil {
		t.Fatal(err)
	}
	writeEnvFile(t, root, "local", validEnvFile)
}

// problemNames returns the variables err's *ValidationError names.
func problemNames(t *testing.T, err error) []string {
	t.Helper()
	var validationErr *ValidationError
	if !errors.As(err, &validationErr) {
		t.Fatalf("error = %v, want a *ValidationError", err)
	}
	var names []string
	for _, problem := range validationErr.Problems {
		name, _, _ := strings.Cut(problem, ":")
		names = append(names, name)
	}
	return names
}

// TestIssue18_MissingFileLeadsWithCopyCommand: ENVIRONMENT=github with
// only the example there listed seven variables "missing", among them the
// endpoints the github profile supplies, and said nothing of the file.
// Now the error names the file, gives the command that copies the
// example, and lists what the copy leaves to fill in.
func TestIssue18_MissingFileLeadsWithCopyCommand(t *testing.T) {
	root := t.TempDir()
	newcomerRoot(t, root)
	dir := filepath.Join(root, "env", "github")

	_, err := Load(root, []string{"ENVIRONMENT=github", "HOME=/home/someone"})
	file := filepath.Join(dir, ".env")
	want := "environment github: no file " + file + ".\n" +
		"An example is beside it: copy it, then fill in the values it marks:\n" +
		"    cp " + file + ".example " + file + "\n" +
		"Until they are filled in, the copy gives: invalid settings:\n" +
		"CLIENT_ID: still holds an example's placeholder; set the real value\n" +
		"CLIENT_SECRET: still holds an example's placeholder; set the real value\n" +
		"SECRET: still holds an example's placeholder; set the real value"
	if err == nil || err.Error() != want {
		t.Fatalf("Load error:\n%v\nwant:\n%s", err, want)
	}
	// What the process environment supplies is not asked for again.
	_, err = Load(root, []string{"ENVIRONMENT=github", "HOME=/home/someone", "CLIENT_ID=real-id"})
	if names := problemNames(t, err); !slices.Equal(names, []string{"CLIENT_SECRET", "SECRET"}) {
		t.Errorf("with CLIENT_ID in the process environment, the problems name %q", names)
	}
}

// The command can be pasted as it is, whatever the folder is called.
func TestCopyCommandQuotesPaths(t *testing.T) {
	root := filepath.Join(t.TempDir(), "it's my app")
	newcomerRoot(t, root)
	_, err := Load(root, []string{"ENVIRONMENT=github"})
	file := strings.ReplaceAll(filepath.Join(root, "env", "github", ".env"), "'", `'\''`)
	want := "    cp '" + file + ".example' '" + file + "'\n"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Load error:\n%v\nwant it to contain:\n%s", err, want)
	}
}

// TestIssue18_UnknownEnvironmentListsThoseThatExist: a typo in
// ENVIRONMENT gave the same list of variables as every other mistake.
func TestIssue18_UnknownEnvironmentListsThoseThatExist(t *testing.T) {
	root := t.TempDir()
	newcomerRoot(t, root)
	// Neither a file nor a folder ENVIRONMENT could name is an environment.
	for _, extra := range []string{"env/Backup", "env/.git"} {
		if err := os.MkdirAll(filepath.Join(root, extra), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "env", "notes"), nil, 0o600); err != nil {
		t.Fatal(err)
	}

	_, err := Load(root, []string{"ENVIRONMENT=githbu", "PROVIDER=github", "HOME=/home/someone"})
	envDir := filepath.Join(root, "env")
	want := "environment githbu: no folder " + filepath.Join(envDir, "githbu") + ".\n" +
		"The environments in " + envDir + " are: github, local.\n" +
		"Set ENVIRONMENT to one of them, or give every setting in the process environment.\n" +
		"invalid settings:\n" +
		"CLIENT_ID: must be set\n" +
		"CLIENT_SECRET: must be set\n" +
		"REDIRECT_URL: must be set\n" +
		"SECRET: must be set"
	if err == nil || err.Error() != want {
		t.Fatalf("Load error:\n%v\nwant:\n%s", err, want)
	}
}

// TestIssue18_NoEnvFolderSaysWhereItLooked: the binary started from
// another directory found no env/ folder, and said only which variables
// were missing.
func TestIssue18_NoEnvFolderSaysWhereItLooked(t *testing.T) {
	elsewhere := t.TempDir()
	_, err := Load(elsewhere, []string{"PROVIDER=github", "HOME=/home/someone"})
	want := "environment local: no folder " + filepath.Join(elsewhere, "env") + ", where each environment has its folder.\n" +
		"Run the app from the folder that holds env/ (the repository root), or set ENV_DIR to the env folder, " +
		"or give every setting in the process environment.\n" +
		"invalid settings:\n" +
		"CLIENT_ID: must be set\n" +
		"CLIENT_SECRET: must be set\n" +
		"REDIRECT_URL: must be set\n" +
		"SECRET: must be set"
	if err == nil || err.Error() != want {
		t.Fatalf("Load error:\n%v\nwant:\n%s", err, want)
	}

	missing := filepath.Join(elsewhere, "nowhere")
	_, err = Load(elsewhere, []string{"ENV_DIR=" + missing, "PROVIDER=github", "HOME=/home/someone"})
	want = "environment local: ENV_DIR names " + missing + ", which is not a folder.\n" +
		"Set ENV_DIR to the folder that holds one folder per environment (the env folder of this app), " +
		"or give every setting in the process environment.\n" +
		"invalid settings:\n"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("Load error:\n%v\nwant it to start with:\n%s", err, want)
	}
}

// A folder without the file and without an example: say which file.
func TestMissingFileWithoutExample(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "env", "prod"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := Load(root, []string{"ENVIRONMENT=prod", "PROVIDER=gitlab", "HOME=/home/someone"})
	want := "environment prod: no file " + filepath.Join(root, "env", "prod", ".env") + ".\n" +
		"Create it, or give every setting in the process environment.\n" +
		"invalid settings:\n" +
		"CLIENT_ID: must be set\n"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("Load error:\n%v\nwant it to start with:\n%s", err, want)
	}
}

// A container that passes every setting as a variable needs no file, no
// folder for its environment, and no env/ folder at all.
func TestMissingFileIsFineWhenTheProcessEnvironmentHasEverything(t *testing.T) {
	var environ []string
	for name, value := range validVars() {
		environ = append(environ, name+"="+value)
	}
	root := t.TempDir()
	newcomerRoot(t, root)
	for _, tt := range []struct{ name, root, environment string }{
		{"example beside the file", root, "github"},
		{"no folder for the environment", root, "prod"},
		{"no env folder", t.TempDir(), "local"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Load(tt.root, append(slices.Clone(environ), "ENVIRONMENT="+tt.environment))
			if err != nil {
				t.Fatal(err)
			}
			if want := filepath.Join(tt.root, "env", tt.environment, ".env"); s.EnvFile != want || s.EnvFileFound {
				t.Errorf("file, found = %q, %t; want %q, false", s.EnvFile, s.EnvFileFound, want)
			}
		})
	}
}

// ENV_DIR moves the folder of environments: absolute, or relative to
// the directory the app runs in.
func TestEnvDir(t *testing.T) {
	root := t.TempDir()
	path := writeEnvFile(t, filepath.Join(root, "config"), "staging", validEnvFile)
	for _, envDir := range []string{filepath.Join(root, "config", "env"), "config/env"} {
		s, err := Load(root, []string{"ENV_DIR=" + envDir, "ENVIRONMENT=staging"})
		if err != nil {
			t.Fatal(err)
		}
		if s.EnvFile != path || !s.EnvFileFound || s.OAuth.ClientID != "file-client" {
			t.Errorf("ENV_DIR=%s: file %q (found %t), client %q; want %q read", envDir, s.EnvFile, s.EnvFileFound,
				s.OAuth.ClientID, path)
		}
	}
}

// ENV_DIR says where the file is, so the file cannot set it.
func TestLoadRefusesEnvDirInFile(t *testing.T) {
	root := t.TempDir()
	path := writeEnvFile(t, root, "local", validEnvFile+"ENV_DIR=/elsewhere\n")
	_, err := Load(root, nil)
	var validationErr *ValidationError
	want := "ENV_DIR: " + path + " sets it, but it says where that file is; set ENV_DIR in the process environment instead"
	if !errors.As(err, &validationErr) || len(validationErr.Problems) != 1 || validationErr.Problems[0] != want {
		t.Errorf("Load: %v\nwant the one problem %q", err, want)
	}
}

// An existing file that gives invalid settings is named, absolute.
func TestLoadErrorNamesFoundFile(t *testing.T) {
	root := t.TempDir()
	path := writeEnvFile(t, root, "local", strings.Replace(validEnvFile, "CLIENT_ID=file-client\n", "", 1))
	_, err := Load(root, nil)
	want := "environment local, file " + path + ": invalid settings:\nCLIENT_ID: must be set"
	if err == nil || err.Error() != want {
		t.Errorf("Load error:\n%v\nwant:\n%s", err, want)
	}
}
