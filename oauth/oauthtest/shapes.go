package oauthtest

import (
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// A Shape is the way a particular provider answers, so that an app's
// profile for that provider can be tested without it. A shape changes only
// what the provider says, never what it checks.
type Shape int

const (
	// ShapeDefault answers in this provider's own way, described at
	// [Provider].
	ShapeDefault Shape = iota

	// ShapeGitHub answers like GitHub's OAuth apps and REST API:
	//
	//   - POST /token answers application/x-www-form-urlencoded unless the
	//     request's Accept header asks for application/json. The token type
	//     is "bearer", the scope is comma-separated and there is no
	//     expires_in.
	//   - Refused token requests get status 200, in the same format, with
	//     GitHub's error codes: bad_verification_code for a code that is
	//     wrong, expired or used, incorrect_client_credentials, and
	//     redirect_uri_mismatch.
	//   - GET /user answers {"id": 123, "login": "alice", "name": "Alice (dev)",
	//     "email": "alice@example.test"}, where email is null for a user whose
	//     name starts with "private", as for someone who keeps their address
	//     private.
	//   - GET /user/emails lists the user's addresses, the primary one not
	//     first, so that a client must search for it.
	//   - GET /user/orgs and GET /user/teams list the organisations and
	//     teams among the user's groups (a group org/team is a team), for
	//     a token with the read:org scope, 30 unless per_page asks for more.
	//   - GET /user and GET /user/emails refuse a request without a
	//     User-Agent header with status 403. The X-GitHub-Api-Version header
	//     a client should send is recorded like every other one
	//     ([Provider.UserRequests], [Provider.EmailsRequests]).
	//
	// GitHub serves no OpenID Connect to OAuth apps, so this shape cannot
	// be combined with [Config.OpenID].
	ShapeGitHub

	// ShapeGitLab answers GET /user with the fields of GitLab's
	// /api/v4/user: {"id": 123, "username": "alice", "name": "Alice (dev)",
	// "email": "alice@example.test", "state": "active"}, and, for a token
	// with the openid scope, GET /oauth/userinfo with GitLab's claims,
	// the user's group paths as groups.
	ShapeGitLab
)

// gitHubUser is what GitHub's GET /user says about a user, in part.
type gitHubUser struct {
	ID    int64   `json:"id"`
	Login string  `json:"login"`
	Name  string  `json:"name"`
	Email *string `json:"email"` // nil when the user keeps it private
}

// gitHubEmail is one entry of GitHub's GET /user/emails.
type gitHubEmail struct {
	Email      string  `json:"email"`
	Primary    bool    `json:"primary"`
	Verified   bool    `json:"verified"`
	Visibility *string `json:"visibility"` // "public" or "private" for the primary address, else null
}

// gitLabUser is what GitLab's GET /api/v4/user says about a user, in part.
type gitLabUser struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Name     string `json:"name"`
	Email    string `json:"email"`
	State    string `json:"state"`
}

// userBody returns what GET /user answers about a in shape s.
func (s Shape) userBody(a account) any {
	switch s {
	case ShapeGitHub:
		body := gitHubUser{ID: userID(a.user), Login: a.user, Name: displayName(a.user)}
		if !keepsEmailPrivate(a.user) {
			body.Email = &a.email
		}
		return body
	case ShapeGitLab:
		return gitLabUser{ID: userID(a.user), Username: a.user, Name: displayName(a.user), Email: a.email, State: "active"}
	default:
		return newProfile(a)
	}
}

// keepsEmailPrivate reports whether user stands for a GitHub user whose
// profile hides their e-mail address, so that apps can test falling back
// to GET /user/emails.
func keepsEmailPrivate(user string) bool {
	return strings.HasPrefix(user, "private")
}

// gitHubEmails returns the addresses GET /user/emails lists for a. The
// primary address, a's own, comes last, after an unverified one and a
// verified one that is not primary: a client taking the first entry, or
// the first verified one, gets the wrong address.
func gitHubEmails(a account) []gitHubEmail {
	visibility := "public"
	if keepsEmailPrivate(a.user) {
		visibility = "private"
	}
	return []gitHubEmail{
		{Email: a.user + ".old@example.test"},
		{Email: a.user + ".work@example.test", Verified: true},
		{Email: a.email, Primary: true, Verified: !a.unverified, Visibility: &visibility},
	}
}

// emails serves GET /user/emails, GitHub's list of the user's addresses.
func (p *Provider) emails(w http.ResponseWriter, r *http.Request) {
	p.emailsRecorder.record(r)
	if answerUserFault(w, p.currentMisbehaviour().Emails) {
		return
	}
	if !hasUserAgent(w, r) {
		return
	}
	token, ok := p.authenticate(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, gitHubEmails(token.account))
}

// hasUserAgent reports whether r has a User-Agent header and, if not,
// refuses it with 403, as GitHub's REST API does: it wants every client
// to say who it is.
func hasUserAgent(w http.ResponseWriter, r *http.Request) bool {
	if r.Header.Get("User-Agent") != "" {
		return true
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusForbidden)
	io.WriteString(w, "Forbidden: a request without a User-Agent header is refused, as GitHub's API refuses it.\n")
	return false
}

// wantsJSON reports whether r's Accept header names application/json,
// which is what makes GitHub's token endpoint answer JSON rather than a
// form. Quality values are not weighed: naming the type is enough.
func wantsJSON(r *http.Request) bool {
	for _, value := range r.Header.Values("Accept") {
		for mediaRange := range strings.SplitSeq(value, ",") {
			mediaType, _, err := mime.ParseMediaType(mediaRange)
			if err == nil && mediaType == "application/json" {
				return true
			}
		}
	}
	return false
}

// writeGitHubToken writes a successful token response as GitHub does: a
// form unless the client asked for JSON, and scopes joined by commas.
func writeGitHubToken(w http.ResponseWriter, r *http.Request, response tokenResponse) {
	response.Scope = strings.Join(strings.Fields(response.Scope), ",")
	if !wantsJSON(r) {
		writeFormEncodedToken(w, response)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{
		"access_token": response.AccessToken,
		"token_type":   strings.ToLower(response.TokenType),
		"scope":        response.Scope,
	})
}

// writeGitHubTokenError writes a refused token request as GitHub does:
// with status 200, so that only the body tells it from a success, and in
// the format the client asked for.
func writeGitHubTokenError(w http.ResponseWriter, r *http.Request, err *tokenError) {
	code := err.code
	if err.gitHubCode != "" {
		code = err.gitHubCode
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, map[string]string{"error": code, "error_description": err.description})
		return
	}
	w.Header().Set("Content-Type", "application/x-www-form-urlencoded")
	io.WriteString(w, url.Values{"error": {code}, "error_description": {err.description}}.Encode())
}
