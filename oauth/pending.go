package oauth

import (
	"cmp"
	"crypto/subtle"
	"slices"
	"time"

	"oauthlogin/session"
)

// pendingLogin is one login attempt between the redirect to the provider
// and the callback. It lives only in the server-side session: nothing of it
// travels through the browser except the state, so the verifier and the
// nonce stay secret (RFC 7636 §4.1).
type pendingLogin struct {
	State    string `json:"state"`
	Verifier string `json:"verifier,omitempty"` // PKCE code verifier (RFC 7636 §4.1)
	Nonce    string `json:"nonce,omitempty"`    // OpenID Connect nonce (Core §3.1.2.1)
	ReturnTo string `json:"return_to"`          // the local page first asked for
	Created  int64  `json:"created"`            // Unix seconds
}

const (
	pendingKey = "oauth_pending"

	// maxPending keeps a few attempts at once, so that several tabs can
	// each start a login and all finish; older ones are dropped first.
	maxPending = 5
)

// PendingLifetime is how long the provider has to send the visitor back.
// RFC 6749 §4.1.2 advises codes that live at most ten minutes, so an older
// attempt cannot succeed anyway. A session that holds only logins in
// progress lasts this long after its newest attempt began: a bound on
// logins in progress counts each start for this long (plus the time until
// expired records are swept away).
const PendingLifetime = 10 * time.Minute

// addPending records p in the session's values, dropping expired attempts
// and, past maxPending, the oldest ones, so that a script starting login
// after login cannot grow the session without bound.
//
// The session then ends when its newest attempt expires: it holds nothing
// but logins in progress, and visits that only touch it (a page that does
// not log in) must not keep it alive, or records of logins nobody
// finishes would pile up past any bound on them. A login that succeeds
// lifts the deadline.
func addPending(v *session.Values, p pendingLogin, now time.Time) error {
	var list []pendingLogin
	if _, err := v.Get(pendingKey, &list); err != nil {
		return err
	}
	list = append(slices.DeleteFunc(list, func(old pendingLogin) bool { return expired(old, now) }), p)
	if len(list) > maxPending {
		list = list[len(list)-maxPending:]
	}
	v.SetDeadline(now.Add(PendingLifetime))
	return v.Put(pendingKey, list)
}

// takePending removes the attempt whose state equals state and returns it.
// The state is single-use: once taken it cannot match again, whatever
// happens next (RFC 9700 §4.2.4).
//
// States are compared in constant time, as raw strings: no trimming, no
// case folding, so that the comparison leaks nothing of the stored state
// and accepts nothing but the very value sent (RFC 6749 §10.12).
//
// A state that matches no attempt gives errStateMismatch, and one that
// matches an attempt past PendingLifetime errStateExpired; either way v has
// changed (expired attempts are dropped) and must be saved. Any other
// error is the session's.
func takePending(v *session.Values, state string, now time.Time) (pendingLogin, error) {
	var all []pendingLogin
	if _, err := v.Get(pendingKey, &all); err != nil {
		return pendingLogin{}, err
	}
	found, kept := -1, all[:0:0]
	for i, p := range all {
		if subtle.ConstantTimeCompare([]byte(p.State), []byte(state)) == 1 {
			found = i
		} else if !expired(p, now) {
			kept = append(kept, p)
		}
	}
	if len(kept) != len(all) {
		if len(kept) == 0 {
			v.Delete(pendingKey)
		} else if err := v.Put(pendingKey, kept); err != nil {
			return pendingLogin{}, err
		}
		if len(kept) > 0 && v.Len() == 1 {
			// A record of logins in progress ends with its newest attempt
			// still waiting: one used up must not keep it alive, for a
			// bound on logins in progress has stopped counting it.
			newest := slices.MaxFunc(kept, func(a, b pendingLogin) int { return cmp.Compare(a.Created, b.Created) })
			v.SetDeadline(time.Unix(newest.Created, 0).Add(PendingLifetime))
		}
	}
	switch {
	case found < 0:
		return pendingLogin{}, errStateMismatch
	case expired(all[found], now):
		return pendingLogin{}, errStateExpired
	}
	return all[found], nil
}

func expired(p pendingLogin, now time.Time) bool {
	return now.Sub(time.Unix(p.Created, 0)) >= PendingLifetime
}
