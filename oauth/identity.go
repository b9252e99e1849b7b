package oauth

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"oauthlogin/oauth/oidc"
)

// IDTokenVerifier checks an OpenID Connect ID token and returns its claims;
// [oidc.Verifier] is the implementation. nonce is the value sent with the
// authorization request, which the token must carry back.
type IDTokenVerifier interface {
	Verify(ctx context.Context, rawIDToken, nonce string) (*oidc.Claims, error)
}

// errSubjectMismatch marks a userinfo answer about another user than the
// ID token's.
var errSubjectMismatch = errors.New("userinfo sub differs from the ID token's")

// identify finds out who logged in, once the code has been exchanged.
//
// With OpenID Connect the answer is the verified ID token: it is signed by
// the provider, addressed to this client, fresh, and bound to this login
// by its nonce (OpenID Connect Core §3.1.3.7). The userinfo endpoint may
// only fill in a missing user name or display name, and only when it
// speaks of the same subject (§5.3.2). Without OpenID Connect the user
// endpoint is all there is.
func (c *Client) identify(ctx context.Context, tok *Token, nonce string) (User, error) {
	if c.cfg.IDTokens == nil {
		u, err := c.FetchUser(ctx, tok)
		u.Issuer = c.issuerName()
		return u, err
	}
	if tok.IDToken == "" {
		return User{}, &oidc.VerifyError{Reason: "missing_id_token", Err: errors.New("the token response has no id_token")}
	}
	claims, err := c.cfg.IDTokens.Verify(ctx, tok.IDToken, nonce)
	if err != nil {
		return User{}, fmt.Errorf("verify ID token: %w", err)
	}
	u := User{
		Issuer:   claims.Issuer,
		Subject:  claims.Subject,
		Username: claims.PreferredUsername,
		Name:     claims.Name,
	}
	// An address the provider has not verified is whatever the user typed.
	if claims.EmailVerified {
		u.Email = claims.Email
	}
	if c.cfg.UserURL != "" && (u.Username == "" || u.Name == "") {
		info, err := c.FetchUser(ctx, tok)
		if err != nil {
			return User{}, err
		}
		if info.Subject != u.Subject {
			return User{}, fmt.Errorf("fetch user: %w", errSubjectMismatch)
		}
		if u.Username == "" {
			u.Username = info.Username
		}
		if u.Name == "" {
			u.Name = info.Name
		}
	}
	if u.Username == "" {
		u.Username = u.Email
	}
	if u.Username == "" {
		u.Username = u.Subject
	}
	if err := u.check(); err != nil {
		return User{}, err
	}
	return u, nil
}

// issuerName names the provider in a User: its issuer identifier when it
// has one, else the origin of its authorization endpoint, such as
// https://github.com.
func (c *Client) issuerName() string {
	if c.cfg.Issuer != "" {
		return c.cfg.Issuer
	}
	u, err := url.Parse(c.cfg.AuthorizeURL)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
