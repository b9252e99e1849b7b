package oauthtest

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// maxFormBytes bounds the body of a form post. A token request is a few
// hundred bytes; anything much larger is not one.
const maxFormBytes = 64 << 10

// tokenResponse is a successful token response (RFC 6749 §5.1).
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"` // RFC 6749 §5.1
	Scope        string `json:"scope,omitempty"`
	IDToken      string `json:"id_token,omitempty"` // OpenID Connect Core §3.1.3.3
}

// tokenError is a refused token request (RFC 6749 §5.2).
type tokenError struct {
	status      int
	code        string
	description string
	gitHubCode  string // what GitHub calls the error, for ShapeGitHub; "" where it names none
}

func invalidRequest(description string) *tokenError {
	return &tokenError{status: http.StatusBadRequest, code: "invalid_request", description: description}
}

func invalidGrant(description string) *tokenError {
	return &tokenError{http.StatusBadRequest, "invalid_grant", description, "bad_verification_code"}
}

func invalidClient(description string) *tokenError {
	return &tokenError{http.StatusUnauthorized, "invalid_client", description, "incorrect_client_credentials"}
}

// token serves POST /token: it exchanges an authorization code for an access
// token (RFC 6749 §4.1.3), or a refresh token for new tokens (§6).
func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	parseErr := r.ParseForm()
	p.tokenRecorder.record(r)

	m := p.currentMisbehaviour()
	if answerTokenFault(w, r, m.Token) {
		return
	}
	accessToken, g, err := p.exchange(r, parseErr)
	if err != nil {
		if p.cfg.Shape == ShapeGitHub {
			writeGitHubTokenError(w, r, err)
			return
		}
		writeTokenError(w, err)
		return
	}
	if g.refreshToken == "" && p.issuesRefreshToken(g) {
		g.refreshToken = p.grants.startRefresh(g, accessToken, p.now())
	}
	response := tokenResponse{
		AccessToken:  accessToken,
		TokenType:    "Bearer",
		ExpiresIn:    int(p.grants.accessLifetime.Seconds()),
		RefreshToken: g.refreshToken,
		Scope:        g.scope,
	}
	// RFC 6749 §5.1 asks for Pragma as well as the Cache-Control: no-store
	// that ServeHTTP sets, for HTTP/1.0 caches.
	w.Header().Set("Pragma", "no-cache")
	switch {
	case m.Token == TokenFormEncoded:
		writeFormEncodedToken(w, response)
	case p.cfg.Shape == ShapeGitHub:
		writeGitHubToken(w, r, response)
	default:
		// OpenID Connect Core §3.1.2.1: the scope openid is what makes an
		// authorization request an authentication request.
		if p.cfg.OpenID && hasScope(g.scope, "openid") && m.IDToken != IDTokenMissing {
			response.IDToken = p.idToken(g, m.IDToken)
		}
		writeJSON(w, http.StatusOK, response)
	}
}

// hasScope reports whether the space-separated scope holds want
// (RFC 6749 §3.3).
func hasScope(scope, want string) bool {
	return slices.Contains(strings.Fields(scope), want)
}

// exchange checks a token request and, if it is good, redeems its code,
// returning the new access token and the grant the code stood for.
func (p *Provider) exchange(r *http.Request, parseErr error) (string, grant, *tokenError) {
	// RFC 6749 §4.1.3: the parameters come form-encoded in the body.
	if mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mediaType != "application/x-www-form-urlencoded" {
		return "", grant{}, invalidRequest("the body must be application/x-www-form-urlencoded")
	}
	if parseErr != nil {
		return "", grant{}, invalidRequest("the body is not a valid form")
	}
	// RFC 6749 §2.3.1: credentials must not travel in the URI, where logs
	// keep them. This endpoint's URI has no query of its own, so any query
	// came from the client and is refused whole.
	if r.URL.RawQuery != "" {
		return "", grant{}, invalidRequest("parameters belong in the body, not the URL query")
	}
	form := r.PostForm
	if name := repeatedParameter(form, "grant_type", "code", "redirect_uri", "code_verifier", "client_id", "client_secret",
		"refresh_token"); name != "" {
		return "", grant{}, invalidRequest(name + " is repeated") // RFC 6749 §3.2
	}
	clientID, err := p.authenticateClient(r, form)
	if err != nil {
		return "", grant{}, err
	}

	// RFC 6749 §3.2 and §3.1: a parameter without a value counts as absent.
	switch form.Get("grant_type") {
	case "authorization_code":
	case "refresh_token":
		if form.Get("refresh_token") == "" {
			return "", grant{}, invalidRequest("refresh_token is missing")
		}
		return p.grants.redeemRefresh(form.Get("refresh_token"), clientID, p.now()) // refresh.go
	case "":
		return "", grant{}, invalidRequest("grant_type is missing")
	default:
		return "", grant{}, &tokenError{status: http.StatusBadRequest, code: "unsupported_grant_type",
			description: "only authorization_code and refresh_token are supported"}
	}
	code := form.Get("code")
	if code == "" {
		return "", grant{}, invalidRequest("code is missing")
	}
	// RFC 6749 §4.1.3: redirect_uri is required here because every
	// authorization request to this provider carried one.
	redirectURI := form.Get("redirect_uri")
	if redirectURI == "" {
		return "", grant{}, invalidRequest("redirect_uri is missing")
	}
	verifier := form.Get("code_verifier")
	if verifier != "" && !validCodeVerifier(verifier) {
		return "", grant{}, invalidRequest("code_verifier must be 43 to 128 characters from A-Z, a-z, 0-9 and -._~ (RFC 7636 section 4.1)")
	}

	return p.grants.redeem(code, p.now(), func(g *grant) *tokenError {
		// RFC 6749 §4.1.3. With a single client this cannot fail, but a
		// server with several must check it, and this code gets copied.
		if g.clientID != clientID {
			return invalidGrant("the code was issued to another client")
		}
		// RFC 6749 §4.1.3: the redirect_uri must be identical to the one
		// in the authorization request, so that a code stolen on its way
		// to another URI cannot be redeemed.
		if g.redirectURI != redirectURI {
			return &tokenError{http.StatusBadRequest, "invalid_grant", "redirect_uri differs from the one in the authorization request", "redirect_uri_mismatch"}
		}
		return checkCodeVerifier(g.codeChallenge, verifier)
	})
}

