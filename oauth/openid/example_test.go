package openid_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"oauthlogin/oauth"
	"oauthlogin/oauth/oauthtest"
	"oauthlogin/oauth/openid"
)

// At start-up: discovery completes the client's configuration, and the
// Provider's hooks go into the login's options.
func Example() {
	// The provider, an OpenID Connect one at its own URL as the issuer.
	redirectURL := "http://localhost:8080/oauth/callback"
	provider := oauthtest.NewServer(oauthtest.Config{
		ClientID: "my-app", ClientSecret: "my-secret", RedirectURL: redirectURL, OpenID: true,
	})
	defer provider.Close()
	issuer := provider.HTTP.URL

	httpClient := oauth.NewHTTPClient(10 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	op, err := openid.Discover(ctx, httpClient, issuer, openid.Options{
		ClientID:              "my-app",
		PostLogoutRedirectURL: "http://localhost:8080/signed-out",
	})
	if err != nil {
		log.Fatal(err) // a wrong issuer, or a provider that is down: found at start-up
	}

	// Only the client's own settings: the endpoints come from discovery.
	cfg := oauth.OpenIDConnect(issuer).Config("my-app", "my-secret", redirectURL)
	op.Configure(&cfg)
	showFailure := func(w http.ResponseWriter, _ *http.Request, f oauth.Failure) { http.Error(w, f.Title, f.Status) }
	login := oauth.NewLogin(oauth.NewClient(cfg, httpClient), showFailure, oauth.LoginOptions{
		Logger:   slog.New(slog.DiscardHandler),
		OnLogin:  op.OnLogin,  // keeps the ID token, for logout at the provider
		OnLogout: op.OnLogout, // sends the browser there
	})
	_ = login // mount its handlers behind a session.Manager, as oauth's ExampleLogin does

	fmt.Println(strings.TrimPrefix(cfg.AuthorizeURL, issuer), strings.TrimPrefix(cfg.TokenURL, issuer),
		strings.TrimPrefix(cfg.UserURL, issuer))
	fmt.Println("iss required:", cfg.RequireIss)
	fmt.Println("logout at:", strings.TrimPrefix(op.EndSessionURL(), issuer))
	// Output:
	// /authorize /token /userinfo
	// iss required: true
	// logout at: /logout
}
