package settings

import (
	"errors"
	"log/slog"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// validVars returns the smallest set of variables that Parse accepts.
func validVars() map[string]string {
	return map[string]string{
		"CLIENT_ID":     "client-id",
		"CLIENT_SECRET": "client-secret",
		"AUTHORIZE_URL": "https://provider.example/authorize",
		"TOKEN_URL":     "https://provider.example/token",
		"USER_URL":      "https://provider.example/user",
		"REDIRECT_URL":  "https://app.example/oauth/callback",
		"SECRET":        strings.Repeat("s", 32),
		"SESSION_DIR":   "/var/lib/oauthlogin/sessions",
	}
}

// with returns validVars changed by changes; a nil value deletes the key.
func with(changes map[string]*string) map[string]string {
	vars := validVars()
	for name, value := range changes {
		if value == nil {
			delete(vars, name)
		} else {
			vars[name] = *value
		}
	}
	return vars
}

func ptr(s string) *string { return &s }

func TestParseDefaults(t *testing.T) {
	got, err := Parse(validVars())
	if err != nil {
		t.Fatal(err)
	}
	want := Settings{
		Environment: "local",
		Server: Server{
			Addr:               "localhost:5000",
			LogLevel:           slog.LevelInfo,
			LogFormat:          "auto",
			LoginRateLimit:     150,
			MaxPendingSessions: 10000,
		},
		OAuth: OAuth{
			Provider:  "generic",
			ClockSkew: time.Minute,
			// Logout at an OpenID Connect provider comes back to the
			// signed-out page.
			PostLogoutRedirectURL: "https://app.example/signed-out",
			ClientID:              "client-id",
			ClientSecret:          NewSecret("client-secret"),
			AuthorizeURL:          "https://provider.example/authorize",
			TokenURL:              "https://provider.example/token",
			UserURL:               "https://provider.example/user",
			RedirectURL:           "https://app.example/oauth/callback",
			Scope:                 "read write",
			Prompt:                "login",
			ApprovalPrompt:        "auto",
			ResponseType:          "code",
			GrantType:             "authorization_code",
			AuthMethod:            "client_secret_post",
			Timeout:               10 * time.Second,
		},
		Session: Session{
			Dir:             "/var/lib/oauthlogin/sessions",
			CookieName:      "session",
			CookieSecure:    true,
			IdleTimeout:     30 * time.Minute,
			AbsoluteTimeout: 8 * time.Hour,
			SweepInterval:   5 * time.Minute,
			MaxUnflushed:    50 * time.Millisecond,
			Secret:          NewSecret(strings.Repeat("s", 32)),
			Store:           "file",
			RedisKeyPrefix:  "oauthlogin:session:",
			RedisTimeout:    2 * time.Second,
			RedisPoolSize:   16,
		},
		Access: Access{GroupsClaim: "groups"}, // no rule: everyone with an account is admitted
		Tokens: Tokens{DevAccessTokenLifetime: time.Hour},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Parse(validVars()) =\n%+v\nwant\n%+v", got, want)
	}
}

// Every variable set to a valid non-default value must reach its field.
func TestParseReadsEveryVariable(t *testing.T) {
	vars := validVars()
	for name, value := range map[string]string{
		"ENVIRONMENT":              "staging",
		"ADDR":                     "127.0.0.1:8080",
		"INSECURE_DEV_PROVIDER":    "true",
		"LOG_LEVEL":                "DEBUG",
		"LOG_FORMAT":               "text",
		"LOGIN_RATE_LIMIT":         "7",
		"MAX_PENDING_SESSIONS":     "9",
		"AUTHORIZE_URL":            "http://localhost:9000/dev/oauth/authorize?tenant=a",
		"REDIRECT_URL":             "http://localhost:5000/oauth/callback",
		"SCOPE":                    "openid",
		"PROMPT":                   "consent",
		"APPROVAL_PROMPT":          "force",
		"CLIENT_AUTH_METHOD":       "client_secret_basic",
		"INSECURE_DISABLE_PKCE":    "1",
		"OAUTH_TIMEOUT":            "60s",
		"SESSION_COOKIE_NAME":      "sid",
		"SESSION_IDLE_TIMEOUT":     "15m",
		"SESSION_ABSOLUTE_TIMEOUT": "4h",
		"SESSION_SWEEP_INTERVAL":   "1s",
		"SESSION_MAX_UNFLUSHED":    "0s",
	} {
		vars[name] = value
	}
	s, err := Parse(vars)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"ENVIRONMENT", s.Environment, "staging"},
		{"ADDR", s.Server.Addr, "127.0.0.1:8080"},
		{"INSECURE_DEV_PROVIDER", s.Server.InsecureDevProvider, true},
		{"LOG_LEVEL", s.Server.LogLevel, slog.LevelDebug},
		{"LOG_FORMAT", s.Server.LogFormat, "text"},
		{"LOGIN_RATE_LIMIT", s.Server.LoginRateLimit, 7},
		{"MAX_PENDING_SESSIONS", s.Server.MaxPendingSessions, 9},
		{"AUTHORIZE_URL", s.OAuth.AuthorizeURL, "http://localhost:9000/dev/oauth/authorize?tenant=a"},
		{"REDIRECT_URL", s.OAuth.RedirectURL, "http://localhost:5000/oauth/callback"},
		{"SCOPE", s.OAuth.Scope, "openid"},
		{"PROMPT", s.OAuth.Prompt, "consent"},
		{"APPROVAL_PROMPT", s.OAuth.ApprovalPrompt, "force"},
		{"CLIENT_AUTH_METHOD", s.OAuth.AuthMethod, "client_secret_basic"},
		{"INSECURE_DISABLE_PKCE", s.OAuth.InsecureDisablePKCE, true},
		{"OAUTH_TIMEOUT", s.OAuth.Timeout, time.Minute},
		{"SESSION_COOKIE_NAME", s.Session.CookieName, "sid"},
		{"SESSION_IDLE_TIMEOUT", s.Session.IdleTimeout, 15 * time.Minute},
		{"SESSION_ABSOLUTE_TIMEOUT", s.Session.AbsoluteTimeout, 4 * time.Hour},
		{"SESSION_SWEEP_INTERVAL", s.Session.SweepInterval, time.Second},
		{"SESSION_MAX_UNFLUSHED", s.Session.MaxUnflushed, time.Duration(0)},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestParseEmptyValues(t *testing.T) {
	vars := validVars()
	for _, name := range []string{"SCOPE", "PROMPT", "APPROVAL_PROMPT", "LOG_LEVEL", "OAUTH_TIMEOUT",
		"SESSION_COOKIE_NAME", "SESSION_COOKIE_SECURE", "CLIENT_AUTH_METHOD", "ADDR", "PORT", "LOG_FORMAT"} {
		vars[name] = ""
	}
	s, err := Parse(vars)
	if err != nil {
		t.Fatal(err)
	}
	// Empty OAuth request parameters mean "do not send".
	if s.OAuth.Scope != "" || s.OAuth.Prompt != "" || s.OAuth.ApprovalPrompt != "" {
		t.Errorf("scope, prompt, approval prompt = %q, %q, %q; want all empty",
			s.OAuth.Scope, s.OAuth.Prompt, s.OAuth.ApprovalPrompt)
	}
	// Any other empty variable takes its default.
	if s.Server.LogLevel != slog.LevelInfo || s.OAuth.Timeout != 10*time.Second ||
		s.Session.CookieName != "session" || !s.Session.CookieSecure ||
		s.OAuth.AuthMethod != AuthMethodPost || s.Server.Addr != "localhost:5000" {
		t.Errorf("empty variables did not take their defaults: %+v", s)
	}
}

// Each case breaks exactly one rule, and must produce exactly that problem.
func TestParseRejects(t *testing.T) {
	const httpsRule = "must be an absolute https URL (plain http is allowed only for loopback hosts)"
	tests := []struct {
		name    string
		changes map[string]*string
		problem string // the start of the one expected problem
	}{
		{"CLIENT_ID unset", map[string]*string{"CLIENT_ID": nil}, "CLIENT_ID: must be set"},
		{"CLIENT_ID empty", map[string]*string{"CLIENT_ID": ptr("")}, "CLIENT_ID: must be set"},
		{"CLIENT_SECRET unset", map[string]*string{"CLIENT_SECRET": nil}, "CLIENT_SECRET: must be set"},
		{"AUTHORIZE_URL unset", map[string]*string{"AUTHORIZE_URL": nil}, "AUTHORIZE_URL: must be set"},
		{"TOKEN_URL unset", map[string]*string{"TOKEN_URL": nil}, "TOKEN_URL: must be set"},
		{"USER_URL unset", map[string]*string{"USER_URL": nil}, "USER_URL: must be set"},
		{"REDIRECT_URL unset", map[string]*string{"REDIRECT_URL": nil}, "REDIRECT_URL: must be set"},
		{"SECRET unset", map[string]*string{"SECRET": nil}, "SECRET: must be set"},

		{"plain http to a remote host", map[string]*string{"TOKEN_URL": ptr("http://provider.example/token")}, "TOKEN_URL: " + httpsRule},
		{"plain http to a private address", map[string]*string{"USER_URL": ptr("http://10.0.0.1/user")}, "USER_URL: " + httpsRule},
		{"plain http to a localhost lookalike", map[string]*string{"TOKEN_URL": ptr("http://localhost.example/token")}, "TOKEN_URL: " + httpsRule},
		{"other scheme", map[string]*string{"AUTHORIZE_URL": ptr("ftp://provider.example/a")}, "AUTHORIZE_URL: " + httpsRule},
		{"relative URL", map[string]*string{"AUTHORIZE_URL": ptr("/authorize")}, "AUTHORIZE_URL: " + httpsRule},
		{"no host", map[string]*string{"AUTHORIZE_URL": ptr("https:///authorize")}, "AUTHORIZE_URL: " + httpsRule},
		{"opaque URL", map[string]*string{"AUTHORIZE_URL": ptr("https:provider.example")}, "AUTHORIZE_URL: " + httpsRule},
		{"unparsable URL", map[string]*string{"AUTHORIZE_URL": ptr("https://[::1/a")}, "AUTHORIZE_URL: " + httpsRule},
		{"user info", map[string]*string{"TOKEN_URL": ptr("https://user:pass@provider.example/token")}, "TOKEN_URL: must not contain a user name or password"},
		{"fragment", map[string]*string{"AUTHORIZE_URL": ptr("https://provider.example/a#b")}, "AUTHORIZE_URL: must not contain a fragment"},
		{"empty fragment", map[string]*string{"USER_URL": ptr("https://provider.example/user#")}, "USER_URL: must not contain a fragment"},

		{"redirect over plain http", map[string]*string{"REDIRECT_URL": ptr("http://app.example/oauth/callback")}, "REDIRECT_URL: " + httpsRule},
		{"redirect to another path", map[string]*string{"REDIRECT_URL": ptr("https://app.example/callback")}, "REDIRECT_URL: path must be exactly /oauth/callback"},
		{"redirect with trailing slash", map[string]*string{"REDIRECT_URL": ptr("https://app.example/oauth/callback/")}, "REDIRECT_URL: path must be exactly /oauth/callback"},
		{"redirect with escaped slash", map[string]*string{"REDIRECT_URL": ptr("https://app.example/oauth%2Fcallback")}, "REDIRECT_URL: path must be exactly /oauth/callback"},
		{"redirect with query", map[string]*string{"REDIRECT_URL": ptr("https://app.example/oauth/callback?a=b")}, "REDIRECT_URL: must not contain a query"},
		{"redirect with empty query", map[string]*string{"REDIRECT_URL": ptr("https://app.example/oauth/callback?")}, "REDIRECT_URL: must not contain a query"},

		{"short SECRET", map[string]*string{"SECRET": ptr(strings.Repeat("s", 31))}, "SECRET: must be at least 32 characters long; generate one with: openssl rand -base64 32"},
		{"ENVIRONMENT climbing out", map[string]*string{"ENVIRONMENT": ptr("../x")}, "ENVIRONMENT: must match"},
		{"ENVIRONMENT upper case", map[string]*string{"ENVIRONMENT": ptr("Prod")}, "ENVIRONMENT: must match"},
		{"dev provider on a public host", map[string]*string{"INSECURE_DEV_PROVIDER": ptr("true")}, "INSECURE_DEV_PROVIDER: may be true only when REDIRECT_URL's host is loopback"},
		{"RESPONSE_TYPE token", map[string]*string{"RESPONSE_TYPE": ptr("token")}, `RESPONSE_TYPE: must be "code"`},
		{"RESPONSE_TYPE empty", map[string]*string{"RESPONSE_TYPE": ptr("")}, `RESPONSE_TYPE: must be "code"`},
		{"GRANT_TYPE other", map[string]*string{"GRANT_TYPE": ptr("client_credentials")}, `GRANT_TYPE: must be "authorization_code"`},
		{"unknown auth method", map[string]*string{"CLIENT_AUTH_METHOD": ptr("private_key_jwt")}, "CLIENT_AUTH_METHOD: must be one of client_secret_post, client_secret_basic"},
		{"INSECURE_DEV_PROVIDER not a bool", map[string]*string{"INSECURE_DEV_PROVIDER": ptr("yes")}, "INSECURE_DEV_PROVIDER: must be true or false"},
		{"INSECURE_DISABLE_PKCE not a bool", map[string]*string{"INSECURE_DISABLE_PKCE": ptr("maybe")}, "INSECURE_DISABLE_PKCE: must be true or false"},
		{"SESSION_COOKIE_SECURE set", map[string]*string{"SESSION_COOKIE_SECURE": ptr("false")}, "SESSION_COOKIE_SECURE: is no longer read"},
		{"LOG_LEVEL unknown", map[string]*string{"LOG_LEVEL": ptr("verbose")}, "LOG_LEVEL: must be one of debug, info, warn, error"},
		{"LOG_FORMAT unknown", map[string]*string{"LOG_FORMAT": ptr("xml")}, "LOG_FORMAT: must be one of auto, text, json"},
		{"MAX_PENDING_SESSIONS negative", map[string]*string{"MAX_PENDING_SESSIONS": ptr("-1")}, "MAX_PENDING_SESSIONS: must be a whole number"},

		// The development provider lets anyone log in as anyone: it must not
		// be reachable from the network, whatever the redirect URL says.
		{"dev provider listening on every interface", map[string]*string{"INSECURE_DEV_PROVIDER": ptr("true"),
			"REDIRECT_URL": ptr("http://localhost:5000/oauth/callback"), "ADDR": ptr("0.0.0.0:5000")},
			"INSECURE_DEV_PROVIDER: may be true only when the app listens on a loopback address"},
		{"dev provider listening on an empty host", map[string]*string{"INSECURE_DEV_PROVIDER": ptr("true"),
			"REDIRECT_URL": ptr("http://localhost:5000/oauth/callback"), "ADDR": ptr(":5000")},
			"INSECURE_DEV_PROVIDER: may be true only when the app listens on a loopback address"},
		{"dev provider with PORT alone", map[string]*string{"INSECURE_DEV_PROVIDER": ptr("true"),
			"REDIRECT_URL": ptr("http://localhost:5000/oauth/callback"), "PORT": ptr("5000")},
			"INSECURE_DEV_PROVIDER: may be true only when the app listens on a loopback address"},
		{"dev provider listening on a private address", map[string]*string{"INSECURE_DEV_PROVIDER": ptr("true"),
			"REDIRECT_URL": ptr("http://localhost:5000/oauth/callback"), "ADDR": ptr("192.168.1.5:5000")},
			"INSECURE_DEV_PROVIDER: may be true only when the app listens on a loopback address"},
		{"dev provider with a real provider's profile", map[string]*string{"INSECURE_DEV_PROVIDER": ptr("true"),
			"PROVIDER": ptr("github"), "REDIRECT_URL": ptr("http://localhost:5000/oauth/callback")},
			"INSECURE_DEV_PROVIDER: may be true only with PROVIDER=generic"},
		{"dev provider deriving its URLs from port 0", map[string]*string{"INSECURE_DEV_PROVIDER": ptr("true"),
			"REDIRECT_URL": nil, "AUTHORIZE_URL": nil, "TOKEN_URL": nil, "USER_URL": nil,
			"HOST": ptr("localhost"), "PORT": ptr("0")},
			"PORT: must not be 0 with INSECURE_DEV_PROVIDER"},

		{"OAUTH_TIMEOUT without unit", map[string]*string{"OAUTH_TIMEOUT": ptr("10")}, "OAUTH_TIMEOUT: must be a duration"},
		{"OAUTH_TIMEOUT zero", map[string]*string{"OAUTH_TIMEOUT": ptr("0s")}, "OAUTH_TIMEOUT: must be more than 0s and at most 1m"},
		{"OAUTH_TIMEOUT negative", map[string]*string{"OAUTH_TIMEOUT": ptr("-1s")}, "OAUTH_TIMEOUT: must be more than 0s and at most 1m"},
		{"OAUTH_TIMEOUT too long", map[string]*string{"OAUTH_TIMEOUT": ptr("61s")}, "OAUTH_TIMEOUT: must be more than 0s and at most 1m"},
		{"idle timeout not a duration", map[string]*string{"SESSION_IDLE_TIMEOUT": ptr("half an hour")}, "SESSION_IDLE_TIMEOUT: must be a duration"},
		{"idle timeout too short", map[string]*string{"SESSION_IDLE_TIMEOUT": ptr("59s")}, "SESSION_IDLE_TIMEOUT: must be from 1m to 24h"},
		{"absolute timeout too short", map[string]*string{"SESSION_ABSOLUTE_TIMEOUT": ptr("59s"), "SESSION_IDLE_TIMEOUT": ptr("1m")}, "SESSION_ABSOLUTE_TIMEOUT: must be from 1m to 720h"},
		{"idle longer than absolute", map[string]*string{"SESSION_IDLE_TIMEOUT": ptr("9h")}, "SESSION_IDLE_TIMEOUT: must not be longer than SESSION_ABSOLUTE_TIMEOUT"},
		{"sweep interval zero", map[string]*string{"SESSION_SWEEP_INTERVAL": ptr("0s")}, "SESSION_SWEEP_INTERVAL: must be from 1s to 1h"},
		{"sweep interval too short", map[string]*string{"SESSION_SWEEP_INTERVAL": ptr("500ms")}, "SESSION_SWEEP_INTERVAL: must be from 1s to 1h"},

		{"cookie name with space", map[string]*string{"SESSION_COOKIE_NAME": ptr("my session")}, "SESSION_COOKIE_NAME: must contain only letters, digits"},
		{"cookie name with semicolon", map[string]*string{"SESSION_COOKIE_NAME": ptr("a;b")}, "SESSION_COOKIE_NAME: must contain only letters, digits"},
		{"cookie name with __Host- prefix", map[string]*string{"SESSION_COOKIE_NAME": ptr("__Host-session")}, "SESSION_COOKIE_NAME: must not start with __Host- or __Secure-"},
		{"cookie name with __secure- prefix", map[string]*string{"SESSION_COOKIE_NAME": ptr("__secure-session")}, "SESSION_COOKIE_NAME: must not start with __Host- or __Secure-"},

		{"ADDR without port", map[string]*string{"ADDR": ptr("localhost")}, "ADDR: must be host:port"},
		{"ADDR with named port", map[string]*string{"ADDR": ptr("localhost:http")}, "ADDR: port must be a number from 0 to 65535"},
		{"ADDR with port too big", map[string]*string{"ADDR": ptr(":65536")}, "ADDR: port must be a number from 0 to 65535"},
		{"PORT not a number", map[string]*string{"PORT": ptr("eighty")}, "PORT: port must be a number from 0 to 65535"},
		{"PORT negative", map[string]*string{"HOST": ptr("0.0.0.0"), "PORT": ptr("-1")}, "PORT: port must be a number from 0 to 65535"},

		{"no base for SESSION_DIR", map[string]*string{"SESSION_DIR": nil, "XDG_CACHE_HOME": ptr("relative/cache")}, "SESSION_DIR: must be set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(with(tt.changes))
			var validationErr *ValidationError
			if !errors.As(err, &validationErr) {
				t.Fatalf("error = %v, want a *ValidationError", err)
			}
			if len(validationErr.Problems) != 1 || !strings.HasPrefix(validationErr.Problems[0], tt.problem) {
				t.Errorf("problems = %q, want one starting with %q", validationErr.Problems, tt.problem)
			}
		})
	}
}

