package oidc_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"oauthlogin/oauth/oidc"
)

func ExampleDiscover() {
	provider := newExampleProvider() // stands in for https://accounts.example.com
	defer provider.Close()

	client := &http.Client{Timeout: 10 * time.Second}
	metadata, err := oidc.Discover(context.Background(), client, provider.URL)
	if err != nil {
		log.Fatal(err) // a misconfigured issuer: better found at startup
	}
	fmt.Println(strings.TrimPrefix(metadata.AuthorizationEndpoint, provider.URL))
	fmt.Println(strings.TrimPrefix(metadata.JWKSURI, provider.URL))
	// Output:
	// /authorize
	// /jwks
}

func ExampleVerifier_Verify() {
	provider := newExampleProvider()
	defer provider.Close()
	ctx := context.Background()
	client := &http.Client{Timeout: 10 * time.Second}

	// Once, at startup.
	metadata, err := oidc.Discover(ctx, client, provider.URL)
	if err != nil {
		log.Fatal(err)
	}
	keys := oidc.NewKeySet(client, metadata.JWKSURI, time.Now)
	verifier := oidc.NewVerifier(keys, oidc.Config{
		Issuer:   metadata.Issuer,
		ClientID: "example-client",
	})

	// In the callback, once the token exchange has returned an id_token:
	// the nonce is the one this login sent in its authentication request
	// and kept in the session.
	nonce := "n-0S6_WzA2Mj"
	rawIDToken := provider.idToken("example-client", "alice", nonce)

	claims, err := verifier.Verify(ctx, rawIDToken, nonce)
	if err != nil {
		var refused *oidc.VerifyError
		if errors.As(err, &refused) {
			log.Printf("login refused: %s", refused.Reason)
		}
		return
	}
	fmt.Println(claims.Subject, claims.EmailVerified)

	// A token for another client is refused.
	_, err = verifier.Verify(ctx, provider.idToken("other-client", "alice", nonce), nonce)
	var refused *oidc.VerifyError
	if errors.As(err, &refused) {
		fmt.Println(refused.Reason)
	}
	// Output:
	// alice true
	// aud_mismatch
}

// exampleProvider is a minimal OpenID provider for the examples: it serves
// a discovery document and a JWKS, and signs ID tokens with Ed25519.
type exampleProvider struct {
	*httptest.Server
	key ed25519.PrivateKey
}

func newExampleProvider() *exampleProvider {
	public, private, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	p := &exampleProvider{key: private}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		issuer := "http://" + r.Host
		writeJSON(w, map[string]any{
			"issuer":                 issuer,
			"authorization_endpoint": issuer + "/authorize",
			"token_endpoint":         issuer + "/token",
			"jwks_uri":               issuer + "/jwks",
		})
	})
	mux.HandleFunc("/jwks", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"keys": []any{map[string]any{
			"kty": "OKP", "crv": "Ed25519", "kid": "key-1", "use": "sig",
			"x": base64.RawURLEncoding.EncodeToString(public),
		}}})
	})
	p.Server = httptest.NewServer(mux)
	return p
}

// idToken returns an ID token issued now by the provider.
func (p *exampleProvider) idToken(audience, subject, nonce string) string {
	now := time.Now().Unix()
	header := map[string]any{"alg": "EdDSA", "kid": "key-1", "typ": "JWT"}
	claims := map[string]any{
		"iss": p.URL, "aud": audience, "sub": subject, "nonce": nonce,
		"iat": now, "exp": now + 300, "email_verified": true,
	}
	input := encode(header) + "." + encode(claims)
	return input + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(p.key, []byte(input)))
}

func encode(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		log.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(data)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(v); err != nil {
		log.Print(err)
	}
}
