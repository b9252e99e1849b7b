package oauth

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"

	"oauthlogin/oauth/oidc"
	"oauthlogin/session"
)

// Callback handles the provider's redirect back to the application
// (RFC 6749 §4.1.2): the redirect URI's handler, for GET and HEAD only.
//
// The order of the checks matters. The state is checked, and consumed,
// before anything else is believed or any call is made to the provider:
// it is what proves this browser started this login (RFC 6749 §10.12;
// SECURITY-CHECKLIST #8, #9, #54). Only then is an error answer or a code
// acted on.
func (l *Login) Callback(w http.ResponseWriter, r *http.Request) {
	// The callback URL carries the code and state: keep it out of caches
	// and out of the Referer of whatever the browser loads next
	// (RFC 9700 §4.2.4; SECURITY-CHECKLIST #15).
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")

	if !l.limit.Allow(r) {
		l.tooManyRequests(w, r, "callback")
		return
	}
	sess := session.FromRequest(r)
	// The session's log name, taken now: once the pending login is used
	// up the record may be gone, and the failures below must still name
	// the session they belong to (SECURITY-CHECKLIST #57, #58).
	logID := sess.LogID()
	params, problem := parseCallback(r.URL.RawQuery)
	if problem != "" {
		l.reject(w, r, logID, problem)
		return
	}

	now := l.now()
	var p pendingLogin
	var stateProblem stateProblem
	err := sess.Update(func(v *session.Values) error {
		var err error
		p, stateProblem, err = takePending(v, params.state, now)
		return err
	})
	if err != nil {
		l.logger.Error("callback: save session", "event", "session_store_error", "err", err)
		l.fail(w, r, failSessionStore)
		return
	}
	if stateProblem != "" {
		l.reject(w, r, logID, string(stateProblem))
		return
	}

	// RFC 9207 §2.4: when the provider names itself, it must be the one
	// this login went to, compared as plain strings; otherwise a response
	// from another provider could be mixed up with ours. A provider that
	// promises iss and leaves it out did not send this response.
	if l.client.cfg.Issuer != "" && params.iss != "" && params.iss != l.client.cfg.Issuer {
		l.reject(w, r, logID, "iss_mismatch")
		return
	}
	if l.client.cfg.RequireIss && params.iss == "" {
		l.reject(w, r, logID, "iss_missing")
		return
	}

	if params.error != "" {
		l.providerDenied(w, r, logID, params)
		return
	}
	if params.code == "" {
		l.reject(w, r, logID, "code_missing")
		return
	}

	tok, err := l.client.Exchange(r.Context(), params.code, p.Verifier)
	if err != nil {
		l.providerFailed(w, r, logID, "token exchange failed", "token_exchange_failed", err)
		return
	}
	user, err := l.client.identify(r.Context(), tok, p.Nonce)
	if err != nil {
		var verr *oidc.VerifyError
		if errors.As(err, &verr) {
			l.providerFailed(w, r, logID, "ID token refused", "id_token_invalid", err)
		} else {
			l.providerFailed(w, r, logID, "user fetch failed", "user_fetch_failed", err)
		}
		return
	}

	// Only now, with every check passed, does the session become a logged-in
	// one (SECURITY-CHECKLIST #30), and under a new ID (#33).
	err = sess.Renew(func(v *session.Values) error {
		if l.client.cfg.EndSessionURL != "" && tok.IDToken != "" {
			// Kept for logout at the provider, as its id_token_hint.
			if err := v.Put(idTokenKey, tok.IDToken); err != nil {
				return err
			}
		}
		return v.Put(userKey, user)
	})
	if err != nil {
		l.logger.Error("callback: save session", "event", "session_store_error", "err", err)
		l.fail(w, r, failSessionStore)
		return
	}
	l.logger.Info("login succeeded", "event", "login_succeeded",
		"issuer", user.Issuer, "subject", clip(user.Subject), "session", sess.LogID())
	// 303 to a clean URL takes the code and state out of the address bar
	// and the history (RFC 9700 §4.2.4). The target was checked when it
	// was stored, and is checked again here in case the checks changed.
	http.Redirect(w, r, safeReturnPath(p.ReturnTo), http.StatusSeeOther)
}

// callbackParams are the authorization response's parameters (RFC 6749
// §4.1.2, §4.1.2.1; RFC 9207 §2).
type callbackParams struct {
	state, code, error, iss string
}

// parseCallback reads the query of a callback. Each parameter may appear at
// most once, and one with an empty value counts as absent (RFC 6749 §3.1;
// SECURITY-CHECKLIST #11). The second result names the problem, if any, for
// the log.
func parseCallback(rawQuery string) (callbackParams, string) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return callbackParams{}, "malformed_query"
	}
	var p callbackParams
	for _, f := range []struct {
		name string
		dst  *string
	}{{"state", &p.state}, {"code", &p.code}, {"error", &p.error}, {"iss", &p.iss}} {
		switch values := q[f.name]; len(values) {
		case 0:
		case 1:
			*f.dst = values[0]
		default:
			return callbackParams{}, "duplicate_param"
		}
	}
	if p.state == "" {
		return callbackParams{}, "state_missing"
	}
	return p, ""
}

// reject answers a callback that cannot be trusted. The visitor sees one
// page for all such cases; the log says which it was.
func (l *Login) reject(w http.ResponseWriter, r *http.Request, logID, reason string) {
	l.logger.Warn("callback rejected", "event", "callback_rejected", "reason", reason, "session", logID)
	l.fail(w, r, failBadCallback)
}

// providerDenied answers an error response from the provider (RFC 6749
// §4.1.2.1). Its description is free text that anyone could have put in
// the URL, so it goes to the log only, shortened and escaped, and the
// page says only what the error code means.
func (l *Login) providerDenied(w http.ResponseWriter, r *http.Request, logID string, params callbackParams) {
	l.logger.Warn("callback rejected", "event", "callback_rejected",
		"reason", "provider_error", "error", clip(params.error), "session", logID)
	switch params.error {
	case "access_denied":
		l.fail(w, r, failCancelled)
	case "temporarily_unavailable", "server_error":
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
	var perr *ProviderError
	if errors.As(err, &perr) {
		attrs = append(attrs, "error", clip(perr.Code), "error_description", clip(perr.Description))
	}
	var verr *oidc.VerifyError
	if errors.As(err, &verr) {
		attrs = append(attrs, "reason", verr.Reason)
	}
	l.logger.Warn(msg, attrs...)
	var netErr *net.OpError
	switch {
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

// isTimeout reports whether err is a network timeout, such as the
// http.Client's own.
func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}