// Edge cases on the allowed side of each rule, so a rule cannot quietly
// become stricter than documented.
func TestParseAccepts(t *testing.T) {
	tests := []struct {
		name    string
		changes map[string]*string
	}{
		{"http to localhost", map[string]*string{"TOKEN_URL": ptr("http://localhost:9000/token")}},
		{"http to LOCALHOST", map[string]*string{"TOKEN_URL": ptr("http://LOCALHOST/token")}},
		{"http to 127.0.0.0/8", map[string]*string{"TOKEN_URL": ptr("http://127.1.2.3/token")}},
		{"http to ::1", map[string]*string{"TOKEN_URL": ptr("http://[::1]:9000/token")}},
		{"query on provider URLs", map[string]*string{
			"AUTHORIZE_URL": ptr("https://provider.example/authorize?tenant=a"),
			"USER_URL":      ptr("https://provider.example/me?fields=id,name"),
		}},
		{"redirect with port", map[string]*string{"REDIRECT_URL": ptr("https://app.example:8443/oauth/callback")}},
		{"dev provider with loopback redirect", map[string]*string{
			"INSECURE_DEV_PROVIDER": ptr("true"),
			"REDIRECT_URL":          ptr("http://127.0.0.1:5000/oauth/callback"),
		}},
		{"SECRET of exactly 32 characters", map[string]*string{"SECRET": ptr(strings.Repeat("é", 32))}},
		{"OAUTH_TIMEOUT just above 0", map[string]*string{"OAUTH_TIMEOUT": ptr("1ns")}},
		{"idle equal to absolute", map[string]*string{"SESSION_IDLE_TIMEOUT": ptr("1m"), "SESSION_ABSOLUTE_TIMEOUT": ptr("1m")}},
		{"port 0", map[string]*string{"PORT": ptr("0")}},
		{"port 65535", map[string]*string{"ADDR": ptr("[::1]:65535")}},
		{"cookie name with dash and underscore", map[string]*string{"SESSION_COOKIE_NAME": ptr("my-app_session2")}},
		{"dev provider on [::1]", map[string]*string{"INSECURE_DEV_PROVIDER": ptr("true"),
			"REDIRECT_URL": ptr("http://[::1]:5000/oauth/callback"), "ADDR": ptr("[::1]:5000")}},
		{"SESSION_COOKIE_SECURE empty", map[string]*string{"SESSION_COOKIE_SECURE": ptr("")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Parse(with(tt.changes)); err != nil {
				t.Errorf("Parse: %v", err)
			}
		})
	}
}

