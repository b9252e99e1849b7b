package openid

import (
	"context"
	"errors"
	"slices"

	"oauthlogin/oauth"
)

// errSubjectChanged marks a refreshed ID token about another user.
var errSubjectChanged = errors.New("the refreshed ID token's iss and sub differ from the login's")

// CheckRefreshedIDToken checks the ID token of a refresh's token response,
// for the login of u (OpenID Connect Core §12.2): it must verify as an ID
// token of this provider for this client, current and signed (as at
// login, §3.1.3.7, but without a nonce: a refresh sends none), and its iss
// and sub must be those of the login. A token about anyone else means the
// grant no longer stands for the person logged in, and is refused with a
// *oauth.Refusal. Pass it as the tokens layer's CheckIDToken.
//
// Core asks for the same aud as the login's ID token; the Verifier's check
// that aud holds this client (and azp, when there are several) is that
// check without keeping the first token.
func (p *Provider) CheckRefreshedIDToken(ctx context.Context, rawIDToken string, u oauth.User) error {
	claims, err := p.verify(ctx, rawIDToken, "")
	if err != nil {
		return refusal(err)
	}
	if claims.Issuer != u.Issuer || claims.Subject != u.Subject {
		return &oauth.Refusal{Reason: "id_token_subject_changed", Err: errSubjectChanged}
	}
	return nil
}

// RevocationURL is the provider's token revocation endpoint (RFC 7009)
// from its discovery document, where logout revokes the tokens it kept;
// "" when the provider publishes none.
func (p *Provider) RevocationURL() string { return p.meta.RevocationEndpoint }

// OffersRefreshTokens reports whether the provider lists the scope
// offline_access, which asks it for a refresh token (Core §11).
func (p *Provider) OffersRefreshTokens() bool {
	return slices.Contains(p.meta.ScopesSupported, "offline_access")
}
