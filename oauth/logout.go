package oauth

import (
	"net/http"
	"net/url"

	"oauthlogin/session"
)

// Logout ends the visitor's session: the server-side record is deleted
// first, then the cookie is expired (SECURITY-CHECKLIST #36). Mount it for
// POST only, behind a cross-origin check, so another site cannot log the
// visitor out (#37).
//
// With an OpenID Connect provider that offers a logout endpoint, the
// browser goes on there, so that the person is logged out of the provider
// too; otherwise it goes to the home page. Neither target comes from the
// request (#47).
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
	// Ask the browser to forget what this site stored, including cached
	// pages of the logged-in user.
	h.Set("Clear-Site-Data", `"cache", "cookies", "storage"`)
	target := "/"
	if l.client.cfg.EndSessionURL != "" {
		target = l.client.endSessionURL(idToken)
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// endSessionURL is the provider's logout URL (OpenID Connect RP-Initiated
// Logout 1.0 §2). The ID token tells the provider whose session to end;
// client_id lets it check the post-logout redirect URI against this
// client's registration.
func (c *Client) endSessionURL(idToken string) string {
	u, err := url.Parse(c.cfg.EndSessionURL)
	if err != nil {
		return "/"
	}
	q := u.Query()
	setIfNotEmpty(q, "id_token_hint", idToken)
	setIfNotEmpty(q, "post_logout_redirect_uri", c.cfg.PostLogoutRedirectURL)
	q.Set("client_id", c.cfg.ClientID)
	u.RawQuery = q.Encode()
	return u.String()
}
