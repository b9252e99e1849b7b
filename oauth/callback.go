package oauth

import (
	"cmp"
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"time"

	"oauthlogin/session"
)

// Callback handles the provider's redirect back to the application
// (RFC 6749 §4.1.2): the redirect URI's handler, for GET and HEAD only.
//
// The order of the checks matters. The state is checked, and consumed,
// before anything else is believed or any call is made to the provider:
// it is what proves this browser started this login (RFC 6749 §10.12).
// Only then is an error answer or a code acted on.
func (l *Login) Callback(w http.ResponseWriter, r *http.Request) {
	// The callback URL carries the code and state: keep it out of caches
	// and out of the Referer of whatever the browser loads next
	// (RFC 9700 §4.2.4).
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")

	if !l.allow(w, r, "callback") {
		return
	}
	sess := session.FromRequest(r)
	// The session's log name, taken now: once the pending login is used
	// up the record may be gone, and the failures below must still name
	// the session they belong to.
	logID := sess.LogID()
	params, err := parseCallback(r.URL.RawQuery)
	if err != nil {
		l.reject(w, r, logID, err)
		return
	}
	p, err := l.usePending(sess, params.state)
	var refusal *Refusal
	if errors.As(err, &refusal) {
		l.reject(w, r, logID, err)
		return
	}
	if err != nil {
		l.sessionStoreFailed(w, r, err)
		return
	}
	l.done(time.Unix(p.Created, 0))
	if err := l.client.checkIss(params.iss); err != nil {
		l.reject(w, r, logID, err)
		return
	}

	if params.error != "" {
		l.providerDenied(w, r, logID, params)
		return
	}
	if params.code == "" {
		l.reject(w, r, logID, errCodeMissing)
		return
	}

	tok, err := l.client.Exchange(r.Context(), params.code, p.Verifier)
	if err != nil {
		l.providerFailed(w, r, logID, "token exchange failed", "token_exchange_failed", err)
		return
	}
	user, err := l.client.identify(r.Context(), tok, p.Nonce)
	if err != nil {
		msg, event := "user fetch failed", "user_fetch_failed"
		if errors.As(err, &refusal) {
			msg, event = "identity refused", "identity_refused"
		}
		l.providerFailed(w, r, logID, msg, event, err)
		return
	}
	var keep func(*session.Values) error
	if l.admit != nil {
		keep, err = l.admit(r.Context(), l.client, tok, user)
	}
	var denial *Denial
	if errors.As(err, &denial) {
		l.deny(w, r, logID, user, denial)
		return
	}
	if err != nil {
		l.providerFailed(w, r, logID, "admission check failed", "admission_failed", err)
		return
	}

	// Only now, with every check passed, does the session become a
	// logged-in one, and under a new ID, so that an ID planted or seen
	// before the login is worth nothing after it (session fixation).
	err = sess.Renew(func(v *session.Values) error {
		v.SetDeadline(time.Time{}) // a logged-in session lasts its timeouts
		err := v.Put(userKey, user)
		if err == nil && keep != nil {
			err = keep(v)
		}
		if err == nil && l.onLogin != nil {
			err = l.onLogin(v, tok, user)
		}
		return err
	})
	if err != nil {
		l.sessionStoreFailed(w, r, err)
		return
	}
	l.logger.Info("login succeeded", "event", "login_succeeded",
		"issuer", user.Issuer, "subject", clip(user.Subject), "session", sess.LogID())
	// 303 to a clean URL takes the code and state out of the address bar
	// and the history (RFC 9700 §4.2.4). The target was checked when it
	// was stored, and is checked again here in case the checks changed.
	http.Redirect(w, r, safeReturnPath(p.ReturnTo), http.StatusSeeOther)
}

// usePending finds and consumes the pending login that state names,
// with takePending, in one change of the session.
//
// A callback from a browser that sent no session cookie at all is told
// apart from one whose cookie or state matches nothing: the first is most
// often a browser that refuses the cookie, or a login started in another
// browser, which the visitor can do something about; the second is a
// stale or forged link, or a session that has ended.
func (l *Login) usePending(sess *session.Session, state string) (pendingLogin, error) {
	if !sess.CookieSent() {
		return pendingLogin{}, errSessionCookieMissing
	}
	if !sess.Exists() {
		return pendingLogin{}, errStateMismatch
	}
	var p pendingLogin
	var refused error
	err := sess.UpdateEphemeral(func(v *session.Values) (err error) {
		p, err = takePending(v, state, l.now())
		if errors.Is(err, errStateMismatch) || errors.Is(err, errStateExpired) {
			// A refusal still drops the attempts that have expired: save.
			refused, err = err, nil
		}
		return err
	})
	return p, cmp.Or(err, refused)
}

// checkIss checks the iss parameter of an authorization response
// (RFC 9207 §2.4). When the provider names itself, it must be the one this
// login went to, compared as plain strings; otherwise a response from
// another provider could be mixed up with ours. A provider that promises
// iss and leaves it out did not send this response.
func (c *Client) checkIss(iss string) error {
	if c.cfg.Issuer != "" && iss != "" && iss != c.cfg.Issuer {
		return errIssMismatch
	}
	if c.cfg.RequireIss && iss == "" {
		return errIssMissing
	}
	return nil
}

// sessionStoreFailed answers a callback whose session could not be read
// or saved. A record too large to save is the provider's doing (a profile
// or tokens larger than any session can hold), not an outage: the visitor
// is told so, rather than sent round the login again.
func (l *Login) sessionStoreFailed(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, session.ErrRecordTooLarge) {
		l.logger.Error("callback: the login is too large to keep in the session", "event", "session_record_too_large", "err", err)
		l.fail(w, r, failLoginTooLarge)
		return
	}
	l.logger.Error("callback: save session", "event", "session_store_error", "err", err)
	l.fail(w, r, failSessionStore)
}

