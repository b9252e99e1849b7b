package e2e

import (
	"encoding/json"
	"maps"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// The first hour of a newcomer, through the binary: each case is one that
// went wrong before, with what the app now says quoted.

// A visit to http://127.0.0.1:PORT/, the address the start-up line used to
// print, goes to http://localhost:PORT/ before any login starts: a login
// begun on one loopback name comes back to the other without its cookie.
func TestIssue18_LoopbackAliasGoesToTheSiteAddress(t *testing.T) {
	t.Parallel()
	a := startApp(t, appOptions{LocalSettings: true})
	alias := strings.Replace(a.URL, "localhost", "127.0.0.1", 1)
	ada := newPerson("ada", nil)
	for _, path := range []string{"/", "/signed-out", "/?next=1"} {
		r, err := ada.get(alias + path)
		if err != nil {
			t.Fatal(err)
		}
		if r.status != http.StatusFound || r.location != a.URL+path {
			t.Errorf("GET %s%s: %d to %q; want 302 to %s%s", alias, path, r.status, r.location, a.URL, path)
		}
	}
	if n := countEntries(t, a.SessionDir); n != 0 {
		t.Errorf("%d session files after visits at the alias: a login started there", n)
	}
	// The provider's own pages live on the alias, as a separate site.
	if r, err := ada.get(a.ProviderURL + "/authorize"); err != nil || r.status == http.StatusFound {
		t.Errorf("the development provider at the alias was redirected: %v %+v", err, r)
	}
	if err := ada.logIn(a.URL, a.ProviderURL); err != nil {
		t.Fatal(err)
	}
}

// A wrong client secret is the site's mistake, not the visitor's: the page
// says the login is misconfigured, without "try again", and the log says
// what to check. Locally the development provider knows only the client
// that env/local/.env names, so the mistake shows there too.
func TestIssue18_WrongClientSecretSaysMisconfigured(t *testing.T) {
	t.Parallel()
	a := startApp(t, appOptions{LocalSettings: true, Env: map[string]string{"CLIENT_SECRET": "a-secret-the-provider-does-not-know"}})
	ada := newPerson("ada", nil)
	authorizeURL, err := ada.startLogin(a.URL, a.ProviderURL)
	if err != nil {
		t.Fatal(err)
	}
	callbackURL, err := ada.approve(authorizeURL)
	if err != nil {
		t.Fatal(err)
	}
	mark := a.logMark()
	r, err := ada.get(callbackURL)
	if err != nil {
		t.Fatal(err)
	}
	waitForRequest(t, a, mark, "/oauth/callback") // logged after the failure's record
	const title = "This site&#39;s login is misconfigured"
	if r.status != http.StatusBadGateway || !strings.Contains(r.body, title) || strings.Contains(r.body, "Please try again") {
		t.Errorf("callback with a wrong client secret: %d\n%s", r.status, r.body)
	}
	var logged bool
	for _, line := range a.Logs() {
		logged = logged || (strings.Contains(line, `"error":"invalid_client"`) && strings.Contains(line, "CLIENT_SECRET"))
	}
	if !logged {
		t.Errorf("no log record names invalid_client and the setting to check:\n%s", strings.Join(a.Logs(), "\n"))
	}
}

// -h prints how to run the app and where the settings are described;
// -version prints the version. Neither starts the app.
func TestIssue18_HelpAndVersion(t *testing.T) {
	t.Parallel()
	binary, err := buildApp()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		arg  string
		code int
		want string
	}{
		{"-h", 0, "Every setting is described in\nsettings/README.md."},
		{"--help", 0, "Usage: oauthlogin [-h] [-version]"},
		{"--version", 0, "oauthlogin "},
		{"-bogus", 2, "flag provided but not defined: -bogus"},
		{"serve", 2, `unexpected argument "serve"`},
	} {
		cmd := exec.Command(binary, tt.arg)
		cmd.Dir = t.TempDir() // no settings there: start-up would fail
		out, _ := cmd.CombinedOutput()
		if code := cmd.ProcessState.ExitCode(); code != tt.code || !strings.Contains(string(out), tt.want) {
			t.Errorf("oauthlogin %s: exit %d, want %d with %q; output:\n%s", tt.arg, code, tt.code, tt.want, out)
		}
	}
}

// The local set-up is not a warning: the cookie without Secure on plain
// http loopback is an info line that says it is the expected set-up, and
// health checks are not logged at info.
func TestIssue18_QuietLocalStart(t *testing.T) {
	t.Parallel()
	a := startApp(t, appOptions{LocalSettings: true, Env: map[string]string{"LOG_LEVEL": "info", "LOG_FORMAT": "json"}})
	mark := a.logMark()
	if _, err := newPerson("probe", nil).get(a.URL + "/healthz"); err != nil {
		t.Fatal(err)
	}
	// A page visit after it, so that its record shows the log has caught up.
	if _, err := newPerson("ada", nil).get(a.URL + "/signed-out"); err != nil {
		t.Fatal(err)
	}
	waitForRequest(t, a, mark, "/signed-out")
	var cookieNote string
	for _, line := range a.Logs() {
		if strings.Contains(line, `"path":"/healthz"`) {
			t.Errorf("a health check is logged at info: %s", line)
		}
		if strings.Contains(line, "local set-up") {
			cookieNote = line
		}
		// The development provider's warning stays: it lets anyone in.
		if strings.Contains(line, `"level":"WARN"`) && !strings.Contains(line, "development provider") {
			t.Errorf("the local start-up warns: %s", line)
		}
	}
	if !strings.Contains(cookieNote, `"level":"INFO"`) {
		t.Errorf("the cookie note of the local set-up is %q; want an info line", cookieNote)
	}
}

// The server may not cut a callback short while it still waits on the
// provider: the write timeout the binary starts with covers every call a
// callback can make, one after another (oauth/SECURITY.md #22).
func TestWriteTimeoutCoversEveryProviderCall(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		env   map[string]string
		calls int
	}{
		{"token and user", nil, 2},
		{"token, user and e-mails", map[string]string{"EMAILS_URL": "http://127.0.0.1:9/emails"}, 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{"OAUTH_TIMEOUT": "60s"}
			maps.Copy(env, tt.env)
			a := startApp(t, appOptions{Env: env})
			var listening struct {
				WriteTimeout time.Duration `json:"write_timeout"`
			}
			for _, line := range a.Logs() {
				if strings.Contains(line, `"msg":"listening"`) {
					json.Unmarshal([]byte(line), &listening)
				}
			}
			if need := time.Duration(tt.calls) * time.Minute; listening.WriteTimeout <= need {
				t.Errorf("write timeout %v; %d calls of up to 60s each need more than %v", listening.WriteTimeout, tt.calls, need)
			}
		})
	}
}
