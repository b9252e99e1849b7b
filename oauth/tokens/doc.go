// Package tokens keeps the tokens of each login in its session, so that
// the application can act for the person at the provider (their
// repositories, calendar, projects), and refreshes the access token when it
// runs out, without ever logging anyone out by accident.
//
// It is a layer beside package oauth, which logs people in and, without
// it, drops the access token once it knows who logged in. Where it plugs
// in:
//
//   - [Keeper.OnLogin] (as oauth.LoginOptions.OnLogin) keeps the login's
//     access token, its expiry, the refresh token and the granted scope,
//     sealed, in the session.
//   - [Keeper.Current] returns a usable access token for a request,
//     refreshing it first when it expires within a margin (RFC 6749 §6).
//   - [Keeper.Guard] (around the protected pages) shows, once, the page
//     that says the login at the provider has ended, when a refresh found
//     so.
//   - [Keeper.Logout] (around the logout handler) revokes the tokens at
//     the provider once the session is gone (RFC 7009).
//   - [AskForRefreshTokens] makes the login ask for a refresh token where
//     a provider needs to be asked.
//
// # Sealed
//
// The tokens are encrypted with AES-256-GCM (seal.go) under a key derived
// from the application's secret with HKDF-SHA-256, and bound to the
// session: the additional data of the encryption is the session's binding
// (session.Session.Binding, an HMAC of its ID under a second derived key),
// so a value copied into another session does not decrypt there, and the
// ID itself is stored nowhere. They never go into the cookie, a log record
// or an error. Several keys may be given: the first seals, each opens, and
// a value opened with an older key is sealed again with the first.
//
// # One refresh at a time, everywhere
//
// Providers with refresh token rotation (GitLab, Auth0, Okta, GitHub
// Apps, oidc-provider) issue a new refresh token with each refresh and,
// when a used one comes back, revoke the whole grant: two instances that
// refresh one session at once log the person out everywhere. So:
//
//  1. Within a process, the requests of one session that need a refresh
//     at once share one: the first makes it, the others wait for its
//     outcome or, while the old access token has not expired, use that.
//  2. Across processes, a refresh is claimed: in one change of the
//     session record, which with an AtomicStore (session/redisstore, or
//     session.AtomicFileStore on a shared directory) is a compare-and-set
//     across every instance, the claim reads the refresh token and, if no
//     other instance holds a live lease, writes a lease naming itself,
//     for leaseTime.
//  3. Only the holder of the lease sends the refresh token, once. Its
//     tokens replace the old ones, and its lease is dropped, in one more
//     such change. An instance that finds a live lease uses the old
//     access token while it has not expired, and otherwise reads the
//     record again until the new tokens are there, and uses them.
//
// Why no refresh token is sent twice: a token is sent only by the holder
// of a lease written in the same atomic step that read the token as the
// current one. While the lease lives no other claim succeeds, and the
// holder replaces the token before the lease ends (the provider call and
// the save are bounded well within leaseTime). Every later claim therefore
// reads the new token. Two claims could read the same token only if the
// lease ended first, which takes a holder that stalled for longer than
// leaseTime (if it then finds newer tokens, it drops its own), or one
// whose call got no answer: a provider that was down or too slow, or a
// process that died. Then the token is sent again by the next try, as it
// must be to keep the person logged in; if the provider had in fact
// rotated it, it answers invalid_grant, which is the end the lost answer
// had made certain anyway.
//
// # When a refresh fails
//
// invalid_grant (RFC 6749 §5.2: revoked, expired or reused) ends the
// session at once on every instance; the next page visit says that the
// login at the provider has ended, with a button to log in again. So does
// a refreshed ID token that names another user than the login's (OpenID
// Connect Core §12.2; Options.CheckIDToken). A provider that is down,
// slow or broken leaves the person logged in: the page that needed the
// token says it is unavailable, and later requests try again, one second
// after the first failure and twice as long after each, up to a minute.
// The session's lifetime is the application's idle and absolute
// timeouts, never the expiry of any token.
package tokens