// callbackParams are the authorization response's parameters (RFC 6749
// §4.1.2, §4.1.2.1; RFC 9207 §2).
type callbackParams struct {
	state, code, error, iss string
}

// parseCallback reads the query of a callback. Each parameter may appear at
// most once, and one with an empty value counts as absent (RFC 6749 §3.1),
// so that two conflicting values cannot be read differently by two
// checks. Its errors are *Refusal.
func parseCallback(rawQuery string) (callbackParams, error) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return callbackParams{}, errMalformedQuery
	}
	var p callbackParams
	for name, dst := range map[string]*string{"state": &p.state, "code": &p.code, "error": &p.error, "iss": &p.iss} {
		if len(q[name]) > 1 {
			return callbackParams{}, errDuplicateParam
		}
		*dst = q.Get(name)
	}
	if p.state == "" {
		return callbackParams{}, errStateMissing
	}
	return p, nil
}

// reject answers a callback that cannot be trusted; err is a *Refusal.
// The visitor sees one page for all such cases but one, a callback
// without a session, which has a page of its own that says what to check;
// the log says which it was.
func (l *Login) reject(w http.ResponseWriter, r *http.Request, logID string, err error) {
	l.logger.Warn("callback rejected", "event", "callback_rejected", "reason", refusalReason(err), "session", logID)
	if errors.Is(err, errSessionCookieMissing) {
		l.fail(w, r, failNoSessionCookie)
		return
	}
	l.fail(w, r, failBadCallback)
}

// deny answers a person the Admit refused: the session gets no user, the
// page names the account the provider logged in, so that they can give its
// id to the site's owner or log in as someone else, and the log names it
// by issuer and subject, never with a token.
func (l *Login) deny(w http.ResponseWriter, r *http.Request, logID string, u User, d *Denial) {
	l.logger.Warn("login denied", "event", "login_denied", "issuer", clip(u.Issuer), "subject", clip(u.Subject),
		"rules", d.Rules, "session", logID)
	f := failNotAdmitted
	f.User = &u
	l.fail(w, r, f)
}

// providerDenied answers an error response from the provider (RFC 6749
// §4.1.2.1). Its description is free text that anyone could have put in
// the URL, so it goes to the log only, shortened and escaped, and the
// page says only what the error code means.
func (l *Login) providerDenied(w http.ResponseWriter, r *http.Request, logID string, params callbackParams) {
	attrs := []any{"event", "callback_rejected", "reason", "provider_error", "error", clip(params.error), "session", logID}
	check, misconfigured := misconfiguration[params.error]
	if misconfigured {
		attrs = append(attrs, "check", check)
	}
	l.logger.Warn("callback rejected", attrs...)
	switch {
	case misconfigured:
		l.fail(w, r, failMisconfigured)
	case params.error == "access_denied":
		l.fail(w, r, failCancelled)
	case params.error == "temporarily_unavailable" || params.error == "server_error":
		l.fail(w, r, failProviderUnavailable)
	default:
		l.fail(w, r, failProviderRefused)
	}
}

// providerFailed answers a failed call to the provider. The visitor is
// still anonymous and the pending login is already used up, so trying
// again means starting a new login.
func (l *Login) providerFailed(w http.ResponseWriter, r *http.Request, logID, msg, event string, err error) {
	attrs := []any{"event", event, "session", logID, "err", err}
	if reason := refusalReason(err); reason != "" {
		attrs = append(attrs, "reason", reason)
	}
	var perr *ProviderError
	misconfigured := false
	if errors.As(err, &perr) {
		attrs = append(attrs, "error", clip(perr.Code), "error_description", clip(perr.Description))
		var check string
		if check, misconfigured = misconfiguration[perr.Code]; misconfigured {
			attrs = append(attrs, "check", check)
		}
	}
	l.logger.Warn(msg, attrs...)
	var netErr *net.OpError
	switch {
	case misconfigured:
		l.fail(w, r, failMisconfigured)
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		l.fail(w, r, failProviderTimeout)
	case errors.As(err, &netErr):
		l.fail(w, r, failProviderUnreachable)
	case perr != nil:
		l.fail(w, r, failProviderRefused)
	default:
		l.fail(w, r, failProviderBroken)
	}
}

// misconfiguration maps the provider's error codes that mean this site's
// registration or settings are wrong, not the visitor's login, to what the
// operator should check (RFC 6749 §4.1.2.1 and §5.2). Trying again cannot
// help with these, so the visitor is not asked to. invalid_grant is not
// among them: it is most often a code that expired or was used already.
// redirect_uri_mismatch is GitHub's own code for an unregistered callback.
var misconfiguration = map[string]string{
	"invalid_client":            "the client ID and secret (CLIENT_ID, CLIENT_SECRET) and how they are sent (CLIENT_AUTH_METHOD)",
	"unauthorized_client":       "that the client is allowed the authorization code grant at the provider",
	"unsupported_grant_type":    "that the client is allowed the authorization code grant at the provider",
	"unsupported_response_type": "that the client is allowed the authorization code grant at the provider",
	"invalid_scope":             "the scope asked for (SCOPE)",
	"redirect_uri_mismatch":     "that REDIRECT_URL is registered with the provider, exactly",
}

// isTimeout reports whether err is a network timeout, such as the
// http.Client's own.
func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}
