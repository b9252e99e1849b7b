package oauth

import (
	"net/url"
	"time"
)

// newAttempt makes the secrets of one login attempt: a fresh state, and,
// as the configuration asks, a PKCE code verifier, whose challenge goes
// into the authorization URL, and a nonce for the [Identifier]. Nothing of it
// comes from the request but the return path, which is checked already.
func (c *Client) newAttempt(returnTo string, now time.Time) (p pendingLogin, challenge string) {
	p = pendingLogin{State: randomToken(), ReturnTo: returnTo, Created: now.Unix()}
	if !c.cfg.InsecureDisablePKCE {
		p.Verifier = randomToken()
		challenge = s256Challenge(p.Verifier)
	}
	if c.cfg.Identifier != nil {
		p.Nonce = randomToken()
	}
	return p, challenge
}

// AuthCodeURL returns the provider's authorization URL for one login
// attempt (RFC 6749 §4.1.1). state ties the answer to this browser's
// session; codeChallenge ties the code to the verifier kept on the server;
// nonce ties the OpenID Connect ID token to this attempt (OpenID Connect
// Core §3.1.2.1). An empty codeChallenge or nonce is left out.
//
// Every value comes from configuration or from fresh randomness, never
// from the request: in particular redirect_uri is always the configured
// one, byte for byte, never built from the Host header (RFC 9700 §4.1;
// RFC 6749 §4.1.3 asks for the same value in the token request).
func (c *Client) AuthCodeURL(state, codeChallenge, nonce string) string {
	// AuthorizeURL was validated at start-up; some providers put fixed
	// parameters in it, which are kept.
	u, _ := url.Parse(c.cfg.AuthorizeURL)
	q := u.Query()
	q.Set("response_type", "code")
	q.Set("client_id", c.cfg.ClientID)
	q.Set("redirect_uri", c.cfg.RedirectURL)
	q.Set("state", state)
	setIfNotEmpty(q, "scope", c.cfg.Scope)
	setIfNotEmpty(q, "prompt", c.cfg.Prompt)
	setIfNotEmpty(q, "approval_prompt", c.cfg.ApprovalPrompt)
	if codeChallenge != "" {
		q.Set("code_challenge", codeChallenge)
		q.Set("code_challenge_method", "S256")
	}
	setIfNotEmpty(q, "nonce", nonce)
	u.RawQuery = q.Encode()
	return u.String()
}

func setIfNotEmpty(q url.Values, key, value string) {
	if value != "" {
		q.Set(key, value)
	}
}
