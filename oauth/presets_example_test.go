package oauth_test

import (
	"fmt"
	"net/url"

	"oauthlogin/oauth"
)

// A GitHub login needs only what GitHub issues when the app is registered
// (the client ID and secret) and the callback URL registered with it: the
// preset knows the endpoints, the scope, the API headers and where the
// profile keeps each field.
func ExampleGitHub() {
	cfg := oauth.GitHub().Config("my-client-id", "from-the-environment", "https://app.example/oauth/callback")
	client := oauth.NewClient(cfg, nil)

	u, err := url.Parse(client.AuthCodeURL("state-from-crypto-rand", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", ""))
	if err != nil {
		panic(err)
	}
	fmt.Println(u.Host + u.Path)
	fmt.Println("scope:", u.Query().Get("scope"))
	fmt.Println("token:", cfg.TokenURL)
	fmt.Println("user:", cfg.UserURL, "and", cfg.EmailsURL)
	fmt.Println("API version:", cfg.APIHeaders["X-GitHub-Api-Version"])
	// Output:
	// github.com/login/oauth/authorize
	// scope: read:user user:email
	// token: https://github.com/login/oauth/access_token
	// user: https://api.github.com/user and https://api.github.com/user/emails
	// API version: 2022-11-28
}

// A self-hosted GitLab moves every endpoint with its base URL.
func ExampleGitLab() {
	cfg := oauth.GitLab("https://gitlab.example.com/").Config("id", "secret", "https://app.example/oauth/callback")
	fmt.Println(cfg.AuthorizeURL)
	fmt.Println(cfg.UserURL, cfg.UserFields.Username)
	// Output:
	// https://gitlab.example.com/oauth/authorize
	// https://gitlab.example.com/api/v4/user username
}
