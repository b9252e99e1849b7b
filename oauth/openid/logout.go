package openid

import (
	"fmt"
	"net/http"
	"net/url"

	"oauthlogin/oauth"
	"oauthlogin/session"
)

// idTokenKey is where OnLogin keeps the ID token in the session: the name
// package oauth kept it under before this layer was split from it, so
// that sessions from before still log out at the provider.
const idTokenKey = "id_token"

// maxKeptIDToken is the largest ID token kept in the session for logout:
// an eighth of what a session record may hold. ID tokens are a kilobyte or
// two; a provider that packs group lists into them can send tens of
// kilobytes, enough to take the record past session.MaxRecordSize, and then
// the login could not be saved. Without the token, logout at the provider
// still works: the provider asks the person to confirm (OpenID Connect
// RP-Initiated Logout 1.0 §2).
const maxKeptIDToken = session.MaxRecordSize / 8

// OnLogin keeps the login's ID token in the session, for [Provider.OnLogout]
// to send to the provider as id_token_hint. It keeps nothing when the
// provider has no logout endpoint, and only notes in the log a token
// larger than an eighth of what a session record may hold. Pass it as
// oauth.LoginOptions.OnLogin.
func (p *Provider) OnLogin(v *session.Values, tok *oauth.Token, _ oauth.User) error {
	if p.meta.EndSessionEndpoint == "" || tok.IDToken == "" {
		return nil
	}
	if len(tok.IDToken) > maxKeptIDToken {
		p.logger.Info("ID token too large to keep for logout at the provider",
			"event", "id_token_not_kept", "size", len(tok.IDToken))
		return nil
	}
	if err := v.Put(idTokenKey, tok.IDToken); err != nil {
		return fmt.Errorf("keep the ID token for logout: %w", err)
	}
	return nil
}

// OnLogout returns the provider's logout endpoint for the session that is
// ending, so that logging out here logs the person out of the provider
// too, and the provider sends the browser back to the post-logout redirect
// URL. It returns "", the signed-out page, when the provider has no logout
// endpoint, or one that is not a URL. Pass it as
// oauth.LoginOptions.OnLogout.
func (p *Provider) OnLogout(_ *http.Request, sess *session.Session) string {
	if p.meta.EndSessionEndpoint == "" {
		return ""
	}
	var idToken string
	if _, err := sess.Get(idTokenKey, &idToken); err != nil {
		idToken = "" // unreadable: log out without the hint
	}
	return p.endSessionURL(idToken)
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
func (p *Provider) endSessionURL(idToken string) string {
	u, err := url.Parse(p.meta.EndSessionEndpoint)
	if err != nil {
		return "" // the signed-out page, then: logout must still end
	}
	q := u.Query()
	if idToken != "" {
		q.Set("id_token_hint", idToken)
	}
	if p.postLogout != "" {
		q.Set("post_logout_redirect_uri", p.postLogout)
	}
	q.Set("client_id", p.clientID)
	u.RawQuery = q.Encode()
	return u.String()
}
