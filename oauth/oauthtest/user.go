package oauthtest

import (
	"crypto/sha256"
	"encoding/binary"
	"net/http"
	"strconv"
	"strings"
)

// profile is the answer of GET /user. It is shaped like GitHub's user, and
// also carries OpenID Connect's claim names (sub, preferred_username,
// email_verified, groups), so an app's mapping for either kind of provider
// works against it.
type profile struct {
	ID                int64    `json:"id"`
	Login             string   `json:"login"`
	Name              string   `json:"name"`
	Email             string   `json:"email"`
	EmailVerified     bool     `json:"email_verified"`
	Groups            []string `json:"groups,omitempty"`
	Subject           string   `json:"sub"`
	PreferredUsername string   `json:"preferred_username"`
}

// userError is a refused request to GET /user (RFC 6750 §3).
type userError struct {
	status      int
	code        string // RFC 6750 §3.1; empty when the request had no bearer token at all
	description string
}

func invalidToken(description string) *userError {
	return &userError{http.StatusUnauthorized, "invalid_token", description}
}

// user serves GET /user: the profile of the user an access token was issued
// for, in the provider's Shape.
func (p *Provider) user(w http.ResponseWriter, r *http.Request) {
	p.userRecorder.record(r)
	if answerUserFault(w, p.currentMisbehaviour().User) {
		return
	}
	if p.cfg.Shape == ShapeGitHub && !hasUserAgent(w, r) {
		return
	}
	token, ok := p.authenticate(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, p.cfg.Shape.userBody(token.account))
}

// authenticate returns the live access token that r carries. If there is
// none, it answers r itself and returns false.
func (p *Provider) authenticate(w http.ResponseWriter, r *http.Request) (accessToken, bool) {
	bearer, err := bearerToken(r)
	if err != nil {
		writeUserError(w, err)
		return accessToken{}, false
	}
	token, ok := p.grants.lookup(bearer, p.now())
	if !ok {
		writeUserError(w, invalidToken("the access token is unknown, revoked or expired"))
		return accessToken{}, false
	}
	return token, true
}

// bearerToken returns the access token from the Authorization header
// (RFC 6750 §2.1), the only place this provider accepts it.
func bearerToken(r *http.Request) (string, *userError) {
	// RFC 6750 §2.3 allows a token in the query only as a last resort, and
	// §5.3 says why: URLs end up in logs, browser history and Referer headers.
	if r.URL.Query().Has("access_token") {
		return "", &userError{http.StatusBadRequest, "invalid_request", "send the access token in the Authorization header, not in the URL"}
	}
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	// RFC 9110 §11.1: authentication scheme names are case-insensitive.
	if !strings.EqualFold(scheme, "Bearer") {
		return "", &userError{http.StatusUnauthorized, "", "a bearer access token is required"}
	}
	token = strings.TrimLeft(token, " ")
	if token == "" {
		return "", &userError{http.StatusBadRequest, "invalid_request", "the bearer access token is empty"}
	}
	return token, nil
}

func writeUserError(w http.ResponseWriter, err *userError) {
	// RFC 6750 §3.1: a request that carried no token at all learns only
	// that one is needed, without an error code.
	challenge := `Bearer realm="oauthtest"`
	if err.code != "" {
		challenge += `, error="` + err.code + `", error_description="` + err.description + `"`
	}
	w.Header().Set("WWW-Authenticate", challenge)
	body := map[string]string{"error_description": err.description}
	if err.code != "" {
		body["error"] = err.code
	}
	writeJSON(w, err.status, body)
}

func newProfile(a account) profile {
	return profile{
		ID:                userID(a.user),
		Login:             a.user,
		Name:              displayName(a.user),
		Email:             a.email,
		EmailVerified:     !a.unverified,
		Groups:            a.groups,
		Subject:           subject(a.user),
		PreferredUsername: a.user,
	}
}

// displayName is the user's full name, marked as a test account's.
func displayName(user string) string {
	return strings.ToUpper(user[:1]) + user[1:] + " (dev)"
}

// emailAddress is the user's primary address. RFC 2606 §2: .test can never
// be a real domain, so no mail can reach anyone.
func emailAddress(user string) string {
	return user + "@example.test"
}

// subject is the user's OpenID Connect subject identifier: the ID of
// GET /user as a string (OpenID Connect Core §2 makes sub a string).
func subject(user string) string {
	return strconv.FormatInt(userID(user), 10)
}

// userID derives a stable ID from a user name, so that the same name is the
// same account on every run. It lies between 1 and 2^53-1, where JSON
// decoders that read numbers as floating point (JavaScript's among them)
// still hold it exactly.
func userID(user string) int64 {
	sum := sha256.Sum256([]byte(user))
	return int64(binary.BigEndian.Uint64(sum[:8])%(1<<53-1)) + 1
}

// validUserName reports whether name is 1 to 64 letters, digits, '.', '_' or
// '-': enough to name test accounts, and nothing that needs escaping in a
// URL or an e-mail address.
func validUserName(name string) bool {
	if len(name) == 0 || len(name) > 64 {
		return false
	}
	for _, c := range []byte(name) {
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
