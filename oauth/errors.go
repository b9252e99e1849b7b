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

// ErrUnexpectedResponse marks an answer from the provider that is not what
// the protocol allows: a wrong status, content type or body. Such errors
// wrap it, with a description of what was wrong.
var ErrUnexpectedResponse = errors.New("unexpected response from provider")

// maxLoggedLength is the most of any provider- or attacker-controlled text
// that goes into a log record (SECURITY-CHECKLIST #59).
const maxLoggedLength = 256

// clip shortens s for a log record. The JSON log handler escapes what
// remains, so a value cannot forge a record of its own.
func clip(s string) string {
	if len(s) <= maxLoggedLength {
		return s
	}
	return s[:maxLoggedLength] + "…"
}
