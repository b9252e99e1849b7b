package oauth

import (
	"context"
	"errors"
	"fmt"
	"net/url"
)

var (
	// errIDTokenRefused marks a login whose ID token was missing or did
	// not pass the verifier, as opposed to a failed call for the profile.
	errIDTokenRefused = errors.New("ID token refused")

	// errSubjectMismatch marks a userinfo answer about another user than
	// the ID token's.
	errSubjectMismatch = errors.New("userinfo sub differs from the ID token's")
)

// identify finds out who logged in, once the code has been exchanged.
//
// With OpenID Connect the answer is the verified ID token: it is signed by
// the provider, addressed to this client, fresh, and bound to this login
// by its nonce (OpenID Connect Core §3.1.3.7). The userinfo endpoint may
// only fill in a missing user name or display name, and only when it
// speaks of the same subject (§5.3.2). Without OpenID Connect the user
// endpoint is all there is.
func (c *Client) identify(ctx context.Context, tok *Token, nonce string) (User, error) {
	if !c.usesOpenID() {
		u, err := c.FetchUser(ctx, tok)
		u.Issuer = c.issuerName()
		return u, err
	}
	if tok.IDToken == "" {
		return User{}, fmt.Errorf("%w: %w", errIDTokenRefused, errIDTokenMissing)
	}
	claims, err := c.cfg.IDTokens.VerifyIDToken(ctx, tok.IDToken, nonce)
	if err != nil {
		return User{}, fmt.Errorf("%w: %w", errIDTokenRefused, err)
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
		info, err := c.fetchProfile(ctx, tok)
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

// usesOpenID reports whether logins are OpenID Connect ones: with a
// nonce, and with the user taken from a verified ID token.
func (c *Client) usesOpenID() bool { return c.cfg.IDTokens != nil }

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