func TestParseReportsAllProblems(t *testing.T) {
	vars := map[string]string{
		"ENVIRONMENT":           "../prod",
		"AUTHORIZE_URL":         "http://provider.example/authorize",
		"REDIRECT_URL":          "https://app.example/callback",
		"SECRET":                "short",
		"RESPONSE_TYPE":         "token",
		"INSECURE_DEV_PROVIDER": "true",
		"OAUTH_TIMEOUT":         "2m",
		"SESSION_COOKIE_NAME":   "__Host-x",
		"PORT":                  "http",
	}
	_, err := Parse(vars)
	var validationErr *ValidationError
	if !errors.As(err, &validationErr) {
		t.Fatalf("error = %v, want a *ValidationError", err)
	}
	wantNames := []string{
		"PORT", "CLIENT_ID", "CLIENT_SECRET", "AUTHORIZE_URL", "TOKEN_URL", "USER_URL", "REDIRECT_URL",
		"SESSION_DIR", "ENVIRONMENT", "SESSION_COOKIE_NAME", "RESPONSE_TYPE", "SECRET",
		"INSECURE_DEV_PROVIDER", "OAUTH_TIMEOUT",
	}
	if len(validationErr.Problems) != len(wantNames) {
		t.Errorf("got %d problems, want %d:\n%s", len(validationErr.Problems), len(wantNames), err)
	}
	lines := strings.Split(err.Error(), "\n")
	for _, name := range wantNames {
		found := false
		for _, line := range lines {
			found = found || strings.HasPrefix(line, name+": ")
		}
		if !found {
			t.Errorf("no line of the error starts with %s:\n%s", name, err)
		}
	}
}

