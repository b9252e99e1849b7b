package oauth

import (
	"context"
	"net/http"
	"strings"
	"time"

	"oauthlogin/session"
)

// The login's extension points: each is plugged in by a layer beside this
// package (the package comment names them), which a copy can leave out.

// An Identifier finds out who logged in, once the code is redeemed (step 4
// of the flow). Without one, the login asks the provider's user endpoint
// ([Client.FetchUser]).
//
// Identify returns the user tok was issued for. nonce is the value sent
// with this login's authorization request: with an Identifier set, every
// attempt sends a fresh one, so an Identifier can bind what it reads to
// the attempt (OpenID Connect Core §3.1.2.1). An error that wraps a
// *[Refusal] refuses the login and gives the log its reason; a context
// error or network timeout is shown as the provider being slow; any other
// error is a failed call to the provider. Errors must not contain tokens.
// Besides [Client.FetchProfile], Identify makes at most one call to the
// provider, which [Client.MaxCallbackTime] counts.
type Identifier interface {
	Identify(ctx context.Context, c *Client, tok *Token, nonce string) (User, error)
}

// A Limit bounds the work that visitors who are not logged in can make the
// server do: each login start may write a session record, and each
// callback looks one up (RFC 6819 §4.4.1.11).
type Limit interface {
	// Allow is asked before a login start (step is "login_start") or a
	// callback (step is "callback") does anything. It returns nil to let
	// the request go on, or the failure to show; the login then adds
	// Retry-After. Allow logs its own refusals.
	Allow(r *http.Request, step string) *Failure

	// Done says that the login attempt started at started is used up by
	// its callback, whatever the outcome, so that a bound on logins in
	// progress stops counting it.
	Done(started time.Time)
}

// OnLogin is the type of [LoginOptions.OnLogin]: it runs inside the
// session change that logs the visitor in, after the user is stored, so
// that a layer can keep what it needs later from the token response. An
// error refuses the login as a failed session save, and nothing is stored.
type OnLogin func(v *session.Values, tok *Token, u User) error

// OnLogout is the type of [LoginOptions.OnLogout]: it runs at logout with
// the session that is about to end, and returns where the browser goes
// next, or "" for the signed-out page. The URL must come from
// configuration, never from the request (RFC 9700 §4.11).
type OnLogout func(r *http.Request, sess *session.Session) string

// Admit is the type of [LoginOptions.Admit]: may the person who just
// logged in use this site? The callback asks once the user is known, after
// the [Identifier], if any, accepted tok (so tok.IDToken's claims may be
// read as verified), and before the session gets a user. An error that
// wraps a *[Denial] refuses the person: 403, [Failure.User] set. Any other
// is a failed call to the provider, and must not hold tokens. keep, if set,
// runs in the session change that logs the person in, to record what a
// layer checks again later.
type Admit func(ctx context.Context, c *Client, tok *Token, u User) (keep func(*session.Values) error, err error)

// A Denial is an [Admit]'s refusal of an account; Rules names the kinds of
// rule tried, for the log.
type Denial struct{ Rules []string }

func (d *Denial) Error() string { return "not admitted; tried " + strings.Join(d.Rules, ", ") }
