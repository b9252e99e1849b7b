package oauth

import (
	"context"
	"net/url"
)

// identify finds out who logged in (step 4): the configured [Identifier]
// when there is one, otherwise the user endpoint, whose answer is about
// the token's owner.
func (c *Client) identify(ctx context.Context, tok *Token, nonce string) (User, error) {
	if c.cfg.Identifier != nil {
		return c.cfg.Identifier.Identify(ctx, c, tok, nonce)
	}
	u, err := c.FetchUser(ctx, tok)
	u.Issuer = c.IssuerName()
	return u, err
}

// IssuerName names the provider in a User: its issuer identifier when it
// has one, else the origin of its authorization endpoint, such as
// https://github.com. Issuer and subject together name one account.
func (c *Client) IssuerName() string {
	if c.cfg.Issuer != "" {
		return c.cfg.Issuer
	}
	u, err := url.Parse(c.cfg.AuthorizeURL)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
