package e2e

// Issue 23: the provider's back-channel logout and "log out of all
// devices", through the binary, against the development provider in
// OpenID mode: on a session directory, and on three instances sharing one
// redis-server.

import (
	"context"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"oauthlogin/oauth/oauthtest"
)

// logInOIDC logs v in at appURL, following each redirect by hand, and
// returns the sid of the provider session the login made.
func logInOIDC(t *testing.T, v *visitor, appURL string, provider *oauthtest.Server) string {
	t.Helper()
	r := v.get(appURL + "/")
	if r.status != http.StatusFound {
		t.Fatalf("GET /: %d, want 302 to the provider", r.status)
	}
	r = v.get(r.location)
	if r.status != http.StatusSeeOther {
		t.Fatalf("provider: %d, want 303 to the callback\n%s", r.status, r.body)
	}
	r = v.get(r.location)
	if r.status != http.StatusSeeOther || r.location != "/" {
		t.Fatalf("callback: %d to %q, want 303 to /\n%s", r.status, r.location, r.body)
	}
	return provider.LatestSessionID()
}

// loggedIn reports whether v's home page at appURL shows a logged-in
// person rather than a redirect to log in.
func loggedIn(t *testing.T, v *visitor, appURL string) bool {
	t.Helper()
	r := v.get(appURL + "/")
	switch r.status {
	case http.StatusOK:
		return true
	case http.StatusFound:
		return false
	}
	t.Fatalf("GET %s/: %d", appURL, r.status)
	return false
}

// logOutEverywhere presses "Log out of all devices" at appURL.
func logOutEverywhere(t *testing.T, v *visitor, appURL string) {
	t.Helper()
	r := v.do(http.MethodPost, appURL+"/logout/everywhere", url.Values{})
	if r.status != http.StatusSeeOther || r.location != "/signed-out" {
		t.Fatalf("log out everywhere: %d to %q, want 303 to /signed-out\n%s", r.status, r.location, r.body)
	}
}

// backchannelScenario is the issue's story, with the logins made at
// login, the logout token delivered to receiver and the other requests
// spread over the instances in apps: two browsers logged in as one person
// with different provider sessions; the provider ends one, and exactly
// that browser is logged out; the first logs in again; "log out of all
// devices" from the second logs both out.
func backchannelScenario(t *testing.T, provider *oauthtest.Server, login, receiver string, apps []string) {
	phone, laptop := newVisitor(t), newVisitor(t)
	phoneSID := logInOIDC(t, phone, login, provider)
	laptopSID := logInOIDC(t, laptop, login, provider)
	if home := laptop.get(login + "/"); !strings.Contains(home.body, `action="/logout/everywhere"`) {
		t.Errorf("the home page has no \"Log out of all devices\" button:\n%s", home.body)
	}
	if phoneSID == laptopSID {
		t.Fatal("two logins share a provider session")
	}

	if err := provider.EndSession(context.Background(), receiver+"/oauth/backchannel-logout", phoneSID); err != nil {
		t.Fatal(err)
	}
	for _, app := range apps {
		if loggedIn(t, phone, app) {
			t.Errorf("%s: the phone is still logged in after its provider session ended", app)
		}
		if !loggedIn(t, laptop, app) {
			t.Errorf("%s: the laptop was logged out with the phone's provider session", app)
		}
	}

	logInOIDC(t, phone, login, provider)
	logOutEverywhere(t, laptop, apps[len(apps)-1])
	for _, app := range apps {
		if loggedIn(t, phone, app) || loggedIn(t, laptop, app) {
			t.Errorf("%s: a device is still logged in after logging out of all devices", app)
		}
	}
}

// TestIssue23_BackchannelLogoutAndEverywhere: the story on one instance
// keeping its sessions in files.
func TestIssue23_BackchannelLogoutAndEverywhere(t *testing.T) {
	t.Parallel()
	port := freePort(t)
	appURL := "http://localhost:" + port
	provider := oauthtest.NewServer(oauthtest.Config{
		ClientID: "e2e-client", ClientSecret: "e2e-secret", RedirectURL: appURL + "/oauth/callback",
		OpenID: true, AutoApprove: "ada",
	})
	t.Cleanup(provider.Close)
	a := startProc(t, procOptions{Port: port, Provider: provider.HTTP.URL, Env: oidcEnv(port, provider.HTTP.URL)})
	backchannelScenario(t, provider, a.URL, a.URL, []string{a.URL})
}

// TestIssue23_BackchannelLogoutOnThreeRedisInstances: the story on three
// instances sharing one redis-server; the logout token reaches one of
// them, and the logout holds on all.
func TestIssue23_BackchannelLogoutOnThreeRedisInstances(t *testing.T) {
	t.Parallel()
	r := startRedisServer(t, false)
	ports := threePorts(t)
	redirectURL := "http://localhost:" + ports[0] + "/oauth/callback"
	provider := oauthtest.NewServer(oauthtest.Config{
		ClientID: "e2e-client", ClientSecret: "e2e-secret", RedirectURL: redirectURL,
		OpenID: true, AutoApprove: "ada",
	})
	t.Cleanup(provider.Close)
	var apps []string
	for _, port := range ports {
		env := oidcEnv(port, provider.HTTP.URL)
		maps.Copy(env, redisEnv(r))
		env["REDIRECT_URL"] = redirectURL
		apps = append(apps, startProc(t, procOptions{Port: port, Provider: provider.HTTP.URL, Env: env}).URL)
	}
	backchannelScenario(t, provider, apps[0], apps[1], apps)
}
