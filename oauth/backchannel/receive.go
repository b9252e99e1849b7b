package backchannel

import (
	"encoding/json"
	"errors"
	"net/http"

	"oauthlogin/oauth/oidc"
)

// maxLogoutRequest bounds the body of a back-channel logout request: one
// form field holding a token of a kilobyte or two.
const maxLogoutRequest = 16 << 10

// Receive serves POST /oauth/backchannel-logout, where the provider sends
// a logout token when a login there ends (OpenID Connect Back-Channel
// Logout 1.0 §2.5): a form with one field, logout_token. It verifies the
// token (§2.6, with the ID token machinery of oauth/oidc), refuses one
// whose jti it has seen (§2.6 step 7), and ends every session filed under
// the token's sid, or, without sid, under its sub, on every instance that
// shares the store.
//
// It answers 200 with Cache-Control: no-store, or 400 with a JSON error
// for a request or token it refuses, or when the sessions could not be
// ended (§2.8). Mount it outside the cross-origin check that guards the
// browser's POSTs, and without the session middleware: the provider
// calls it, not a browser, and has neither an Origin nor a cookie here.
func (l *Layer) Receive(w http.ResponseWriter, r *http.Request) {
	// §2.8: the response must not be cached.
	w.Header().Set("Cache-Control", "no-store")
	r.Body = http.MaxBytesReader(w, r.Body, maxLogoutRequest)
	if err := r.ParseForm(); err != nil {
		l.refuse(w, "request_unreadable", "the request is not a form of at most 16 KiB")
		return
	}
	tokens := r.PostForm["logout_token"]
	if len(tokens) != 1 || tokens[0] == "" {
		l.refuse(w, "no_logout_token", "the form must hold one logout_token")
		return
	}
	if l.verify == nil {
		l.refuse(w, "not_configured", "back-channel logout is not set up here")
		return
	}
	claims, err := l.verify(r.Context(), tokens[0])
	if err != nil {
		reason := "invalid"
		var ve *oidc.VerifyError
		if errors.As(err, &ve) {
			reason = ve.Reason
		}
		l.logger.Warn("logout token refused", "event", "backchannel_logout_refused", "reason", reason, "err", err)
		l.refuse(w, reason, "the logout token was refused: "+reason)
		return
	}
	// §2.6 step 7: a token is used once. Recorded before anything ends,
	// so that two copies arriving at two instances at once end nothing
	// twice, and one replayed later cannot end a newer login.
	first, err := l.replay.FirstUse(r.Context(), claims.Issuer+" "+claims.JWTID, claims.NotAfter)
	if err != nil {
		l.logger.Error("logout token replay cache", "event", "backchannel_logout_failed", "err", err)
		l.refuse(w, "replay_cache_failed", "the logout could not be recorded; send it again")
		return
	}
	if !first {
		l.logger.Warn("logout token refused", "event", "backchannel_logout_refused", "reason", "replayed")
		l.refuse(w, "replayed", "the logout token was used already")
		return
	}
	// §2.7: with sid, the sessions of that login at the provider; with sub
	// only, all of the person's.
	term, by := personTerm(claims.Issuer, claims.Subject), "sub"
	if claims.SessionID != "" {
		term, by = providerSessionTerm(claims.Issuer, claims.SessionID), "sid"
	}
	ended, err := l.sessions.EndSessions(r.Context(), term)
	if err != nil {
		l.logger.Error("end sessions for a logout token", "event", "backchannel_logout_failed", "ended", ended, "err", err)
		l.refuse(w, "sessions_not_ended", "the sessions could not be ended")
		return
	}
	l.logger.Info("back-channel logout", "event", "backchannel_logout", "by", by, "ended", ended)
	w.WriteHeader(http.StatusOK)
}

// refuse answers 400 with an OAuth-style JSON error (§2.8 allows an
// error and error_description in the body). reason is logged by the
// caller; description never holds the token.
func (l *Layer) refuse(w http.ResponseWriter, reason, description string) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	json.NewEncoder(w).Encode(map[string]string{
		"error": "invalid_request", "error_description": description, "reason": reason,
	})
}
