package backchannel

import (
	"net/http"

	"oauthlogin/oauth"
	"oauthlogin/session"
)

// Everywhere serves POST /logout/everywhere, "log out of all devices": it
// ends every session of the logged-in person, on every instance that
// shares the store, this one included, and sends the browser to the
// signed-out page. Mount it as POST only, behind the same cross-origin
// check as the Login's Logout, so that no other site can log the person
// out, and behind the session middleware and Login.Require, which finds
// the person (a visitor without a user gets 401 there).
//
// Sessions from before the index was kept are not found: they end at
// their timeouts, or by their own logout.
func (l *Layer) Everywhere(w http.ResponseWriter, r *http.Request) {
	sess := session.FromRequest(r)
	if u, ok := oauth.UserFromRequest(r); ok {
		ended, err := l.sessions.EndSessions(r.Context(), personTerm(u.Issuer, u.Subject))
		if err != nil {
			l.logger.Error("log out everywhere", "event", "session_store_error", "ended", ended, "err", err)
			l.fail(w, r, oauth.Failure{Status: http.StatusServiceUnavailable, Title: "Logout failed",
				Message: "The server could not end your sessions. Please try again in a moment."})
			return
		}
		l.logger.Info("logout everywhere", "event", "logout_everywhere", "session", sess.LogID(), "ended", ended)
	}
	// This session too, if it was never filed; and the cookie goes.
	if err := sess.Destroy(); err != nil {
		l.logger.Error("log out everywhere: delete session", "event", "session_store_error", "err", err)
		l.fail(w, r, oauth.Failure{Status: http.StatusServiceUnavailable, Title: "Logout failed",
			Message: "The server could not end your session. Please try again in a moment."})
		return
	}
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	// As Login.Logout: this site's cache and storage, not "cookies",
	// which would clear every sibling subdomain's.
	h.Set("Clear-Site-Data", `"cache", "storage"`)
	http.Redirect(w, r, l.signedOut, http.StatusSeeOther)
}
