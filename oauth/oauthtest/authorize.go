package oauthtest

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// authorizeRequest is a checked authorization request: RFC 6749 §4.1.1, with
// the PKCE challenge of RFC 7636 §4.3.
type authorizeRequest struct {
	clientID      string
	redirectURI   string
	state         string
	scope         string
	codeChallenge string // S256; empty when the client does not use PKCE
	nonce         string // OpenID Connect's; empty when not sent, or without Config.OpenID
	prompt        string // as sent; consent in it grants offline_access (refresh.go)
}

// maxNonceBytes bounds the nonce. A random value needs a few dozen bytes;
// the bound keeps a hostile request from making every ID token huge.
const maxNonceBytes = 512

// showAuthorize serves GET /authorize, where the app sends the browser to
// start a sign-in.
func (p *Provider) showAuthorize(w http.ResponseWriter, r *http.Request) {
	p.setPageHeaders(w)
	req, ok := p.checkAuthorizeRequest(w, r, r.URL.Query())
	if !ok {
		return
	}
	if p.cfg.AutoApprove != "" {
		p.approve(w, r, req, defaultAccount(p.cfg.AutoApprove))
		return
	}
	p.showSignIn(w, http.StatusOK, req, account{}, "")
}

// submitAuthorize serves POST /authorize: the sign-in form's answer.
func (p *Provider) submitAuthorize(w http.ResponseWriter, r *http.Request) {
	p.setPageHeaders(w)
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		p.showError(w, "The form could not be read.")
		return
	}
	form := r.PostForm
	// The hidden fields came back through the browser, and anyone can post
	// this form, so the request is checked again from scratch.
	req, ok := p.checkAuthorizeRequest(w, r, form)
	if !ok {
		return
	}
	if name := repeatedParameter(form, "action", "username", "email", "email_unverified", "groups"); name != "" {
		p.showSignIn(w, http.StatusBadRequest, req, account{}, "The form was sent with "+name+" twice.")
		return
	}

	switch form.Get("action") {
	case "cancel":
		// RFC 6749 §4.1.2.1: the user said no.
		p.redirectToClient(w, r, req.state, url.Values{
			"error":             {"access_denied"},
			"error_description": {"the user cancelled the sign-in"},
		})
	case "approve":
		user := form.Get("username")
		a, problem := accountFromForm(user, form)
		if !validUserName(user) {
			problem = "A user name is 1 to 64 letters, digits, dots, underscores or hyphens."
		}
		if problem != "" {
			p.showSignIn(w, http.StatusBadRequest, req, a, problem)
			return
		}
		p.approve(w, r, req, a)
	default:
		p.showSignIn(w, http.StatusBadRequest, req, account{}, "Choose Approve or Cancel.")
	}
}

// checkAuthorizeRequest checks the parameters of an authorization request.
// If they are wrong, it answers the request itself and returns false.
func (p *Provider) checkAuthorizeRequest(w http.ResponseWriter, r *http.Request, params url.Values) (authorizeRequest, bool) {
	// Until the client and its redirect URI are verified, nothing may be
	// sent to that URI (RFC 6749 §4.1.2.1): doing so would turn the provider
	// into an open redirector. Those problems are shown to the person.
	if problem := p.clientProblem(params); problem != "" {
		p.showError(w, problem)
		return authorizeRequest{}, false
	}
	req, errorCode, description := parseAuthorizeRequest(params, p.cfg.OpenID)
	if errorCode != "" {
		// The redirect URI is trusted now, so the client hears of the error.
		p.redirectToClient(w, r, req.state, url.Values{
			"error":             {errorCode},
			"error_description": {description},
		})
		return authorizeRequest{}, false
	}
	return req, true
}

// clientProblem describes what is wrong with the request's client_id or
// redirect_uri, or returns "" if they are the configured ones.
func (p *Provider) clientProblem(params url.Values) string {
	switch ids := params["client_id"]; {
	case len(ids) > 1:
		return "The request has more than one client_id."
	case len(ids) == 0 || ids[0] == "":
		return "The request has no client_id."
	case ids[0] != p.cfg.ClientID:
		return fmt.Sprintf("The client_id %q is not the one this provider knows (%q).", ids[0], p.cfg.ClientID)
	}
	// RFC 6749 §3.1.2.3 and RFC 9700 §2.1: the redirect URI must equal the
	// registered one exactly. Matching a prefix or a pattern instead has let
	// attackers steer codes to pages of their own.
	switch uris := params["redirect_uri"]; {
	case len(uris) > 1:
		return "The request has more than one redirect_uri."
	case len(uris) == 0 || uris[0] == "":
		return "The request has no redirect_uri."
	case uris[0] != p.cfg.RedirectURL:
		return fmt.Sprintf("The redirect_uri %q is not the one registered for this client (%q).", uris[0], p.cfg.RedirectURL)
	}
	return ""
}

