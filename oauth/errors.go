package oauth

import (
	"errors"
	"fmt"
)

// ProviderError is an error the provider reported in the protocol's own
// terms: an error response from the token endpoint (RFC 6749 §5.2), or an
// error sent back to the redirect URI instead of a code (§4.1.2.1).
//
// Its fields come from outside. Show people at most a fixed message chosen
// by Code; log Description only escaped and shortened (see [clip]).
type ProviderError struct {
	HTTPStatus  int    // the token endpoint's HTTP status; 0 for a redirect
	Code        string // for example "invalid_grant" or "access_denied"
	Description string // error_description, free text from the provider
}

func (e *ProviderError) Error() string {
	if e.HTTPStatus != 0 {
		return fmt.Sprintf("provider error %q (HTTP %d)", clip(e.Code), e.HTTPStatus)
	}
	return fmt.Sprintf("provider error %q", clip(e.Code))
}

// A Refusal is why the login refused a callback or an ID token: a state
// that matches no login started in this browser, a parameter sent twice,
// an ID token for another client. Reason is a short, stable word that
// becomes the log record's reason, such as "state_mismatch", so that
// operators can count and alert on it; Err, when set, holds the details
// for the log. Neither ever reaches the visitor's page.
//
// An [Identifier] returns one to say why it refused a login. Find one in an
// error chain with errors.As.
type Refusal struct {
	Reason string
	Err    error
}

func (r *Refusal) Error() string {
	if r.Err == nil {
		return "refused: " + r.Reason
	}
	return "refused: " + r.Reason + ": " + r.Err.Error()
}

func (r *Refusal) Unwrap() error { return r.Err }

// The refusals of the callback and the pending-login lookup, compared
// with errors.Is. Their reasons are the log's reason values.
var (
	errMalformedQuery       = &Refusal{Reason: "malformed_query"}
	errDuplicateParam       = &Refusal{Reason: "duplicate_param"}
	errStateMissing         = &Refusal{Reason: "state_missing"}
	errStateMismatch        = &Refusal{Reason: "state_mismatch"}
	errStateExpired         = &Refusal{Reason: "state_expired"}
	errSessionCookieMissing = &Refusal{Reason: "session_cookie_missing"}
	errIssMismatch          = &Refusal{Reason: "iss_mismatch"}
	errIssMissing           = &Refusal{Reason: "iss_missing"}
	errCodeMissing          = &Refusal{Reason: "code_missing"}
)

// refusalReason is the reason of the first Refusal in err's chain, or ""
// when there is none.
func refusalReason(err error) string {
	var r *Refusal
	if errors.As(err, &r) {
		return r.Reason
	}
	return ""
}

// ErrUnexpectedResponse marks an answer from the provider that is not what
// the protocol allows: a wrong status, content type or body. Such errors
// wrap it, with a description of what was wrong.
var ErrUnexpectedResponse = errors.New("unexpected response from provider")

// maxLoggedLength is the most of any provider- or attacker-controlled text
// that goes into a log record, so that a hostile value cannot flood the
// logs.
const maxLoggedLength = 256

// clip shortens s for a log record. The JSON log handler escapes what
// remains, so a value cannot forge a record of its own.
func clip(s string) string {
	if len(s) <= maxLoggedLength {
		return s
	}
	return s[:maxLoggedLength] + "…"
}
