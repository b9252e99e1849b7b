package access_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"strings"

	"oauthlogin/oauth"
	"oauthlogin/oauth/access"
	"oauthlogin/oauth/oauthtest"
	"oauthlogin/session"
)

// A rule of your own is any function of the type oauth.Admit, set in the
// login's options. This one admits the members of one team, listed by
// their accounts' ids, and refuses everyone else: they get 403 and a page
// that names the account they logged in with. The provider here logs
// everyone in as alice, who is not on the team.
func Example() {
	team := map[string]bool{"583231": true, "8675309": true}
	onTheTeam := func(_ context.Context, _ *oauth.Client, _ *oauth.Token, u oauth.User) (func(*session.Values) error, error) {
		if !team[u.Subject] {
			return nil, &oauth.Denial{Rules: []string{"team"}}
		}
		return nil, nil
	}

	mux := http.NewServeMux()
	app := httptest.NewServer(mux)
	defer app.Close()
	provider := oauthtest.NewServer(oauthtest.Config{
		ClientID: "my-app", ClientSecret: "my-secret", RedirectURL: app.URL + "/oauth/callback", AutoApprove: "alice",
	})
	defer provider.Close()
	dir, err := os.MkdirTemp("", "sessions-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	key := []byte("a long random key from the configuration")
	store, err := session.NewFileStore(dir, key, nil)
	if err != nil {
		log.Fatal(err)
	}
	sessions, err := session.NewManager(store, session.Options{HashKey: key, InsecureCookieOverHTTP: true})
	if err != nil {
		log.Fatal(err)
	}
	client := oauth.NewClient(oauth.Config{
		ClientID: "my-app", ClientSecret: "my-secret", RedirectURL: app.URL + "/oauth/callback",
		AuthorizeURL: provider.AuthorizeURL(), TokenURL: provider.TokenURL(), UserURL: provider.UserURL(),
	}, nil)
	showFailure := func(w http.ResponseWriter, _ *http.Request, f oauth.Failure) {
		w.WriteHeader(f.Status)
		fmt.Fprintln(w, f.Title)
		if f.User != nil { // a refused account: say which, so the person can tell the site's owner
			fmt.Fprintf(w, "You are logged in as %s, account id %s.\n", f.User.Username, f.User.Subject)
		}
	}
	login := oauth.NewLogin(client, showFailure, oauth.LoginOptions{
		Logger: slog.New(slog.DiscardHandler),
		Admit:  onTheTeam,
	})
	mux.Handle("GET /{$}", sessions.Middleware(login.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := oauth.UserFromRequest(r)
		fmt.Fprintf(w, "Hello, %s\n", u.Username)
	}))))
	mux.Handle("GET /oauth/callback", sessions.Middleware(http.HandlerFunc(login.Callback)))

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	resp, err := browser.Get(app.URL + "/") // to the provider, and back to the callback
	if err != nil {
		log.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Print(resp.StatusCode, " ", string(page))
	// Output:
	// 403 This account may not use this site
	// You are logged in as alice, account id 6762861930873358.
}

// The rules the settings name, here ALLOWED_EMAIL_DOMAINS=example.test,
// with an OpenID Connect provider's claims as their source of addresses.
// The rules decide at the callback (Admit), and again on each protected
// page once they have changed (Require).
func ExampleRules() {
	mux := http.NewServeMux()
	app := httptest.NewServer(mux)
	defer app.Close()
	// The provider logs everyone in as ada, whose verified address is
	// ada@example.test; its /user answers with OpenID Connect's claims.
	provider := oauthtest.NewServer(oauthtest.Config{
		ClientID: "my-app", ClientSecret: "my-secret", RedirectURL: app.URL + "/oauth/callback", AutoApprove: "ada",
	})
	defer provider.Close()
	dir, err := os.MkdirTemp("", "sessions-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	key := []byte("a long random key from the configuration")
	store, err := session.NewFileStore(dir, key, nil)
	if err != nil {
		log.Fatal(err)
	}
	sessions, err := session.NewManager(store, session.Options{HashKey: key, InsecureCookieOverHTTP: true})
	if err != nil {
		log.Fatal(err)
	}
	client := oauth.NewClient(oauth.Config{
		ClientID: "my-app", ClientSecret: "my-secret", RedirectURL: app.URL + "/oauth/callback",
		AuthorizeURL: provider.AuthorizeURL(), TokenURL: provider.TokenURL(), UserURL: provider.UserURL(),
	}, nil)
	quiet := slog.New(slog.DiscardHandler)

	rules, err := access.New(access.Config{
		Issuer:       client.IssuerName(),
		EmailDomains: []string{"example.test"},
		// With package oauth/openid's Identifier, IDToken: true reads the
		// verified ID token first.
		Facts:  access.Claims{UserinfoURL: provider.UserURL()},
		Logger: quiet,
	})
	if err != nil {
		log.Fatal(err) // a mistake in a list: found at start-up
	}
	showFailure := func(w http.ResponseWriter, _ *http.Request, f oauth.Failure) { http.Error(w, f.Title, f.Status) }
	login := oauth.NewLogin(client, showFailure, oauth.LoginOptions{Logger: quiet, Admit: rules.Admit})
	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := oauth.UserFromRequest(r)
		fmt.Fprintf(w, "Hello, %s\n", u.Email)
	})
	mux.Handle("GET /{$}", sessions.Middleware(rules.Require(login, hello)))
	mux.Handle("GET /oauth/callback", sessions.Middleware(http.HandlerFunc(login.Callback)))

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	resp, err := browser.Get(app.URL + "/")
	if err != nil {
		log.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, strings.TrimSpace(string(page)), "- rules:", strings.Join(rules.Kinds(), ", "))
	// Output:
	// 200 Hello, ada@example.test - rules: email_domains
}
