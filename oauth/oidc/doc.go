// Package oidc verifies OpenID Connect ID tokens, with nothing but the Go
// standard library. It imports nothing else of this project; main.go shows
// how to plug its [Verifier] into package oauth.
//
// An ID token is the provider's signed statement of who logged in: a JSON
// Web Token (RFC 7519) in JWS compact serialization (RFC 7515). In the login
// flow the oauth package exchanges the authorization code for tokens; the
// token response carries an id_token, and the callback hands it to
// [Verifier.Verify] before it trusts any identity in it. Only the claims
// that Verify returns are facts about the user; everything else in the
// token response is a claim someone made.
//
// The pieces, in the order an application uses them:
//
//   - [Discover] reads the provider's metadata once, at startup
//     (OpenID Connect Discovery 1.0), and checks that it describes the
//     issuer the application was configured with (discovery.go).
//   - [KeySet] fetches the provider's public signing keys from its
//     jwks_uri (RFC 7517) and caches them, refetching when the provider
//     rotates them (jwks.go). Fetches run apart from the requests that
//     need them, with a timeout of their own. While the provider cannot
//     be reached, the keys fetched last are used for up to a day.
//   - [Verifier] checks a token: its form (jws.go), its signature with a
//     key from the key set (algorithms.go), and its claims as OpenID
//     Connect Core 1.0 §3.1.3.7 requires (verify.go, claims.go). A refused
//     token comes back as a [VerifyError] with a short reason for logs
//     (errors.go).
//
// What it deliberately leaves out, because each is a door for an attacker
// that an ordinary login does not need:
//
//   - Signatures with a shared secret (HS256 and friends). The secret
//     would be the client secret, and accepting HMAC at all is what makes
//     the classic algorithm-confusion attack possible.
//   - Keys that a token brings with it (the jku, x5u, jwk and x5c header
//     parameters). A key is trusted only when it comes from the provider's
//     JWKS, fetched over https.
//   - Encrypted ID tokens (JWE), the JWS JSON serialization, critical
//     header extensions, and algorithms other than RS256, PS256, ES256
//     and EdDSA.
package oidc
