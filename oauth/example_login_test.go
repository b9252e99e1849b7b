package oauth_test

import (
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"

	"oauthlogin/oauth"
	"oauthlogin/oauth/oauthtest"
	"oauthlogin/session"
)

// The whole application in miniature: a home page that needs a login, the
// provider's callback, logout and the page it ends on, with sessions kept
// in files. A browser with a cookie jar goes through it one hop at a time,
// and each hop prints its request and its answer.
func ExampleLogin() {
	// The application's routes are added below, once the client knows
	// the application's address.
	mux := http.NewServeMux()
	app := httptest.NewServer(mux)
	defer app.Close()
	redirectURL := app.URL + "/oauth/callback"

	// The provider: it signs everyone in as alice, at once.
	provider := oauthtest.NewServer(oauthtest.Config{
		ClientID:     "my-app",
		ClientSecret: "my-secret",
		RedirectURL:  redirectURL,
		AutoApprove:  "alice",
	})
	defer provider.Close()

	// Sessions, in files in a directory of their own.
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
	sessions, err := session.NewManager(store, session.Options{
		HashKey:                key,
		InsecureCookieOverHTTP: true, // the test server speaks plain http
	})
	if err != nil {
		log.Fatal(err)
	}

	// The login: the client talks to the provider, the Login to browsers.
	client := oauth.NewClient(oauth.Config{
		ClientID:     "my-app",
		ClientSecret: "my-secret",
		AuthorizeURL: provider.AuthorizeURL(),
		TokenURL:     provider.TokenURL(),
		UserURL:      provider.UserURL(),
		RedirectURL:  redirectURL,
	}, nil)
	showFailure := func(w http.ResponseWriter, _ *http.Request, f oauth.Failure) {
		http.Error(w, f.Title, f.Status)
	}
	login := oauth.NewLogin(client, showFailure, oauth.LoginOptions{Logger: slog.New(slog.DiscardHandler)})

	// The routes.
	home := func(w http.ResponseWriter, r *http.Request) {
		user, _ := oauth.UserFromRequest(r)
		fmt.Fprintf(w, "Hello, %s", user.Username)
	}
	signedOut := func(w http.ResponseWriter, _ *http.Request, _ *oauth.User) {
		fmt.Fprint(w, "You are signed out")
	}
	mux.Handle("GET /{$}", sessions.Middleware(login.Require(http.HandlerFunc(home))))
	mux.Handle("GET /oauth/callback", sessions.Middleware(http.HandlerFunc(login.Callback)))
	mux.Handle("POST /logout", http.NewCrossOriginProtection().Handler(sessions.Middleware(http.HandlerFunc(login.Logout))))
	mux.Handle("GET "+oauth.SignedOutPath, sessions.Middleware(login.SignedOut(signedOut)))

	// The browser keeps cookies and stops at every redirect, so that each
	// hop can be shown.
	jar, err := cookiejar.New(nil)
	if err != nil {
		log.Fatal(err)
	}
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	// where names the server a URL points at; paths are shown without
	// their query, which holds the code and the state.
	where := func(u *url.URL) string {
		if "http://"+u.Host == provider.HTTP.URL {
			return "provider " + u.Path
		}
		return "app " + u.Path
	}
	// visit sends one request and follows the redirects, printing a line
	// per hop.
	visit := func(method, target string) {
		for target != "" {
			req, err := http.NewRequest(method, target, nil)
			if err != nil {
				log.Fatal(err)
			}
			resp, err := browser.Do(req)
			if err != nil {
				log.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			answer := strings.TrimSpace(string(body))
			target = ""
			if loc, err := resp.Location(); err == nil {
				answer, target = "to "+where(loc), loc.String()
			}
			fmt.Printf("%-4s %-24s %d %s\n", method, where(req.URL), resp.StatusCode, answer)
			method = http.MethodGet // a 303 turns a POST into a GET
		}
	}

	visit(http.MethodGet, app.URL+"/")        // anonymous: a login, and back
	visit(http.MethodGet, app.URL+"/")        // the session remembers alice
	visit(http.MethodPost, app.URL+"/logout") // to a public page, not a login
	visit(http.MethodGet, app.URL+"/")        // a new login is needed
	// Output:
	// GET  app /                    302 to provider /authorize
	// GET  provider /authorize      303 to app /oauth/callback
	// GET  app /oauth/callback      303 to app /
	// GET  app /                    200 Hello, alice
	// GET  app /                    200 Hello, alice
	// POST app /logout              303 to app /signed-out
	// GET  app /signed-out          200 You are signed out
	// GET  app /                    302 to provider /authorize
	// GET  provider /authorize      303 to app /oauth/callback
	// GET  app /oauth/callback      303 to app /
	// GET  app /                    200 Hello, alice
}
