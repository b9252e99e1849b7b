// Package openid plugs OpenID Connect into the login of package oauth.
//
// Without it, the login asks the provider's user endpoint who logged in.
// With it, the provider's ID token says so: a statement the provider has
// signed, addressed to this client and bound to this login attempt by a
// nonce, which package oauth/oidc verifies (OpenID Connect Core §3.1.3.7).
// Where it fits in the flow that package oauth describes:
//
//   - At start-up, [Discover] reads the provider's discovery document and
//     [Provider.Configure] completes an oauth.Config with it: the
//     endpoints the Config leaves empty, iss required in authorization
//     responses when the provider promises to send it (RFC 9207), and an
//     oauth.Identifier, which makes every login attempt send a nonce
//     (step 1).
//   - Once the code is redeemed (step 4), the Identifier verifies the ID
//     token and makes the oauth.User from it; the userinfo endpoint only
//     fills in what the token leaves out.
//   - [Provider.OnLogin] keeps the ID token in the session, and
//     [Provider.OnLogout] sends the browser on to the provider's logout
//     endpoint with it, so that logging out here logs the person out of
//     the provider too (step 5). Both go in oauth.LoginOptions.
//
// To use it elsewhere, copy this folder with oauth, oauth/oidc and session.
package openid
