// Package limit bounds what visitors who are not logged in can make a
// login do. Anyone can open a protected page without a session, and each
// such visit starts a login: the server writes a session record holding
// the login in progress and sends the browser to the provider. Anyone can
// also call the callback, which looks a record up. Both are cheap to ask
// for and cost the server work and disk, so without bounds one client
// could fill the session store or grind the callback (RFC 6819
// §4.4.1.11, §4.4.1.12).
//
// The package has two bounds and a value that puts them in the login:
//
//   - [RateLimit]: a token bucket per client address, for login starts and
//     callbacks alike, that reads X-Forwarded-For only from trusted
//     proxies.
//   - [PendingLimit]: a bound on logins in progress across all clients,
//     which holds however many addresses a flood comes from.
//   - [Limits]: the [oauth.Limit] that asks both, logs their refusals and
//     says what the visitor sees. Put it in [oauth.LoginOptions.Limit].
//
// The login asks [Limits.Allow] before it starts a login or handles a
// callback, and calls [Limits.Done] once a callback has used up the login
// attempt it names, so that logins people finish give their place back.
package limit
