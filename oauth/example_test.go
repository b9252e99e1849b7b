package oauth_test

import (
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"

	"oauthlogin/oauth"
	"oauthlogin/session"
)

// AuthCodeURL builds the address the browser is sent to. Login.Require
// calls it with a fresh random state and the challenge of a fresh verifier
// for every login; fixed values stand in for them here so the output does
// not change. The challenge is the one of RFC 7636, Appendix B.
func ExampleClient_AuthCodeURL() {
	client := oauth.NewClient(oauth.Config{
		ClientID:     "my-client-id",
		ClientSecret: "never-in-a-url",
		AuthorizeURL: "https://provider.example/login/oauth/authorize",
		RedirectURL:  "https://app.example/oauth/callback",
		Scope:        "read:user",
	}, nil)

	const state = "state-from-crypto-rand"
	const challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
	u, err := url.Parse(client.AuthCodeURL(state, challenge, ""))
	if err != nil {
		panic(err)
	}
	fmt.Println(u.Scheme + "://" + u.Host + u.Path)
	q := u.Query()
	for _, key := range slices.Sorted(maps.Keys(q)) {
		fmt.Printf("  %s=%s\n", key, q.Get(key))
	}
	// Output:
	// https://provider.example/login/oauth/authorize
	//   client_id=my-client-id
	//   code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM
	//   code_challenge_method=S256
	//   redirect_uri=https://app.example/oauth/callback
	//   response_type=code
	//   scope=read:user
	//   state=state-from-crypto-rand
}

// A Login is wired into the routes as main.go does it: the session
// middleware first, then Require around each protected page, the callback
// at the redirect URL's path, and logout for same-origin POSTs only.
func ExampleNewLogin() {
	dir, err := os.MkdirTemp("", "sessions-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	key := []byte("a long random key from the configuration") // keys the session file names
	store, err := session.NewFileStore(dir, key, nil)
	if err != nil {
		panic(err)
	}
	sessions, err := session.NewManager(store, session.Options{HashKey: key})
	if err != nil {
		panic(err)
	}
	client := oauth.NewClient(oauth.Config{
		ClientID:     "my-client-id",
		ClientSecret: "from-the-environment",
		AuthorizeURL: "https://provider.example/login/oauth/authorize",
		TokenURL:     "https://provider.example/login/oauth/access_token",
		UserURL:      "https://api.provider.example/user",
		RedirectURL:  "https://app.example/oauth/callback",
		Scope:        "read:user",
	}, nil)
	showFailure := func(w http.ResponseWriter, _ *http.Request, f oauth.Failure) {
		http.Error(w, f.Title+". "+f.Message, f.Status)
	}
	login := oauth.NewLogin(client, showFailure, oauth.LoginOptions{
		Logger: slog.New(slog.DiscardHandler), // the application's logger in real use
	})

	home := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, _ := oauth.UserFromRequest(r)
		fmt.Fprintf(w, "Hello, %s\n", user.Username)
	})
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", sessions.Middleware(login.Require(home)))
	mux.Handle("GET /oauth/callback", sessions.Middleware(http.HandlerFunc(login.Callback)))
	mux.Handle("POST /logout", http.NewCrossOriginProtection().Handler(sessions.Middleware(http.HandlerFunc(login.Logout))))

	// An anonymous visit to the home page is sent to the provider.
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "https://app.example/", nil))
	to, _ := url.Parse(rec.Header().Get("Location"))
	fmt.Println(rec.Code, to.Host+to.Path)
	// Output:
	// 302 provider.example/login/oauth/authorize
}
