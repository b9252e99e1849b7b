// Package access decides who may log in, once the provider has said who
// they are. Without it, everyone with an account at the provider gets a
// session: copied into an internal tool, a "Log in with GitHub" lets in
// every GitHub user in the world.
//
// [Rules] admit a person who matches at least one entry of at least one
// list that is set:
//
//   - Users: accounts by the provider's stable id (GitHub's numeric id,
//     OpenID Connect's sub), which no other account can take over later,
//     unlike a login name or an e-mail address (OpenID Connect Core §5.7).
//   - EmailDomains: an address the provider says it has verified, at a
//     domain such as example.com, or at any subdomain of one written as
//     *.example.com. Addresses are parsed strictly (addresses.go): the
//     forms that made other proxies' checks pass a@evil.com@example.com
//     never match.
//   - Groups: the person's groups, as the provider names them, compared
//     exactly.
//
// Where the e-mail addresses and groups come from is a [Source]: [Claims]
// reads OpenID Connect's claims from the verified ID token and from
// UserInfo; [GitHub] reads GitHub's API.
//
// The rules plug into package oauth in two places. [Rules.Admit] is an
// oauth.Admit: the callback asks it before the session gets a user, and a
// person it refuses gets 403, a page that names the account, and no
// session. [Rules.Require] puts the rules in front of the protected pages
// too: a session made under other rules (the app restarted with changed
// lists) is checked again from what was recorded at login, and ended if
// it no longer passes. Group memberships and addresses are facts only the
// provider can refresh, so what was recorded holds until the next login.
//
// A rule of your own needs none of this: any function of the type
// oauth.Admit will do (see the package example). To copy this folder, take
// it with oauth/ and session/; it needs nothing else.
package access
