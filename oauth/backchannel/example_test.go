package backchannel_test

import (
	"log"
	"net/http"

	"oauthlogin/oauth"
	"oauthlogin/oauth/backchannel"
	"oauthlogin/oauth/openid"
	"oauthlogin/session"
)

// The receiver and "log out of all devices", mounted beside the login.
// The provider's end-session and the sign-out of every device then reach
// every instance that shares the session store.
func Example() {
	var (
		files    *session.FileStore // session.NewFileStore(…)
		provider *openid.Provider   // openid.Discover(…)
		client   *oauth.Client      // oauth.NewClient(…), configured by provider
	)
	store, err := session.NewIndexedFileStore(files)
	if err != nil {
		log.Fatal(err)
	}
	sessions, err := session.NewManager(store, session.Options{HashKey: []byte("…")})
	if err != nil {
		log.Fatal(err)
	}
	layer, err := backchannel.New(backchannel.Options{Sessions: store, Verify: provider.VerifyLogoutToken})
	if err != nil {
		log.Fatal(err)
	}
	login := oauth.NewLogin(client, nil, oauth.LoginOptions{
		// Both layers keep something at login.
		OnLogin: func(v *session.Values, tok *oauth.Token, u oauth.User) error {
			if err := provider.OnLogin(v, tok, u); err != nil {
				return err
			}
			return layer.OnLogin(v, tok, u)
		},
		OnLogout: provider.OnLogout,
	})

	mux := http.NewServeMux()
	// From the provider: no cross-origin check, no session.
	mux.HandleFunc("POST "+backchannel.ReceivePath, layer.Receive)
	// From the person's browser: same-origin only, as /logout.
	sameOrigin := http.NewCrossOriginProtection()
	mux.Handle("POST "+backchannel.EverywherePath,
		sameOrigin.Handler(sessions.Middleware(login.Require(http.HandlerFunc(layer.Everywhere)))))
}