func TestListenAddr(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]string
		want string
	}{
		{"nothing set", map[string]string{}, "localhost:5000"},
		{"only PORT listens on all interfaces", map[string]string{"PORT": "8080"}, ":8080"},
		{"only HOST", map[string]string{"HOST": "0.0.0.0"}, "0.0.0.0:5000"},
		{"HOST and PORT", map[string]string{"HOST": "127.0.0.1", "PORT": "8080"}, "127.0.0.1:8080"},
		{"IPv6 HOST", map[string]string{"HOST": "::1", "PORT": "8080"}, "[::1]:8080"},
		{"ADDR wins", map[string]string{"ADDR": "localhost:9000", "HOST": "0.0.0.0", "PORT": "8080"}, "localhost:9000"},
		{"empty ADDR is unset", map[string]string{"ADDR": "", "PORT": "8080"}, ":8080"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newChecker(tt.vars)
			if got := c.listenAddr(); got != tt.want {
				t.Errorf("listenAddr() = %q, want %q", got, tt.want)
			}
			if err := c.err(); err != nil {
				t.Errorf("unexpected problems: %v", err)
			}
		})
	}
}

func TestSessionDirDefault(t *testing.T) {
	cache, home := t.TempDir(), t.TempDir()
	tests := []struct {
		name string
		vars map[string]string
		want string
	}{
		{"XDG_CACHE_HOME", map[string]string{"XDG_CACHE_HOME": cache, "HOME": home},
			filepath.Join(cache, "oauthlogin", "sessions")},
		{"HOME", map[string]string{"HOME": home},
			filepath.Join(home, ".cache", "oauthlogin", "sessions")},
		{"relative XDG_CACHE_HOME is ignored", map[string]string{"XDG_CACHE_HOME": "cache", "HOME": home},
			filepath.Join(home, ".cache", "oauthlogin", "sessions")},
		{"SESSION_DIR wins", map[string]string{"SESSION_DIR": "sessions", "XDG_CACHE_HOME": cache},
			"sessions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newChecker(tt.vars)
			if got := c.sessionDir(); got != tt.want {
				t.Errorf("sessionDir() = %q, want %q", got, tt.want)
			}
			if err := c.err(); err != nil {
				t.Errorf("unexpected problems: %v", err)
			}
		})
	}
}

