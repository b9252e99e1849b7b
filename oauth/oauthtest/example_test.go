package oauthtest_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"oauthlogin/oauth/oauthtest"
)

// A test plays the whole authorization code flow against a provider that
// signs everyone in as alice.
func ExampleNewServer() {
	provider := oauthtest.NewServer(oauthtest.Config{
		ClientID:     "my-app",
		ClientSecret: "my-secret",
		RedirectURL:  "https://app.test/callback",
		AutoApprove:  "alice",
	})
	defer provider.Close()

	// 1. Send the browser to the authorization endpoint, with a PKCE
	// challenge, and read where it is sent back to.
	codeVerifier := "a-verifier-of-at-least-43-characters-from-the-unreserved-set"
	digest := sha256.Sum256([]byte(codeVerifier))
	authorize := provider.AuthorizeURL() + "?" + url.Values{
		"response_type":         {"code"},
		"client_id":             {"my-app"},
		"redirect_uri":          {"https://app.test/callback"},
		"state":                 {"xyz"},
		"code_challenge":        {base64.RawURLEncoding.EncodeToString(digest[:])},
		"code_challenge_method": {"S256"},
	}.Encode()
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse // stop at the app's redirect URI
	}}
	resp, err := browser.Get(authorize)
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	callback, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("state:", callback.Query().Get("state"))

	// 2. Exchange the code for an access token.
	tokenRequest, err := http.NewRequest(http.MethodPost, provider.TokenURL(), strings.NewReader(url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {callback.Query().Get("code")},
		"redirect_uri":  {"https://app.test/callback"},
		"code_verifier": {codeVerifier},
	}.Encode()))
	if err != nil {
		log.Fatal(err)
	}
	tokenRequest.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	tokenRequest.SetBasicAuth(url.QueryEscape("my-app"), url.QueryEscape("my-secret"))
	resp, err = http.DefaultClient.Do(tokenRequest)
	if err != nil {
		log.Fatal(err)
	}
	var token struct {
		AccessToken string `json:"access_token"`
	}
	err = json.NewDecoder(resp.Body).Decode(&token)
	resp.Body.Close()
	if err != nil {
		log.Fatal(err)
	}

	// 3. Ask who signed in.
	userRequest, err := http.NewRequest(http.MethodGet, provider.UserURL(), nil)
	if err != nil {
		log.Fatal(err)
	}
	userRequest.Header.Set("Authorization", "Bearer "+token.AccessToken)
	resp, err = http.DefaultClient.Do(userRequest)
	if err != nil {
		log.Fatal(err)
	}
	var user struct {
		Login string `json:"login"`
		Name  string `json:"name"`
	}
	err = json.NewDecoder(resp.Body).Decode(&user)
	resp.Body.Close()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("user:", user.Login, "/", user.Name)
	fmt.Println("token calls:", provider.TokenCalls())

	// Output:
	// state: xyz
	// user: alice / Alice (dev)
	// token calls: 1
}

// In local development an app serves the provider itself, under a path
// prefix. Its pages link relatively, so only the prefix needs stripping.
func ExampleNew() {
	provider := oauthtest.New(oauthtest.Config{
		ClientID:     "my-app",
		ClientSecret: "dev-secret",
		RedirectURL:  "http://localhost:8080/auth/callback",
	})
	mux := http.NewServeMux()
	mux.Handle("/dev/oauth/", http.StripPrefix("/dev/oauth", provider))

	// The app would pass mux to http.ListenAndServe; a test server stands in.
	app := httptest.NewServer(mux)
	defer app.Close()
	resp, err := http.Get(app.URL + "/dev/oauth/authorize?" + url.Values{
		"response_type": {"code"},
		"client_id":     {"my-app"},
		"redirect_uri":  {"http://localhost:8080/auth/callback"},
	}.Encode())
	if err != nil {
		log.Fatal(err)
	}
	page, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.Status)
	fmt.Println(strings.Contains(string(page), `<form method="post" action="authorize">`))

	// Output:
	// 200 OK
	// true
}

