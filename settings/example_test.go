package settings_test

import (
	"errors"
	"fmt"
	"log"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"oauthlogin/settings"
)

func ExampleLoad() {
	// A project root with one environment, as the app would have on disk.
	root, err := os.MkdirTemp("", "example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(root)
	envFile := `CLIENT_ID=my-app
CLIENT_SECRET=from-the-provider
AUTHORIZE_URL=https://provider.example/oauth/authorize
TOKEN_URL=https://provider.example/oauth/token
USER_URL=https://provider.example/api/user
REDIRECT_URL=http://localhost:5000/oauth/callback
SECRET=0123456789abcdef0123456789abcdef
SESSION_DIR=/var/lib/oauthlogin/sessions
PORT=5000
`
	if err := os.MkdirAll(filepath.Join(root, "env", "local"), 0o755); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "env", "local", ".env"), []byte(envFile), 0o600); err != nil {
		log.Fatal(err)
	}

	// A real main passes os.Environ(); here the "platform" sets PORT,
	// which wins over the file.
	s, err := settings.Load(root, []string{"PORT=8080"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.Environment, s.EnvFileFound)
	fmt.Println(s.Server.Addr)
	fmt.Println(s.OAuth.ClientID, s.OAuth.ClientSecret)
	// Output:
	// local true
	// :8080
	// my-app [redacted]
}

func ExampleParse() {
	s, err := settings.Parse(map[string]string{
		"CLIENT_ID":     "my-app",
		"CLIENT_SECRET": "from-the-provider",
		"AUTHORIZE_URL": "https://provider.example/oauth/authorize",
		"TOKEN_URL":     "https://provider.example/oauth/token",
		"USER_URL":      "https://provider.example/api/user",
		"REDIRECT_URL":  "https://app.example/oauth/callback",
		"SECRET":        "0123456789abcdef0123456789abcdef",
		"SESSION_DIR":   "/var/lib/oauthlogin/sessions",
		"PROMPT":        "", // explicitly empty: send no prompt parameter
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("addr=%s scope=%q prompt=%q\n", s.Server.Addr, s.OAuth.Scope, s.OAuth.Prompt)
	fmt.Println(s.Session.IdleTimeout, s.Session.AbsoluteTimeout)
	// Output:
	// addr=localhost:5000 scope="read write" prompt=""
	// 30m0s 8h0m0s
}

func ExampleValidationError() {
	_, err := settings.Parse(map[string]string{
		"CLIENT_ID":     "my-app",
		"CLIENT_SECRET": "from-the-provider",
		"AUTHORIZE_URL": "https://provider.example/oauth/authorize",
		"TOKEN_URL":     "http://provider.example/oauth/token",
		"USER_URL":      "https://provider.example/api/user",
		"REDIRECT_URL":  "https://app.example/callback",
		"SECRET":        "too-short",
		"SESSION_DIR":   "/var/lib/oauthlogin/sessions",
	})
	var validationErr *settings.ValidationError
	if errors.As(err, &validationErr) {
		for _, problem := range validationErr.Problems {
			fmt.Println(problem)
		}
	}
	// Output:
	// TOKEN_URL: must be an absolute https URL (plain http is allowed only for loopback hosts)
	// REDIRECT_URL: path must be exactly /oauth/callback, the app's callback route
	// SECRET: must be at least 32 characters long; generate one with: openssl rand -base64 32 (or: head -c 32 /dev/urandom | base64)
}

func ExampleParseDotenv() {
	file := `# Values for local development
export CLIENT_ID=my-app
CLIENT_SECRET='s3cr#t${x}'   # single quotes: taken literally
BASE_URL=http://${HOST:-localhost}:5000
REDIRECT_URL="${BASE_URL}/oauth/callback"
PROMPT=
`
	// A real caller passes os.LookupEnv. Here the process environment has
	// HOST, which wins over the default in ${HOST:-localhost}.
	processEnv := map[string]string{"HOST": "127.0.0.1"}
	lookupEnv := func(key string) (string, bool) {
		value, ok := processEnv[key]
		return value, ok
	}
	vars, err := settings.ParseDotenv(strings.NewReader(file), "env/local/.env", lookupEnv)
	if err != nil {
		log.Fatal(err)
	}
	for _, key := range slices.Sorted(maps.Keys(vars)) {
		fmt.Printf("%s=%q\n", key, vars[key])
	}

	_, err = settings.ParseDotenv(strings.NewReader("A=1\nB=\"unclosed\n"), "env/local/.env", lookupEnv)
	fmt.Println(err)
	// Output:
	// BASE_URL="http://127.0.0.1:5000"
	// CLIENT_ID="my-app"
	// CLIENT_SECRET="s3cr#t${x}"
	// PROMPT=""
	// REDIRECT_URL="http://127.0.0.1:5000/oauth/callback"
	// env/local/.env:2: B: unterminated double quote
}

func ExampleSecret() {
	secret := settings.NewSecret("hunter2")
	fmt.Println(secret)
	fmt.Printf("%+v\n", struct{ Key settings.Secret }{secret})
	fmt.Println(secret.Reveal() == "hunter2")
	// Output:
	// [redacted]
	// {Key:[redacted]}
	// true
}

func ExampleVariables() {
	// The variables every environment must set; the others have defaults.
	for _, v := range settings.Variables() {
		if v.Required {
			fmt.Println(v.Name)
		}
	}
	// Output:
	// CLIENT_ID
	// CLIENT_SECRET
	// REDIRECT_URL
	// SECRET
}
