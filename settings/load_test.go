package settings

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// validEnvFile holds every required variable.
const validEnvFile = `# A complete file
CLIENT_ID=file-client
CLIENT_SECRET="file-secret"
AUTHORIZE_URL=https://provider.example/authorize
TOKEN_URL=https://provider.example/token
USER_URL=https://provider.example/user
REDIRECT_URL=https://app.example/oauth/callback
SECRET=ssssssssssssssssssssssssssssssss
SESSION_DIR=/var/lib/oauthlogin/sessions
PROMPT=consent
PORT=1111
`

// writeEnvFile writes content to root/env/environment/.env and returns
// that path.
func writeEnvFile(t *testing.T, root, environment, content string) string {
	t.Helper()
	dir := filepath.Join(root, "env", environment)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, ".env")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadReadsFile(t *testing.T) {
	root := t.TempDir()
	path := writeEnvFile(t, root, "local", validEnvFile)

	s, err := Load(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Environment != "local" || s.EnvFile != path || !s.EnvFileFound {
		t.Errorf("environment, file, found = %q, %q, %t; want local, %q, true",
			s.Environment, s.EnvFile, s.EnvFileFound, path)
	}
	if s.OAuth.ClientID != "file-client" || s.OAuth.ClientSecret.Reveal() != "file-secret" {
		t.Errorf("values from the file were not used: %+v", s.OAuth)
	}
}

func TestLoadSelectsEnvironment(t *testing.T) {
	root := t.TempDir()
	writeEnvFile(t, root, "local", validEnvFile)
	path := writeEnvFile(t, root, "github", strings.Replace(validEnvFile, "file-client", "github-client", 1))

	s, err := Load(root, []string{"ENVIRONMENT=github"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Environment != "github" || s.EnvFile != path || s.OAuth.ClientID != "github-client" {
		t.Errorf("environment, file, client = %q, %q, %q; want github, %q, github-client",
			s.Environment, s.EnvFile, s.OAuth.ClientID, path)
	}
}

func TestLoadEnvironWins(t *testing.T) {
	root := t.TempDir()
	writeEnvFile(t, root, "local", validEnvFile)

	s, err := Load(root, []string{"PORT=2222", "PROMPT="})
	if err != nil {
		t.Fatal(err)
	}
	if s.Server.Addr != ":2222" {
		t.Errorf("Addr = %q, want the environment's port :2222", s.Server.Addr)
	}
	if s.OAuth.Prompt != "" {
		t.Errorf("Prompt = %q, want the environment's empty value to win", s.OAuth.Prompt)
	}
}

func TestLoadMissingFile(t *testing.T) {
	root := t.TempDir()
	var environ []string
	for name, value := range validVars() {
		environ = append(environ, name+"="+value)
	}

	s, err := Load(root, environ)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(root, "env", "local", ".env"); s.EnvFile != want || s.EnvFileFound {
		t.Errorf("file, found = %q, %t; want %q, false", s.EnvFile, s.EnvFileFound, want)
	}
	if s.OAuth.ClientID != "client-id" {
		t.Errorf("ClientID = %q, want it from the environment", s.OAuth.ClientID)
	}
}

func TestLoadRefusesBadEnvironment(t *testing.T) {
	root := t.TempDir()
	// A valid file where "../x" would lead, to prove it is not read.
	writeEnvFile(t, filepath.Join(root, "x"), "..", validEnvFile)

	for _, environment := range []string{"../x", "..", "a/b", `a\b`, "Local", "-x", ".env"} {
		t.Run(environment, func(t *testing.T) {
			_, err := Load(root, []string{"ENVIRONMENT=" + environment})
			var validationErr *ValidationError
			if !errors.As(err, &validationErr) {
				t.Fatalf("error = %v, want a *ValidationError", err)
			}
			if len(validationErr.Problems) != 1 || !strings.HasPrefix(validationErr.Problems[0], "ENVIRONMENT: ") {
				t.Errorf("problems = %q, want one about ENVIRONMENT", validationErr.Problems)
			}
		})
	}
}

func TestLoadRefusesFileThatSwitchesEnvironment(t *testing.T) {
	root := t.TempDir()
	writeEnvFile(t, root, "local", validEnvFile+"ENVIRONMENT=prod\n")

	_, err := Load(root, nil)
	var validationErr *ValidationError
	if !errors.As(err, &validationErr) || !strings.HasPrefix(validationErr.Problems[0], "ENVIRONMENT: ") {
		t.Fatalf("error = %v, want a problem with ENVIRONMENT", err)
	}
}

func TestLoadSyntaxError(t *testing.T) {
	root := t.TempDir()
	path := writeEnvFile(t, root, "local", "A=1\nB=\"open\n")

	_, err := Load(root, nil)
	var syntaxErr *SyntaxError
	if !errors.As(err, &syntaxErr) {
		t.Fatalf("error = %v, want a *SyntaxError", err)
	}
	if syntaxErr.File != path || syntaxErr.Line != 2 {
		t.Errorf("error at %s:%d, want %s:2", syntaxErr.File, syntaxErr.Line, path)
	}
}

func TestLoadValidationErrorNamesFile(t *testing.T) {
	root := t.TempDir()
	path := writeEnvFile(t, root, "local", "CLIENT_ID=x\n")

	_, err := Load(root, nil)
	var validationErr *ValidationError
	if !errors.As(err, &validationErr) {
		t.Fatalf("error = %v, want a *ValidationError", err)
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error does not name %s:\n%v", path, err)
	}
}

func TestLoadUnreadableFile(t *testing.T) {
	root := t.TempDir()
	// A directory where the file should be: it exists, so it is not
	// "missing", but it cannot be read.
	if err := os.MkdirAll(filepath.Join(root, "env", "local", ".env"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(root, nil); err == nil {
		t.Fatal("Load succeeded, want an error")
	}
}

func TestEnvironMap(t *testing.T) {
	got := environMap([]string{"A=1", "B=x=y", "A=2", "EMPTY=", "=C:=C:\\", "NO_EQUALS"})
	want := map[string]string{"A": "1", "B": "x=y", "EMPTY": ""}
	if !maps.Equal(got, want) {
		t.Errorf("environMap = %q, want %q", got, want)
	}
}
