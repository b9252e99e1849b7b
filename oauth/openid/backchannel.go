package openid

import (
	"context"

	"oauthlogin/oauth/oidc"
)

// VerifyLogoutToken checks a logout token that the provider sent to the
// back-channel logout endpoint (OpenID Connect Back-Channel Logout 1.0
// §2.6) with the keys, issuer, client and clock skew of its ID tokens.
// Package oauth/backchannel takes it as its Verify option.
func (p *Provider) VerifyLogoutToken(ctx context.Context, rawToken string) (*oidc.LogoutClaims, error) {
	return p.verifier.VerifyLogoutToken(ctx, rawToken)
}