// Misbehave makes an endpoint fail, to test how an app copes.
func ExampleProvider_Misbehave() {
	provider := oauthtest.NewServer(oauthtest.Config{
		ClientID:     "my-app",
		ClientSecret: "my-secret",
		RedirectURL:  "https://app.test/callback",
	})
	defer provider.Close()
	provider.Misbehave(oauthtest.Misbehaviour{Token: oauthtest.TokenServerError})

	resp, err := http.PostForm(provider.TokenURL(), url.Values{"grant_type": {"authorization_code"}})
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(resp.Status, "after", provider.TokenCalls(), "call")

	// Output:
	// 500 Internal Server Error after 1 call
}

// With OpenID, the provider publishes a discovery document, whose issuer
// is the server's URL, and the keys that sign its ID tokens.
func ExampleNewServer_openID() {
	provider := oauthtest.NewServer(oauthtest.Config{
		ClientID:     "my-app",
		ClientSecret: "my-secret",
		RedirectURL:  "https://app.test/callback",
		OpenID:       true,
	})
	defer provider.Close()

	var discovery struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	mustGetJSON(provider.HTTP.URL+"/.well-known/openid-configuration", &discovery)
	fmt.Println("issuer is the server's URL:", discovery.Issuer == provider.HTTP.URL)

	var jwks struct {
		Keys []struct {
			ID  string `json:"kid"`
			Alg string `json:"alg"`
		} `json:"keys"`
	}
	mustGetJSON(discovery.JWKSURI, &jwks)
	fmt.Println("keys:", len(jwks.Keys))
	for _, key := range jwks.Keys {
		fmt.Println(key.ID, key.Alg)
	}

	// Output:
	// issuer is the server's URL: true
	// keys: 4
	// rsa-1 RS256
	// rsa-pss-1 PS256
	// ec-1 ES256
	// ed-1 EdDSA
}

// RotateKeys replaces the signing keys, as a provider does from time to
// time, so that a test can check that an app fetches the JWKS again when an
// ID token names a key it does not know.
func ExampleProvider_RotateKeys() {
	provider := oauthtest.NewServer(oauthtest.Config{
		ClientID:     "my-app",
		ClientSecret: "my-secret",
		RedirectURL:  "https://app.test/callback",
		OpenID:       true,
		IDTokenAlg:   "EdDSA",
	})
	defer provider.Close()

	provider.RotateKeys()

	var jwks struct {
		Keys []struct {
			ID string `json:"kid"`
		} `json:"keys"`
	}
	mustGetJSON(provider.HTTP.URL+"/jwks", &jwks)
	fmt.Println(jwks.Keys[3].ID, "after", provider.JWKSCalls(), "JWKS call")

	// Output:
	// ed-2 after 1 JWKS call
}

// In GitHub's shape, a code that does not work is refused with status 200,
// and only the body says so.
func ExampleShape() {
	provider := oauthtest.NewServer(oauthtest.Config{
		ClientID:     "my-app",
		ClientSecret: "my-secret",
		RedirectURL:  "https://app.test/callback",
		Shape:        oauthtest.ShapeGitHub,
	})
	defer provider.Close()

	req, err := http.NewRequest(http.MethodPost, provider.TokenURL(), strings.NewReader(url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {"a-code-never-issued"},
		"redirect_uri":  {"https://app.test/callback"},
		"client_id":     {"my-app"},
		"client_secret": {"my-secret"},
	}.Encode()))
	if err != nil {
		log.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json") // or the answer is a form
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	var answer struct {
		Error string `json:"error"`
	}
	err = json.NewDecoder(resp.Body).Decode(&answer)
	resp.Body.Close()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.Status, answer.Error)

	// Output:
	// 200 OK bad_verification_code
}

// mustGetJSON gets target and decodes its JSON answer into v.
func mustGetJSON(target string, v any) {
	resp, err := http.Get(target)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		log.Fatal(err)
	}
}
