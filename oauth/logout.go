package oauth

import (
	"net/http"
	"net/url"

	"oauthlogin/session"
)

// Logout ends the visitor's session: the server-side record is deleted
// first, then the cookie is expired, so a copy of the cookie names nothing
// (OWASP Session Management Cheat Sheet, "Session Expiration"). Mount it
// for POST only, behind a cross-origin check, so another site cannot log
// the visitor out.
//
// With an OpenID Connect provider that offers a logout endpoint, the
// browser goes on there, so that the person is logged out of the provider
// too, and the provider sends it back to the post-logout redirect URL;
// otherwise it goes straight to the signed-out page ([Login.SignedOut]).
// Never to a protected page: that would start a new login at once, and a
// provider that remembers the person would log them straight back in. No
// target comes from the request, so logout cannot be made to redirect
// anywhere else (open redirects: RFC 9700 §4.11).
func (l *Login) Logout(w http.ResponseWriter, r *http.Request) {
	sess := session.FromRequest(r)
	logID := sess.LogID()
	var idToken string
	if _, err := sess.Get(idTokenKey, &idToken); err != nil {
		idToken = ""
	}
	if err := sess.Destroy(); err != nil {
		l.logger.Error("logout: delete session", "event", "session_store_error", "err", err)
		l.fail(w, r, failSessionStore)
		return
	}
	l.logger.Info("logout", "event", "logout", "session", logID)
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	// Ask the browser to forget this site's cached pages and storage. Not
	// "cookies": that clears the cookies of the whole registrable domain,
	// so logging out of app.example.com would log the person out of every
	// other *.example.com site. The session cookie is expired by name.
	h.Set("Clear-Site-Data", `"cache", "storage"`)
	target := l.signedOutPath
	if l.client.logsOutAtProvider() {
		if u := l.client.endSessionURL(idToken); u != "" {
			target = u
		}
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// endSessionURL is the provider's logout URL (OpenID Connect RP-Initiated
// Logout 1.0 §2). The ID token tells the provider whose session to end;
// client_id lets it check the post-logout redirect URI against this
// client's registration.
//
// This is the one place a token goes into a URL, where browser history
// and the provider's logs may keep it. The specification puts it there,
// and it is an ID token, not an access token: it grants no access to any
// API and goes only to the provider that issued it. Without it the
// provider asks the person to confirm the logout.
func (c *Client) endSessionURL(idToken string) string {
	u, err := url.Parse(c.cfg.EndSessionURL)
	if err != nil {
		return "" // the signed-out page, then: logout must still end
	}
	q := u.Query()
	setIfNotEmpty(q, "id_token_hint", idToken)
	setIfNotEmpty(q, "post_logout_redirect_uri", c.cfg.PostLogoutRedirectURL)
	q.Set("client_id", c.cfg.ClientID)
	u.RawQuery = q.Encode()
	return u.String()
}
