package oauth

import (
	"net/http"

	"oauthlogin/session"
)

// Logout ends the visitor's session: the server-side record is deleted
// first, then the cookie is expired, so a copy of the cookie names nothing
// (OWASP Session Management Cheat Sheet, "Session Expiration"). Mount it
// for POST only, behind a cross-origin check, so another site cannot log
// the visitor out.
//
// The browser goes on to the signed-out page ([Login.SignedOut]), or where
// [LoginOptions.OnLogout] says: with OpenID Connect, the provider's logout
// endpoint (package oauth/openid), which sends it back. Never to a
// protected page: that would start a new login at once, and a
// provider that remembers the person would log them straight back in. No
// target comes from the request, so logout cannot be made to redirect
// anywhere else (open redirects: RFC 9700 §4.11).
func (l *Login) Logout(w http.ResponseWriter, r *http.Request) {
	sess := session.FromRequest(r)
	logID := sess.LogID()
	target := l.signedOutPath
	if l.onLogout != nil {
		if u := l.onLogout(r, sess); u != "" {
			target = u
		}
	}
	if err := sess.Destroy(); err != nil {
		l.logger.Error("logout: delete session", "event", "session_store_error", "err", err)
		l.fail(w, r, failSessionStore)
		return
	}
	l.logger.Info("logout", "event", "logout", "session", logID)
	w.Header().Set("Cache-Control", "no-store")
	// Ask the browser to forget this site's cached pages and storage. Not
	// "cookies": that clears the cookies of the whole registrable domain,
	// so logging out of app.example.com would log the person out of every
	// other *.example.com site. The session cookie is expired by name.
	w.Header().Set("Clear-Site-Data", `"cache", "storage"`)
	http.Redirect(w, r, target, http.StatusSeeOther)
}
