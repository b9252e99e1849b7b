package metrics

import (
	"context"
	"log/slog"
)

// loginEvents are the values of the event attribute that the login, its
// layers and the session package log. The log is their one definition;
// a test checks that this list still names every one.
func loginEvents() []string {
	return []string{
		// package oauth: the way out, the way back, logout
		"login_started", "login_succeeded", "callback_rejected",
		"token_exchange_failed", "identity_refused", "user_fetch_failed", "logout",
		"session_store_error", "session_record_too_large",
		// package oauth and oauth/access: who may log in
		"login_denied", "admission_failed", "session_denied", "groups_over_bound", "provider_api_failed",
		// oauth/openid, oauth/limit
		"id_token_not_kept", "rate_limited", "pending_limited",
		// oauth/tokens: refreshes, and the login at the provider ending
		"tokens_refreshed", "token_refresh_failed", "token_refresh_unsaved", "token_refresh_superseded",
		"tokens_unreadable", "id_token_unchecked", "provider_login_ended", "tokens_revoked",
		"token_revocation_failed",
		// oauth/backchannel: logouts the provider sends, and of all devices
		"backchannel_logout", "backchannel_logout_refused", "backchannel_logout_failed", "logout_everywhere",
		// package session
		"session_expired", "session_corrupt", "session_cookie_malformed",
	}
}

// loginReasons are the values of the reason attribute logged beside an
// event, and "" for an event logged without one.
func loginReasons() []string {
	return []string{
		"",
		// package oauth's refusals of a callback
		"malformed_query", "duplicate_param", "state_missing", "state_mismatch", "state_expired",
		"session_cookie_missing", "iss_mismatch", "iss_missing", "code_missing", "provider_error",
		// oauth/openid and oauth/oidc: why an ID token was refused
		"missing_id_token", "malformed", "unsupported_alg", "unknown_kid", "bad_signature",
		"aud_mismatch", "azp_mismatch", "expired", "not_yet_valid", "iat_invalid",
		"nonce_mismatch", "missing_sub", "keys_unavailable", "id_token_subject_changed",
		// oauth/oidc and oauth/backchannel: why a logout token was refused
		"not_logout_token", "missing_jti", "missing_sub_sid", "replayed",
		// oauth/tokens: why the login at the provider ended
		"refresh_token_refused", "id_token_refused",
		// package session: why a session ended
		"absolute", "idle", "deadline",
	}
}

// logCounter is the slog.Handler of [Metrics.LogHandler]. It counts a
// record by the event and reason attributes given with the record itself
// or with Logger.With; attributes inside a group are someone else's, and
// are not looked at.
type logCounter struct {
	next   slog.Handler
	events *Counter

	event, reason string // given with Logger.With, before any group
	grouped       bool   // a group is open: later attributes are inside it
}

// Enabled reports true at every level: a record must be built to be
// counted, even when the handler it goes on to does not want it.
func (h *logCounter) Enabled(context.Context, slog.Level) bool { return true }

// Handle counts r if it carries an event, then hands it on if the next
// handler takes its level.
func (h *logCounter) Handle(ctx context.Context, r slog.Record) error {
	event, reason := h.event, h.reason
	if !h.grouped {
		r.Attrs(func(a slog.Attr) bool {
			event, reason = eventAttr(a, event, reason)
			return true
		})
	}
	if event != "" {
		h.events.Inc(event, reason)
	}
	if !h.next.Enabled(ctx, r.Level) {
		return nil
	}
	return h.next.Handle(ctx, r)
}

// eventAttr returns event and reason updated by a, if a is one of them.
func eventAttr(a slog.Attr, event, reason string) (string, string) {
	if a.Value.Kind() != slog.KindString {
		return event, reason
	}
	switch a.Key {
	case "event":
		event = a.Value.String()
	case "reason":
		reason = a.Value.String()
	}
	return event, reason
}

func (h *logCounter) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	c.next = h.next.WithAttrs(attrs)
	if !c.grouped {
		for _, a := range attrs {
			c.event, c.reason = eventAttr(a, c.event, c.reason)
		}
	}
	return &c
}

func (h *logCounter) WithGroup(name string) slog.Handler {
	if name == "" {
		return h // as slog does: an empty group is no group
	}
	c := *h
	c.next = h.next.WithGroup(name)
	c.grouped = true
	return &c
}
