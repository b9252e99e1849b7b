package tokens

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"oauthlogin/oauth"
)

// The two calls this layer makes to the provider, beside the login's own.

// refreshAccessToken asks the token endpoint for a new access token with a refresh
// token (RFC 6749 §6). The answer may carry a new refresh token, which then
// replaces the old one (§6, RFC 9700 §4.14.2), and an ID token, which the
// caller must verify (OpenID Connect Core §12.2).
//
// It makes exactly one request, and never tries again by itself: with
// refresh token rotation, sending a used token again can revoke the whole
// grant, so whether to try again is the caller's decision.
func refreshAccessToken(ctx context.Context, c *oauth.Client, refreshToken string) (*oauth.Token, error) {
	tok, err := c.RequestToken(ctx, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}})
	if err != nil {
		return nil, fmt.Errorf("refresh token: %w", err)
	}
	return tok, nil
}

// revokeToken asks the provider's revocation endpoint to revoke token
// (RFC 7009 §2.1), authenticated as at the token endpoint; hint is
// "refresh_token" or "access_token". The provider answers 200 also for a
// token it does not know (§2.2), so anything else is an error.
func revokeToken(ctx context.Context, c *oauth.Client, endpoint, token, hint string) error {
	status, _, _, err := c.PostForm(ctx, endpoint, url.Values{"token": {token}, "token_type_hint": {hint}})
	if err == nil && status != http.StatusOK {
		err = fmt.Errorf("%w: HTTP %d", oauth.ErrUnexpectedResponse, status)
	}
	if err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	return nil
}
