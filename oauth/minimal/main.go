// Command minimal is the smallest whole login these packages make: "Log in
// with GitHub" in front of one page, with sessions in files. It uses the
// core alone, package oauth and package session, and is what a copy of
// those two folders needs around them; main.go at the repository's root is
// the same wiring with every layer and setting added.
//
// Register an OAuth app at GitHub with the callback
// http://localhost:8000/oauth/callback, then:
//
//	CLIENT_ID=… CLIENT_SECRET=… SECRET=$(head -c 32 /dev/urandom | base64) go run ./oauth/minimal
//
// and open http://localhost:8000/.
package main

import (
	"context"
	"fmt"
	"html"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"time"

	"oauthlogin/oauth"
	"oauthlogin/session"
)

const (
	addr        = "localhost:8000"
	redirectURL = "http://localhost:8000/oauth/callback"
)

func main() {
	cfg := oauth.GitHub().Config(os.Getenv("CLIENT_ID"), os.Getenv("CLIENT_SECRET"), redirectURL)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	app, err := newApp(ctx, cfg, []byte(os.Getenv("SECRET")), "sessions", nil)
	if err != nil {
		log.Fatal(err)
	}
	server := &http.Server{
		Addr:              addr,
		Handler:           app,
		ReadHeaderTimeout: 5 * time.Second,
		// A callback waits on the provider: the token, the user and, for
		// GitHub, the e-mail list, each bounded by the client's timeout.
		WriteTimeout: 45 * time.Second,
	}
	go func() {
		<-ctx.Done()
		server.Shutdown(context.Background())
	}()
	log.Printf("open http://%s/", addr)
	if err := server.ListenAndServe(); err != http.ErrServerClosed {
		log.Fatal(err)
	}
}

// newApp wires the login: sessions in files under dir, keyed by secret
// (32 random bytes or more), and the routes. providerHTTP reaches the
// provider; nil means a client of package oauth's own. The sweep of
// expired sessions runs until ctx ends.
func newApp(ctx context.Context, cfg oauth.Config, secret []byte, dir string, providerHTTP *http.Client) (http.Handler, error) {
	store, err := session.NewFileStore(dir, secret, nil)
	if err != nil {
		return nil, err
	}
	go store.RunSweeper(ctx, 5*time.Minute, nil)
	sessions, err := session.NewManager(store, session.Options{
		HashKey: secret,
		// Plain http on localhost only: over https leave it false.
		InsecureCookieOverHTTP: strings.HasPrefix(cfg.RedirectURL, "http:"),
	})
	if err != nil {
		return nil, err
	}
	showFailure := func(w http.ResponseWriter, _ *http.Request, f oauth.Failure) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(f.Status)
		fmt.Fprintf(w, "<h1>%s</h1><p>%s</p>", html.EscapeString(f.Title), html.EscapeString(f.Message))
	}
	login := oauth.NewLogin(oauth.NewClient(cfg, providerHTTP), showFailure, oauth.LoginOptions{})

	home := func(w http.ResponseWriter, r *http.Request) {
		u, _ := oauth.UserFromRequest(r)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<p>Hello, %s</p><form method="post" action="/logout"><button>Log out</button></form>`,
			html.EscapeString(u.Username))
	}
	signedOut := func(w http.ResponseWriter, _ *http.Request, _ *oauth.User) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<p>You are logged out. <a href="/">Log in again</a></p>`)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", sessions.Middleware(login.Require(http.HandlerFunc(home))))
	mux.Handle("GET /oauth/callback", sessions.Middleware(http.HandlerFunc(login.Callback)))
	// Only a same-origin POST may log out: another site must not.
	mux.Handle("POST /logout", http.NewCrossOriginProtection().Handler(sessions.Middleware(http.HandlerFunc(login.Logout))))
	mux.Handle("GET "+oauth.SignedOutPath, sessions.Middleware(login.SignedOut(signedOut)))
	return mux, nil
}
