// Package oauthtest is an OAuth 2.0 authorization server for tests and local
// development. It plays the provider's part of the authorization code flow
// (RFC 6749 §4.1) with PKCE (RFC 7636), so an app's login can be run end to
// end without a network or a real account:
//
//  1. The app sends the browser to /authorize. The provider shows a sign-in
//     form (or, with [Config.AutoApprove], approves at once) and redirects
//     back to the app's redirect URI with a short-lived, single-use code.
//     Besides the user name, the form lets the tester choose the e-mail
//     address, say that it is not verified, and give groups, so that an
//     app's rules on who may log in can be seen refusing someone.
//  2. The app exchanges the code at /token, authenticating with its client
//     secret, and receives a bearer access token.
//  3. The app calls /user with the token and learns who signed in.
//
// The provider checks what a real one must: exact redirect URI matching,
// PKCE with S256, client authentication, code replay. It records every call
// to /token, /user and its other API endpoints for tests to inspect, and it
// can fail on purpose (see [Misbehaviour]) so that an app's error handling
// gets tested as well.
//
// It can pretend to be a particular provider ([Shape]): GitHub, with its
// form-encoded token responses, errors sent with status 200 and hidden
// e-mail addresses, or GitLab, with its user fields. And with
// [Config.OpenID] it is an OpenID Connect provider as well: a discovery
// document, ID tokens signed with RS256, PS256, ES256 or EdDSA and the
// keys to check them, a UserInfo endpoint and RP-Initiated Logout. Its ID
// tokens can be wrong on purpose too, one fault at a time, and its keys can
// be rotated ([Provider.RotateKeys]).
//
// Tests start it with [NewServer] or [NewTLSServer]. An app can also serve
// it itself in local development: [New] returns an [http.Handler] whose
// pages use only relative links, so it works under any path prefix removed
// with [http.StripPrefix]. Beside it, a test can give the provider and
// the app one [Clock] to move by hand, and read the app's log from a
// [LogBuffer].
//
// It must never stand in for a real provider anywhere else: any user name is
// accepted and no password is checked.
package oauthtest
