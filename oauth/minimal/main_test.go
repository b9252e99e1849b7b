package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"oauthlogin/oauth"
	"oauthlogin/oauth/oauthtest"
)

// TestLogsInAndOut runs the minimal app against the development provider
// in GitHub's place: a page visit goes to the provider and back logged in,
// and logout ends on the signed-out page.
func TestLogsInAndOut(t *testing.T) {
	mux := http.NewServeMux()
	app := httptest.NewServer(mux)
	defer app.Close()
	provider := oauthtest.NewServer(oauthtest.Config{
		ClientID: "id", ClientSecret: "secret", RedirectURL: app.URL + "/oauth/callback", AutoApprove: "ada",
	})
	defer provider.Close()

	cfg := oauth.GitHub().Config("id", "secret", app.URL+"/oauth/callback")
	cfg.AuthorizeURL, cfg.TokenURL, cfg.UserURL, cfg.EmailsURL = provider.AuthorizeURL(), provider.TokenURL(), provider.UserURL(), ""
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	handler, err := newApp(ctx, cfg, []byte("a test key that is long enough to use"), filepath.Join(t.TempDir(), "sessions"), nil)
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/", handler)

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	if got := fetch(t, browser, http.MethodGet, app.URL+"/"); !strings.Contains(got, "Hello, ada") {
		t.Fatalf("after the login the home page says %q", got)
	}
	if got := fetch(t, browser, http.MethodPost, app.URL+"/logout"); !strings.Contains(got, "You are logged out") {
		t.Fatalf("logout ends on %q", got)
	}
}

func fetch(t *testing.T, c *http.Client, method, url string) string {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}
