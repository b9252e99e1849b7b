package oidc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// jsonObject is a JSON object from a token (the JWS header or the JWT
// claims), its members by name.
//
// Tokens are read through this rather than decoded into a struct for two
// reasons. Member names are case-sensitive (RFC 7515 §4, RFC 7519 §4),
// while encoding/json matches struct fields case-insensitively, so a
// struct would take "ALG" for "alg". And several checks hinge on whether a
// member is there at all (crit, azp, nbf), which a struct field's zero
// value cannot tell.
//
// A name that appears twice keeps its last value, which RFC 7515 §4 and
// RFC 7519 §4 allow.
type jsonObject map[string]json.RawMessage

// parseJSONObject decodes data, which must be a single JSON object.
func parseJSONObject(data []byte) (jsonObject, error) {
	var obj jsonObject
	if err := json.Unmarshal(data, &obj); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	if obj == nil { // the input was null
		return nil, errors.New("not a JSON object: null")
	}
	return obj, nil
}

// has reports whether the object has a member called name, whatever its
// value, null included.
func (o jsonObject) has(name string) bool {
	_, ok := o[name]
	return ok
}

// member decodes the member called name into dst and reports whether it
// was there. A null value counts as absent, as encoding/json treats it.
func (o jsonObject) member(name string, dst any) (bool, error) {
	raw, ok := o[name]
	if !ok || bytes.Equal(raw, []byte("null")) {
		return false, nil
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return true, fmt.Errorf("%s: %w", name, err)
	}
	return true, nil
}
