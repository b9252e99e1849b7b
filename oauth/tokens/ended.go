package tokens

import (
	"net/http"
	"time"

	"oauthlogin/session"
)

// endedKey marks the session that [Keeper.end] leaves behind: anonymous,
// holding only the news that the login ended, for Guard to show once.
const endedKey = "provider_login_ended"

// endedNoticeLifetime is how long that session waits for its next visit.
const endedNoticeLifetime = 10 * time.Minute

// end ends the session whose login the provider no longer stands behind:
// its refresh token was refused, or a refreshed ID token named someone
// else. The record goes everywhere at once (Destroy), and the browser gets
// a new, anonymous session that says so, so that its next page visit
// explains, rather than starting a login that the person did not ask for.
func (k *Keeper) end(sess *session.Session, reason string, cause error) {
	k.logger.Warn("the login at the provider has ended", "event", "provider_login_ended", "reason", reason,
		"session", sess.LogID(), "err", cause)
	if err := sess.Destroy(); err != nil {
		k.logger.Error("end session: delete", "event", "session_store_error", "err", err)
		return
	}
	now := k.now()
	err := sess.Update(func(v *session.Values) error {
		v.SetDeadline(now.Add(endedNoticeLifetime))
		return v.Put(endedKey, true)
	})
	if err != nil {
		k.logger.Error("end session: keep the notice", "event", "session_store_error", "err", err)
	}
}

// Guard serves ended, once, in place of next, to a visitor whose login at
// the provider has ended, and removes the news, so that the page's "Log in
// again" starts an ordinary login: no loop, whatever the provider does.
// Put it between the session middleware and the login's Require, around
// the pages that Require protects. Any other visitor costs one lookup in
// the session's values.
func (k *Keeper) Guard(next, ended http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess := session.FromRequest(r)
		var notice bool
		if found, _ := sess.Get(endedKey, &notice); !found {
			next.ServeHTTP(w, r)
			return
		}
		if err := sess.Update(func(v *session.Values) error { v.Delete(endedKey); return nil }); err != nil {
			k.logger.Error("remove the ended-login notice", "event", "session_store_error", "err", err)
		}
		w.Header().Set("Cache-Control", "no-store")
		ended.ServeHTTP(w, r)
	})
}
