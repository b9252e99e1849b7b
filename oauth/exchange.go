package oauth

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// maxResponseSize bounds what the client reads from the provider. A token
// response or a profile is a few kilobytes; a provider that sends more is
// broken or hostile, and reading on would let it fill our memory.
const maxResponseSize = 1 << 20

// Exchange redeems an authorization code for an access token at the token
// endpoint (RFC 6749 §4.1.3), sending the PKCE verifier that belongs to the
// code's login attempt (RFC 7636 §4.5).
//
// It makes exactly one request: a code may be used only once (RFC 6749
// §4.1.2), so a failed exchange is never retried, not even after a
// timeout: the provider may have redeemed it before the answer was lost.
func (c *Client) Exchange(ctx context.Context, code, verifier string) (*Token, error) {
	form := url.Values{}
	form.Set("grant_type", "authorization_code")
	form.Set("code", code)
	// RFC 6749 §4.1.3: redirect_uri is required here because it was in the
	// authorization request, and must be the identical string.
	form.Set("redirect_uri", c.cfg.RedirectURL)
	if verifier != "" {
		form.Set("code_verifier", verifier)
	}
	tok, err := c.tokenCall(ctx, form)
	if err != nil {
		return nil, fmt.Errorf("exchange code: %w", err)
	}
	return tok, nil
}

// Refresh asks the token endpoint for a new access token with a refresh
// token (RFC 6749 §6). The answer may carry a new refresh token, which then
// replaces the old one (§6, RFC 9700 §4.14.2), and an ID token, which the
// caller must verify (OpenID Connect Core §12.2).
//
// It makes exactly one request, and never tries again by itself: with
// refresh token rotation, sending a used token again can revoke the whole
// grant, so whether to try again is the caller's decision.
func (c *Client) Refresh(ctx context.Context, refreshToken string) (*Token, error) {
	tok, err := c.tokenCall(ctx, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}})
	if err != nil {
		return nil, fmt.Errorf("refresh token: %w", err)
	}
	return tok, nil
}

// Revoke asks the provider's revocation endpoint to revoke token
// (RFC 7009 §2.1); hint is "refresh_token" or "access_token". The provider
// answers 200 also for a token it does not know (§2.2).
func (c *Client) Revoke(ctx context.Context, endpoint, token, hint string) error {
	req, err := c.formRequest(ctx, endpoint, url.Values{"token": {token}, "token_type_hint": {hint}})
	if err == nil {
		var status int
		status, _, _, err = c.do(req)
		if err == nil && status != http.StatusOK {
			err = fmt.Errorf("%w: HTTP %d", ErrUnexpectedResponse, status)
		}
	}
	if err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	return nil
}

// tokenCall posts form to the token endpoint and reads the token response.
func (c *Client) tokenCall(ctx context.Context, form url.Values) (*Token, error) {
	req, err := c.formRequest(ctx, c.cfg.TokenURL, form)
	if err != nil {
		return nil, err
	}
	status, contentType, body, err := c.do(req)
	if err != nil {
		return nil, err
	}
	return parseTokenResponse(status, contentType, body)
}

// formRequest is a form POST to one of the provider's endpoints that
// authenticates the client as Config.AuthMethod says (RFC 6749 §2.3.1).
func (c *Client) formRequest(ctx context.Context, endpoint string, form url.Values) (*http.Request, error) {
	if c.cfg.AuthMethod == AuthMethodPost {
		form.Set("client_id", c.cfg.ClientID)
		form.Set("client_secret", c.cfg.ClientSecret)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	// Ask for JSON: GitHub, for one, answers form-encoded otherwise.
	req.Header.Set("Accept", "application/json")
	if c.cfg.AuthMethod == AuthMethodBasic {
		// RFC 6749 §2.3.1: the id and secret are form-encoded before they
		// are joined for Basic authentication. SetBasicAuth does not do it,
		// and a secret with ':' or '%' would otherwise be misread.
		req.SetBasicAuth(url.QueryEscape(c.cfg.ClientID), url.QueryEscape(c.cfg.ClientSecret))
	}
	return req, nil
}

// do sends req and reads the whole answer, up to maxResponseSize. A
// redirect is an error, not something to follow.
func (c *Client) do(req *http.Request) (status int, contentType string, body []byte, err error) {
	for name, value := range c.cfg.APIHeaders {
		req.Header.Set(name, value)
	}
	// The http.Client's Timeout bounds the call too; this deadline, set
	// first, expires no later, so that an answer cut short by the time
	// limit is reported as a timeout below, not as a malformed body.
	ctx, cancel := context.WithTimeout(req.Context(), c.cfg.Timeout)
	defer cancel()
	resp, err := c.http.Do(req.WithContext(ctx))
	if err != nil {
		return 0, "", nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
		return 0, "", nil, fmt.Errorf("%w: redirect (HTTP %d) from %s", ErrUnexpectedResponse, resp.StatusCode, req.URL.Path)
	}
	// Read one byte past the limit so that an oversized body is an error
	// rather than a silently truncated document.
	body, err = io.ReadAll(io.LimitReader(resp.Body, maxResponseSize+1))
	if ctxErr := ctx.Err(); ctxErr != nil {
		return 0, "", nil, fmt.Errorf("read response: %w", ctxErr)
	}
	if err != nil {
		return 0, "", nil, fmt.Errorf("read response: %w", err)
	}
	if len(body) > maxResponseSize {
		return 0, "", nil, fmt.Errorf("%w: response larger than %d bytes", ErrUnexpectedResponse, maxResponseSize)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), body, nil
}
