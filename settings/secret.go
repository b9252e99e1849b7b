package settings

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
)

// redacted is what a non-empty Secret prints as.
const redacted = "[redacted]"

// Secret holds a value that must not leak into logs, error messages or
// JSON. Every way of printing it (fmt with any verb, slog, encoding/json)
// gives "[redacted]", or "" when the secret is empty, so a log line still
// shows whether it was set. Only [Secret.Reveal] gives the value, which
// makes each place that needs it easy to find and review.
//
// The zero Secret is empty.
type Secret struct {
	value string
}

// NewSecret wraps value so that it no longer prints.
func NewSecret(value string) Secret {
	return Secret{value: value}
}

// Reveal returns the secret value. Call it only where the value is sent
// to its one legitimate destination, such as an HMAC or the provider.
func (s Secret) Reveal() string {
	return s.value
}

// String returns "[redacted]", or "" when the secret is empty.
func (s Secret) String() string {
	if s.value == "" {
		return ""
	}
	return redacted
}

// GoString returns the redacted text as a quoted Go string, matching %#v.
func (s Secret) GoString() string {
	return strconv.Quote(s.String())
}

// Format prints the redacted text with whatever verb and flags were asked
// for, so %v, %+v, %#v, %q, %x and the rest, including inside a struct
// that holds the Secret, never reach the value.
func (s Secret) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, fmt.FormatString(f, verb), s.String())
}

// LogValue implements [slog.LogValuer].
func (s Secret) LogValue() slog.Value {
	return slog.StringValue(s.String())
}

// MarshalJSON encodes the redacted text as a JSON string.
func (s Secret) MarshalJSON() ([]byte, error) {
	return json.Marshal(s.String())
}
