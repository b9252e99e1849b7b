package tokens

import (
	"context"
	"net/http"
	"time"

	"oauthlogin/session"
)

// revokeTimeout bounds one revocation, on top of the Client's timeout.
const revokeTimeout = 15 * time.Second

// Logout wraps the application's logout handler: once next has ended the
// session, the tokens it kept are revoked at the provider's revocation
// endpoint (RFC 7009 §2.1), in the background. Logout never waits for the
// provider, and a failed revocation is only logged: the person is logged
// out here whatever the provider says. The revocation sends the refresh
// token when there is one, which revokes the access tokens of its grant
// too (§2.1), and the access token otherwise: one call.
func (k *Keeper) Logout(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess := session.FromRequest(r)
		logID := sess.LogID()
		set, ok := k.newest(sess)
		next.ServeHTTP(w, r)
		if ok && !sess.Exists() {
			k.revokeLater(set, logID)
		}
	})
}

// newest reads the session's newest tokens: another instance may have
// refreshed them since the request loaded the session, and a spent refresh
// token would revoke nothing.
func (k *Keeper) newest(sess *session.Session) (tokenSet, bool) {
	var set tokenSet
	var ok bool
	err := sess.Update(func(v *session.Values) error {
		var err error
		_, set, _, err = k.read(v)
		ok = err == nil
		return nil
	})
	return set, ok && err == nil
}

// revokeLater revokes set at the provider in a goroutine of its own,
// bounded by revokeTimeout, if the provider has a revocation endpoint.
// [Keeper.Wait] waits for it.
func (k *Keeper) revokeLater(set tokenSet, logID string) {
	if k.revokeURL == "" {
		return
	}
	token, hint := set.Refresh, "refresh_token"
	if token == "" {
		token, hint = set.Access, "access_token"
	}
	k.revocations.Go(func() {
		ctx, cancel := context.WithTimeout(context.Background(), revokeTimeout)
		defer cancel()
		if err := revokeToken(ctx, k.client, k.revokeURL, token, hint); err != nil {
			k.logger.Warn("revoke the kept tokens", "event", "token_revocation_failed", "session", logID, "err", err)
			return
		}
		k.logger.Info("kept tokens revoked", "event", "tokens_revoked", "session", logID)
	})
}

// Wait waits until the revocations under way have ended, each within its
// bound: call it at shutdown, once the server has stopped.
func (k *Keeper) Wait() { k.revocations.Wait() }