// repeatedParameter returns the first of names that params holds more than
// once, or "" if there is none. RFC 6749 §3.1 and §3.2 forbid repeating a
// parameter; a request that does is refused rather than guessed at. Other
// parameters are not looked at, since unrecognized ones must be ignored.
func repeatedParameter(params url.Values, names ...string) string {
	for _, name := range names {
		if len(params[name]) > 1 {
			return name
		}
	}
	return ""
}

// authenticateClient checks the client's credentials and returns its ID. The
// client must use exactly one method (RFC 6749 §2.3): HTTP Basic
// (client_secret_basic) or client_id and client_secret in the body
// (client_secret_post, RFC 6749 §2.3.1).
func (p *Provider) authenticateClient(r *http.Request, form url.Values) (string, *tokenError) {
	bodyID, bodySecret := form.Get("client_id"), form.Get("client_secret")
	if _, tried := r.Header["Authorization"]; !tried {
		if bodySecret == "" {
			return "", invalidClient("no client authentication: use HTTP Basic, or client_id and client_secret in the body")
		}
		return p.checkClient(bodyID, bodySecret)
	}

	user, password, ok := r.BasicAuth()
	if !ok {
		return "", invalidClient("the Authorization header is not HTTP Basic")
	}
	if bodySecret != "" {
		return "", invalidClient("credentials both in HTTP Basic and in the body: use one method only")
	}
	// RFC 6749 §2.3.1: the ID and secret are form-urlencoded before Basic
	// joins them with a colon, so that either may contain one.
	id, idErr := url.QueryUnescape(user)
	secret, secretErr := url.QueryUnescape(password)
	if idErr != nil || secretErr != nil {
		return "", invalidClient("the HTTP Basic user name and password must be form-urlencoded (RFC 6749 section 2.3.1)")
	}
	if bodyID != "" && bodyID != id {
		return "", invalidClient("client_id in the body differs from the HTTP Basic user name")
	}
	return p.checkClient(id, secret)
}

func (p *Provider) checkClient(id, secret string) (string, *tokenError) {
	// Comparing SHA-256 digests in constant time reveals, by its timing,
	// neither how much of the secret matched nor how long the secret is.
	gotSecret, wantSecret := sha256.Sum256([]byte(secret)), sha256.Sum256([]byte(p.cfg.ClientSecret))
	secretMatches := subtle.ConstantTimeCompare(gotSecret[:], wantSecret[:]) == 1
	if id != p.cfg.ClientID || !secretMatches {
		return "", invalidClient("unknown client or wrong secret")
	}
	return id, nil
}

// validCodeVerifier reports whether v has the syntax of RFC 7636 §4.1:
// 43 to 128 characters from the URI unreserved set.
func validCodeVerifier(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for _, c := range []byte(v) {
		if !isUnreserved(c) {
			return false
		}
	}
	return true
}

// isUnreserved reports whether c is an unreserved URI character (RFC 3986 §2.3).
func isUnreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// checkCodeVerifier applies PKCE: the verifier in the token request must
// hash to the challenge in the authorization request (RFC 7636 §4.6).
func checkCodeVerifier(challenge, verifier string) *tokenError {
	switch {
	case challenge == "" && verifier == "":
		return nil
	case challenge == "":
		// RFC 9700 §2.1.1 and §4.8.2: accepting a verifier for a code
		// issued without a challenge would let an attacker strip PKCE
		// from the authorization request unnoticed.
		return invalidGrant("code_verifier sent, but the authorization request had no code_challenge")
	case verifier == "":
		return invalidGrant("code_verifier is missing; the authorization request had a code_challenge")
	}
	sum := sha256.Sum256([]byte(verifier))
	computed := base64.RawURLEncoding.EncodeToString(sum[:])
	if subtle.ConstantTimeCompare([]byte(computed), []byte(challenge)) != 1 {
		return invalidGrant("code_verifier does not match code_challenge")
	}
	return nil
}

func writeTokenError(w http.ResponseWriter, err *tokenError) {
	if err.status == http.StatusUnauthorized {
		// RFC 6749 §5.2 and RFC 9110 §15.5.2: a 401 names the scheme
		// to authenticate with.
		w.Header().Set("WWW-Authenticate", `Basic realm="oauthtest", charset="UTF-8"`)
	}
	writeJSON(w, err.status, map[string]string{
		"error":             err.code,
		"error_description": err.description,
	})
}

// writeFormEncodedToken writes a successful token response the way GitHub
// does for clients that do not ask for JSON.
func writeFormEncodedToken(w http.ResponseWriter, response tokenResponse) {
	w.Header().Set("Content-Type", "application/x-www-form-urlencoded")
	body := url.Values{
		"access_token": {response.AccessToken},
		"token_type":   {strings.ToLower(response.TokenType)},
		"scope":        {response.Scope},
	}
	io.WriteString(w, body.Encode())
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	// Only this package's own types are encoded, which cannot fail; an error
	// here means the client has gone, and there is no one left to tell.
	json.NewEncoder(w).Encode(v)
}
