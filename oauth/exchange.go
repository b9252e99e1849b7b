package oauth

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
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
	// RFC 6749 §4.1.3: redirect_uri is required here because it was in the
	// authorization request, and must be the identical string.
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {c.cfg.RedirectURL}}
	if verifier != "" {
		form.Set("code_verifier", verifier)
	}
	tok, err := c.RequestToken(ctx, form)
	if err != nil {
		return nil, fmt.Errorf("exchange code: %w", err)
	}
	return tok, nil
}

// RequestToken posts a grant (Exchange's; oauth/tokens' refresh, RFC 6749
// §6) to the token endpoint with [Client.PostForm], once, and reads the
// answer with every check a token response must pass (token.go).
func (c *Client) RequestToken(ctx context.Context, form url.Values) (*Token, error) {
	status, contentType, body, err := c.PostForm(ctx, c.cfg.TokenURL, form)
	if err != nil {
		return nil, err
	}
	return parseTokenResponse(status, contentType, body)
}

// PostForm posts form to one of the provider's endpoints (token,
// revocation), authenticating the client as Config.AuthMethod says
// (RFC 6749 §2.3.1), and returns the answer whatever its status. Like
// every call of the Client's it sends APIHeaders and refuses redirects,
// an oversized answer and one slower than the Timeout.
func (c *Client) PostForm(ctx context.Context, endpoint string, form url.Values) (status int, contentType string, body []byte, err error) {
	if c.cfg.AuthMethod == AuthMethodPost {
		form = maps.Clone(form) // the caller's stays as it was
		form.Set("client_id", c.cfg.ClientID)
		form.Set("client_secret", c.cfg.ClientSecret)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, "", nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if c.cfg.AuthMethod == AuthMethodBasic {
		// RFC 6749 §2.3.1: the id and secret are form-encoded before they
		// are joined for Basic authentication. SetBasicAuth does not do it,
		// and a secret with ':' or '%' would otherwise be misread.
		req.SetBasicAuth(url.QueryEscape(c.cfg.ClientID), url.QueryEscape(c.cfg.ClientSecret))
	}
	return c.do(req)
}

// do sends req with APIHeaders and reads the whole answer, up to
// maxResponseSize, within the Client's timeout. It asks for JSON (GitHub,
// for one, answers form-encoded otherwise). A redirect is an error, not
// something to follow.
func (c *Client) do(req *http.Request) (status int, contentType string, body []byte, err error) {
	req.Header.Set("Accept", "application/json")
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
	if err = cmp.Or(ctx.Err(), err); err != nil {
		return 0, "", nil, fmt.Errorf("read response: %w", err)
	}
	if len(body) > maxResponseSize {
		return 0, "", nil, fmt.Errorf("%w: response larger than %d bytes", ErrUnexpectedResponse, maxResponseSize)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), body, nil
}
