package oidc

import (
	"encoding/json"
	"errors"
	"math"
	"time"
)

// Claims are what a verified ID token says about the login (OpenID Connect
// Core §2, and §5.1 for the profile claims).
//
// Issuer and Subject together identify the user: the issuer never gives
// the same subject to anyone else (Core §2), so key accounts by the pair.
// The profile claims are for display. They can change and need not be
// unique (Core §5.7), and Email is the user's only when EmailVerified is
// true.
type Claims struct {
	Issuer            string    // iss
	Subject           string    // sub
	Audience          []string  // aud, which includes the Verifier's ClientID
	AuthorizedParty   string    // azp; "" when absent
	Expiry            time.Time // exp
	IssuedAt          time.Time // iat
	Nonce             string    // nonce; "" when absent
	PreferredUsername string    // preferred_username
	Name              string    // name
	Email             string    // email
	EmailVerified     bool      // email_verified
}

// idTokenClaims is a claims set decoded but not yet checked: the Claims,
// and what the checks need besides.
type idTokenClaims struct {
	Claims
	notBefore  time.Time // nbf; zero when absent
	azpPresent bool      // whether azp is there at all, even empty
}

// decodeClaims decodes an ID token's claims set, checking the type of each
// claim but not its value; Verifier.checkClaims does that. A claim whose
// value is null is taken as absent.
func decodeClaims(payload []byte) (*idTokenClaims, error) {
	obj, err := parseJSONObject(payload)
	if err != nil {
		return nil, err
	}
	var (
		c             idTokenClaims
		aud           audience
		exp, iat, nbf numericDate
		emailVerified booleanClaim
	)
	members := []struct {
		name string
		dst  any
	}{
		{"iss", &c.Issuer},
		{"sub", &c.Subject},
		{"aud", &aud},
		{"exp", &exp},
		{"iat", &iat},
		{"nbf", &nbf},
		{"nonce", &c.Nonce},
		{"preferred_username", &c.PreferredUsername},
		{"name", &c.Name},
		{"email", &c.Email},
		{"email_verified", &emailVerified},
	}
	for _, m := range members {
		if _, err := obj.member(m.name, m.dst); err != nil {
			return nil, err
		}
	}
	if c.azpPresent, err = obj.member("azp", &c.AuthorizedParty); err != nil {
		return nil, err
	}
	c.Audience = aud
	c.Expiry, c.IssuedAt, c.notBefore = time.Time(exp), time.Time(iat), time.Time(nbf)
	c.EmailVerified = bool(emailVerified)
	return &c, nil
}

// audience is the aud claim: one string, or an array of strings
// (RFC 7519 §4.1.3).
type audience []string

func (a *audience) UnmarshalJSON(data []byte) error {
	var one string
	if err := json.Unmarshal(data, &one); err == nil {
		*a = audience{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(data, &many); err != nil {
		return errors.New("not a string or an array of strings")
	}
	*a = many
	return nil
}

// numericDate is a JWT date: seconds since 1970-01-01 UTC, an integer or
// not (RFC 7519 §2).
type numericDate time.Time

// maxNumericDate is the start of the year 10000. Later dates are surely
// mistakes, and bounding them keeps the conversion below exact.
const maxNumericDate = 253402300800

func (d *numericDate) UnmarshalJSON(data []byte) error {
	var seconds float64
	if err := json.Unmarshal(data, &seconds); err != nil {
		return errors.New("not a number of seconds since 1970 (RFC 7519 §2)")
	}
	if seconds < 0 || seconds >= maxNumericDate {
		return errors.New("not a date from 1970 to 9999")
	}
	whole, fraction := math.Modf(seconds)
	*d = numericDate(time.Unix(int64(whole), int64(fraction*1e9)).UTC())
	return nil
}

// booleanClaim is a claim that Core §5.1 makes a JSON boolean, such as
// email_verified. Some providers send the strings "true" and "false"
// instead, so those are accepted too. Anything else is an error rather
// than a guess.
type booleanClaim bool

func (b *booleanClaim) UnmarshalJSON(data []byte) error {
	var value bool
	if err := json.Unmarshal(data, &value); err == nil {
		*b = booleanClaim(value)
		return nil
	}
	var text string
	if err := json.Unmarshal(data, &text); err == nil && (text == "true" || text == "false") {
		*b = text == "true"
		return nil
	}
	return errors.New(`not true or false, nor "true" or "false"`)
}