// parseAuthorizeRequest reads an authorization request whose client and
// redirect URI are verified, with OpenID Connect's nonce if openID is set.
// If the request is wrong, it returns an error code and description for the
// client (RFC 6749 §4.1.2.1), along with the state to send back with them.
func parseAuthorizeRequest(params url.Values, openID bool) (req authorizeRequest, errorCode, description string) {
	// RFC 6749 §3.1: a parameter without a value counts as absent.
	req = authorizeRequest{
		clientID:      params.Get("client_id"),
		redirectURI:   params.Get("redirect_uri"),
		state:         params.Get("state"),
		scope:         params.Get("scope"),
		codeChallenge: params.Get("code_challenge"),
		prompt:        params.Get("prompt"),
	}
	if len(params["state"]) > 1 {
		req.state = "" // which one the client would recognize is unknowable
	}
	if name := repeatedParameter(params, "state", "response_type", "scope", "code_challenge", "code_challenge_method"); name != "" {
		return req, "invalid_request", name + " is repeated"
	}
	// Without OpenID, nonce is an unrecognized parameter, which RFC 6749
	// §3.1 says to ignore.
	if openID {
		// OpenID Connect Core §3.1.2.1: the nonce comes back in the ID
		// token, which ties the token to the session that asked for it.
		if len(params["nonce"]) > 1 {
			return req, "invalid_request", "nonce is repeated"
		}
		req.nonce = params.Get("nonce")
		if len(req.nonce) > maxNonceBytes {
			return req, "invalid_request", fmt.Sprintf("nonce is longer than %d bytes", maxNonceBytes)
		}
	}

	switch params.Get("response_type") {
	case "code":
	case "":
		return req, "invalid_request", "response_type is missing"
	default:
		return req, "unsupported_response_type", "only response_type=code is supported"
	}

	method := params.Get("code_challenge_method")
	switch {
	case req.codeChallenge == "" && method != "":
		return req, "invalid_request", "code_challenge_method was sent without code_challenge"
	case req.codeChallenge == "":
		// No PKCE. RFC 9700 §2.1.1 wants it, but leaves a confidential
		// client the choice.
	case method != "S256":
		// Without a method, RFC 7636 §4.3 means plain. Plain puts the
		// verifier itself in the browser's URL, where whoever reads the
		// code can read it too; S256 does not (RFC 9700 §2.1.1), so this
		// provider accepts nothing else.
		return req, "invalid_request", "code_challenge_method must be S256; this provider refuses plain"
	case !validCodeChallenge(req.codeChallenge):
		return req, "invalid_request", "code_challenge must be the base64url-encoded SHA-256 of the code_verifier"
	}
	return req, "", ""
}

// validCodeChallenge reports whether c can be an S256 challenge: a SHA-256
// digest, base64url-encoded without padding (RFC 7636 §4.2).
func validCodeChallenge(c string) bool {
	digest, err := base64.RawURLEncoding.Strict().DecodeString(c)
	return err == nil && len(digest) == 32
}

// approve issues a code for req on behalf of a and sends it to the client
// (RFC 6749 §4.1.2).
func (p *Provider) approve(w http.ResponseWriter, r *http.Request, req authorizeRequest, a account) {
	now := p.now()
	code := p.grants.issueCode(grant{
		clientID:      req.clientID,
		redirectURI:   req.redirectURI,
		account:       a,
		scope:         req.scope,
		codeChallenge: req.codeChallenge,
		nonce:         req.nonce,
		authTime:      now, // the sign-in just happened: no session outlives a request here
		consented:     slices.Contains(strings.Fields(req.prompt), "consent"),
	}, now)
	p.redirectToClient(w, r, req.state, url.Values{"code": {code}})
}

// redirectToClient sends the browser back to the redirect URI with an
// authorization response: a code (RFC 6749 §4.1.2) or an error (§4.1.2.1).
func (p *Provider) redirectToClient(w http.ResponseWriter, r *http.Request, state string, response url.Values) {
	// The client checks state against what it sent, to be sure the response
	// answers its own request (RFC 6749 §10.12).
	if state != "" {
		response.Set("state", state)
	}
	// RFC 9207 §2: iss tells the client which provider answered, so that
	// one provider's response cannot be passed off as another's.
	if p.cfg.Issuer != "" {
		response.Set("iss", p.cfg.Issuer)
	}
	target := *p.redirectURL
	// RFC 6749 §3.1.2: a query the redirect URI already has is kept.
	if target.RawQuery != "" {
		target.RawQuery += "&"
	}
	target.RawQuery += response.Encode()
	// 303 makes the browser follow with GET even after the form's POST.
	http.Redirect(w, r, target.String(), http.StatusSeeOther)
}
