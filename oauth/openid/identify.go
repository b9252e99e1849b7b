package openid

import (
	"context"
	"errors"
	"fmt"

	"oauthlogin/oauth"
	"oauthlogin/oauth/oidc"
)

// errSubjectMismatch marks a userinfo answer about another user than the
// ID token's.
var errSubjectMismatch = errors.New("userinfo sub differs from the ID token's")

// maxClaimLength bounds each value of the User kept in the session and
// shown on pages, as package oauth bounds the fields of a profile: a
// provider must not fill the session record with a name.
const maxClaimLength = 256

// identifier is the oauth.Identifier that [Provider.Configure] sets.
type identifier struct {
	verify   verifyFunc
	userinfo bool // whether the Config has a user endpoint to complete the user from
}

// Identify returns the user that tok's ID token names.
//
// The ID token is the answer: it is signed by the provider, addressed to
// this client, fresh, and bound to this login attempt by its nonce
// (OpenID Connect Core §3.1.3.7). The userinfo endpoint may only fill in
// a missing user name or display name, and only when it speaks of the
// same subject (§5.3.2); its e-mail address is not verified, and is never
// used.
func (id identifier) Identify(ctx context.Context, c *oauth.Client, tok *oauth.Token, nonce string) (oauth.User, error) {
	if tok.IDToken == "" {
		// §3.1.3.3: the token response of an OpenID Connect login carries
		// an ID token. Without one, nothing says who logged in.
		return oauth.User{}, &oauth.Refusal{Reason: "missing_id_token", Err: errors.New("the token response has no id_token")}
	}
	claims, err := id.verify(ctx, tok.IDToken, nonce)
	if err != nil {
		return oauth.User{}, refusal(err)
	}
	u := oauth.User{
		Issuer:   claims.Issuer,
		Subject:  claims.Subject,
		Username: claims.PreferredUsername,
		Name:     claims.Name,
	}
	// An address the provider has not verified is whatever the user typed.
	if claims.EmailVerified {
		u.Email = claims.Email
	}
	if id.userinfo && (u.Username == "" || u.Name == "") {
		if err := completeFromUserinfo(ctx, c, tok, &u); err != nil {
			return oauth.User{}, err
		}
	}
	// Something to show for a user name: the verified address, or at
	// worst the subject, rather than nothing.
	if u.Username == "" {
		u.Username = u.Email
	}
	if u.Username == "" {
		u.Username = u.Subject
	}
	if err := checkUser(u); err != nil {
		return oauth.User{}, err
	}
	return u, nil
}

// refusal turns oidc's reason for refusing a token into the reason that
// package oauth logs. The two packages know nothing of each other; this
// is the plug between them.
func refusal(err error) error {
	var refused *oidc.VerifyError
	if errors.As(err, &refused) {
		return &oauth.Refusal{Reason: refused.Reason, Err: err}
	}
	return fmt.Errorf("verify ID token: %w", err)
}

// completeFromUserinfo fills in u's missing user name and display name
// from the userinfo endpoint (Core §5.3). Its answer counts only when its
// sub is the ID token's (§5.3.2): otherwise it may be about someone else,
// such as the owner of a token substituted for ours.
func completeFromUserinfo(ctx context.Context, c *oauth.Client, tok *oauth.Token, u *oauth.User) error {
	info, err := c.FetchProfile(ctx, tok)
	if err != nil {
		return err
	}
	if info.Subject != u.Subject {
		return fmt.Errorf("fetch user: %w", errSubjectMismatch)
	}
	if u.Username == "" {
		u.Username = info.Username
	}
	if u.Name == "" {
		u.Name = info.Name
	}
	return nil
}

// checkUser bounds what the provider's claims can make the session keep
// and the pages show. (They are valid UTF-8: decoding JSON makes them so.)
func checkUser(u oauth.User) error {
	for _, claim := range []string{u.Subject, u.Username, u.Name, u.Email} {
		if len(claim) > maxClaimLength {
			return fmt.Errorf("%w: an ID token claim is over %d bytes", oauth.ErrUnexpectedResponse, maxClaimLength)
		}
	}
	return nil
}
