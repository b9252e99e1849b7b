package oidc

import (
	"fmt"
	"strconv"
)

// The reasons a token is refused: the values of [VerifyError.Reason]. They
// are stable, so logs and metrics can count them.
const (
	ReasonMalformed       = "malformed"        // not a well-formed JWS and JWT, or a forbidden header
	ReasonUnsupportedAlg  = "unsupported_alg"  // an algorithm we refuse, or one the key does not allow
	ReasonUnknownKID      = "unknown_kid"      // no single key in the provider's key set matches
	ReasonBadSignature    = "bad_signature"    // the signature does not verify
	ReasonIssMismatch     = "iss_mismatch"     // issued by someone other than the configured issuer
	ReasonAudMismatch     = "aud_mismatch"     // not issued for this client
	ReasonAzpMismatch     = "azp_mismatch"     // issued to another party of a shared audience
	ReasonExpired         = "expired"          // past its exp, or without one
	ReasonNotYetValid     = "not_yet_valid"    // before its nbf
	ReasonIATInvalid      = "iat_invalid"      // iat missing, in the future, or too long ago
	ReasonNonceMismatch   = "nonce_mismatch"   // not the answer to our authentication request
	ReasonMissingSub      = "missing_sub"      // says nothing about who logged in
	ReasonKeysUnavailable = "keys_unavailable" // the provider's keys could not be fetched
)

// VerifyError says why a token was refused. Reason is one of the Reason
// constants, short and stable, for logs and for branching; Err tells the
// details.
//
// Neither ever contains the raw token: it is a bearer credential, and a
// log line is no place for one. Values taken from the token, such as an
// unexpected issuer, appear quoted and shortened.
type VerifyError struct {
	Reason string
	Err    error
}

func (e *VerifyError) Error() string {
	if e.Err == nil {
		return "oidc: id token refused: " + e.Reason
	}
	return "oidc: id token refused: " + e.Reason + ": " + e.Err.Error()
}

func (e *VerifyError) Unwrap() error { return e.Err }

// refuse makes a VerifyError whose details are formatted like fmt.Errorf.
func refuse(reason, format string, args ...any) *VerifyError {
	return &VerifyError{Reason: reason, Err: fmt.Errorf(format, args...)}
}

// maxQuotedLength is the most of any value from outside that goes into an
// error message, so a hostile token cannot flood the logs.
const maxQuotedLength = 128

// quote quotes s for an error message, shortened to maxQuotedLength bytes.
// The quoting escapes control characters, so a value cannot forge a log
// line of its own.
func quote(s string) string {
	if len(s) <= maxQuotedLength {
		return strconv.Quote(s)
	}
	return strconv.Quote(s[:maxQuotedLength]) + "…"
}
