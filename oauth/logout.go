package oauth

import (
	"net/http"

	"oauthlogin/session"
)

// Logout ends the visitor's session: the server-side record is deleted
// first, then the cookie is expired (SECURITY-CHECKLIST #36). Mount it for
// POST only, behind a cross-origin check, so another site cannot log the
// visitor out (#37).
func (l *Login) Logout(w http.ResponseWriter, r *http.Request) {
	sess := session.FromRequest(r)
	logID := sess.LogID()
	if err := sess.Destroy(); err != nil {
		l.logger.Error("logout: delete session", "event", "session_store_error", "err", err)
		l.fail(w, r, failSessionStore)
		return
	}
	l.logger.Info("logout", "event", "logout", "session", logID)
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	// Ask the browser to forget what this site stored, including cached
	// pages of the logged-in user.
	h.Set("Clear-Site-Data", `"cache", "cookies", "storage"`)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
