// Package backchannel ends a person's sessions on every instance at once:
// when the provider says that their login there ended (OpenID Connect
// Back-Channel Logout 1.0), and when they ask to "log out of all devices".
//
// It is a layer beside package oauth, which does not import it, and it
// needs a session store that is a session.Index (session.IndexedFileStore,
// or the Redis store of session/redisstore). Where it fits:
//
//   - At login, [Layer.OnLogin] (an oauth.OnLogin) files the session
//     under the person, (issuer, subject), and under the provider's
//     session, the sid of the ID token, when it has one. The store keeps
//     the index of both with the session's record.
//   - [Layer.Receive] serves POST /oauth/backchannel-logout: the provider
//     sends a signed logout token there, package oauth/oidc verifies it
//     as it verifies ID tokens, a replay cache refuses a token seen
//     before, and every session of the provider's session (by sid), or
//     else of the person (by sub), ends.
//   - [Layer.Everywhere] serves POST /logout/everywhere: every session of
//     the person who asks ends, and the browser goes to the signed-out
//     page.
//
// To use it elsewhere, copy this folder with oauth, oauth/oidc and
// session; a copy without it builds and runs without these endpoints.
package backchannel

// The paths the endpoints are meant to be mounted at. ReceivePath is what
// to register with the provider as the backchannel_logout_uri, under the
// application's address.
const (
	ReceivePath    = "/oauth/backchannel-logout"
	EverywherePath = "/logout/everywhere"
)