// With the development provider, PORT (and HOST) move the whole local
// setup: the app, the provider's URLs and the redirect URL, with no other
// variable changed.
func TestDevProviderFollowsPort(t *testing.T) {
	for _, tt := range []struct {
		host, port            string
		app, provider, listen string
	}{
		{"localhost", "8080", "http://localhost:8080", "http://127.0.0.1:8080/dev/oauth", "localhost:8080"},
		{"127.0.0.1", "5001", "http://127.0.0.1:5001", "http://localhost:5001/dev/oauth", "127.0.0.1:5001"},
		{"::1", "5002", "http://[::1]:5002", "http://localhost:5002/dev/oauth", "[::1]:5002"},
	} {
		t.Run(tt.listen, func(t *testing.T) {
			s, err := Parse(map[string]string{
				"CLIENT_ID": "c", "CLIENT_SECRET": "s", "SECRET": strings.Repeat("s", 32), "SESSION_DIR": "/tmp/x",
				"INSECURE_DEV_PROVIDER": "true", "HOST": tt.host, "PORT": tt.port,
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct{ name, got, want string }{
				{"ADDR", s.Server.Addr, tt.listen},
				{"REDIRECT_URL", s.OAuth.RedirectURL, tt.app + "/oauth/callback"},
				{"AUTHORIZE_URL", s.OAuth.AuthorizeURL, tt.provider + "/authorize"},
				{"TOKEN_URL", s.OAuth.TokenURL, tt.provider + "/token"},
				{"USER_URL", s.OAuth.UserURL, tt.provider + "/user"},
			} {
				if c.got != c.want {
					t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
				}
			}
		})
	}
}

// The cookie is Secure exactly when the site is served over https; plain
// http is possible only on loopback, where WebKit refuses a Secure cookie.
func TestCookieSecureFollowsRedirectURL(t *testing.T) {
	for redirect, secure := range map[string]bool{
		"https://app.example/oauth/callback":    true,
		"https://localhost:8443/oauth/callback": true,
		"http://localhost:5000/oauth/callback":  false,
		"http://127.0.0.1:5000/oauth/callback":  false,
		"HTTP://localhost:5000/oauth/callback":  false, // url.Parse lowers the scheme
		"HTTPS://app.example/oauth/callback":    true,
	} {
		s, err := Parse(with(map[string]*string{"REDIRECT_URL": ptr(redirect)}))
		if err != nil {
			t.Fatal(err)
		}
		if s.Session.CookieSecure != secure {
			t.Errorf("REDIRECT_URL %s: CookieSecure = %v, want %v", redirect, s.Session.CookieSecure, secure)
		}
	}
}

// The post-logout redirect URL defaults to the signed-out page on the
// app's own origin; set empty, none is sent and the provider decides.
func TestPostLogoutRedirectURL(t *testing.T) {
	for _, tt := range []struct {
		value *string
		want  string
	}{
		{nil, "https://app.example:8443/signed-out"},
		{ptr(""), ""},
		{ptr("https://app.example/bye"), "https://app.example/bye"},
	} {
		s, err := Parse(with(map[string]*string{"REDIRECT_URL": ptr("https://app.example:8443/oauth/callback"),
			"POST_LOGOUT_REDIRECT_URL": tt.value}))
		if err != nil {
			t.Fatal(err)
		}
		if s.OAuth.PostLogoutRedirectURL != tt.want {
			t.Errorf("POST_LOGOUT_REDIRECT_URL %v: got %q, want %q", tt.value, s.OAuth.PostLogoutRedirectURL, tt.want)
		}
	}
}
