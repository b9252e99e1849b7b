package oauth

import "context"

// IDTokenVerifier checks an OpenID Connect ID token (OpenID Connect Core
// §3.1.3.7) for [Config.IDTokens]. This package verifies nothing itself:
// package oauth/oidc holds a verifier, and main.go shows how to plug it in
// with [IDTokenVerifierFunc].
//
// VerifyIDToken must return claims only for a token that is signed by the
// provider, issued by the configured issuer to this client, not expired,
// and, when nonce is not empty, carrying that nonce: the login trusts the
// claims as they come. Any error refuses the login. An error that wraps a
// *[Refusal] gives the log its reason, such as "nonce_mismatch"; a
// context error or a network timeout in the chain is shown to the visitor
// as the provider being slow. Errors must not contain the raw token.
type IDTokenVerifier interface {
	VerifyIDToken(ctx context.Context, rawIDToken, nonce string) (IDClaims, error)
}

// IDTokenVerifierFunc adapts a function to [IDTokenVerifier], as
// http.HandlerFunc adapts one to http.Handler.
type IDTokenVerifierFunc func(ctx context.Context, rawIDToken, nonce string) (IDClaims, error)

// VerifyIDToken calls f.
func (f IDTokenVerifierFunc) VerifyIDToken(ctx context.Context, rawIDToken, nonce string) (IDClaims, error) {
	return f(ctx, rawIDToken, nonce)
}

// IDClaims are what the login needs from a verified ID token (OpenID
// Connect Core §2 and §5.1).
//
// Issuer and Subject identify the user; the profile claims are for
// display and may change. Email counts only when EmailVerified is true: an
// address the provider has not verified is whatever the user typed.
type IDClaims struct {
	Issuer            string // iss
	Subject           string // sub
	PreferredUsername string // preferred_username
	Name              string // name
	Email             string // email
	EmailVerified     bool   // email_verified
}
