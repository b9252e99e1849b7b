package access

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"oauthlogin/oauth"
)

// Claims is the [Source] of an OpenID Connect provider: the claims email,
// email_verified and the groups claim, from the login's ID token and, for
// what the ID token leaves out, from a UserInfo endpoint (OpenID Connect
// Core §5.3). Some providers put these claims in one place only.
type Claims struct {
	// IDToken reads the claims of the login's ID token. Set it only when an
	// oauth.Identifier verified that token (package oauth/openid's does):
	// Admit runs after the Identifier, so the claims are then the
	// provider's. A token nothing verified is anyone's writing.
	IDToken bool

	// UserinfoURL, when set, is asked with the access token for what the ID
	// token leaves out. Its answer counts only when its sub is the user's
	// (Core §5.3.2): otherwise it may be about someone else, such as the
	// owner of a token substituted for ours. Any endpoint that answers
	// with OpenID Connect's claim names will do: GitLab's /oauth/userinfo,
	// or the development provider's /user.
	UserinfoURL string

	// GroupsClaim names the claim that holds the groups: an array of
	// strings, or one string for one group. "groups" when empty.
	GroupsClaim string
}

// errSubjectMismatch marks claims about another account than the user's.
var errSubjectMismatch = errors.New("the claims are about another account than the one that logged in")

// Facts implements [Source].
func (s Claims) Facts(ctx context.Context, c *oauth.Client, tok *oauth.Token, u oauth.User, need Need) (Facts, error) {
	var f Facts
	if s.IDToken && tok.IDToken != "" {
		claims, err := idTokenClaims(tok.IDToken)
		if err == nil && stringClaim(claims, "sub") != u.Subject {
			err = fmt.Errorf("ID token: %w", errSubjectMismatch)
		}
		if err != nil {
			return Facts{}, err
		}
		need = s.read(claims, need, &f)
	}
	if need == (Need{}) || s.UserinfoURL == "" {
		return f, nil
	}
	var claims map[string]json.RawMessage
	if err := getJSON(ctx, c, tok, s.UserinfoURL, &claims); err != nil {
		return Facts{}, err
	}
	if stringClaim(claims, "sub") != u.Subject {
		return Facts{}, fmt.Errorf("userinfo: %w", errSubjectMismatch)
	}
	s.read(claims, need, &f)
	return f, nil
}

// Calls implements [Source]: UserInfo, when it is set and something is
// needed; the ID token is read without a call.
func (s Claims) Calls(need Need) int {
	if s.UserinfoURL == "" || need == (Need{}) {
		return 0
	}
	return 1
}

// read adds to f what need asks for and claims hold, and returns what is
// still missing. An address counts only with email_verified true. A
// groups claim counts once it is there, even empty or of the wrong type,
// so that UserInfo is not asked to say otherwise than the ID token.
func (s Claims) read(claims map[string]json.RawMessage, need Need, f *Facts) (missing Need) {
	if need.Emails {
		if email := stringClaim(claims, "email"); email != "" && verified(claims["email_verified"]) {
			f.Emails = append(f.Emails, email)
		} else {
			missing.Emails = true
		}
	}
	if need.Groups {
		if raw, ok := claims[cmp.Or(s.GroupsClaim, "groups")]; ok {
			f.Groups = groupsOf(raw)
		} else {
			missing.Groups = true
		}
	}
	return missing
}

// groupsOf reads a groups claim: an array of strings, or a string, which
// is one group, commas and all ("staff,admin" is not staff). Anything else
// is no group.
func groupsOf(raw json.RawMessage) []string {
	var many []string
	if json.Unmarshal(raw, &many) == nil {
		return many
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	return nil
}

// verified reads email_verified: a JSON boolean (Core §5.1), or the
// strings "true" and "false" that some providers send.
func verified(raw json.RawMessage) bool {
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return b
	}
	var s string
	return json.Unmarshal(raw, &s) == nil && s == "true"
}

// stringClaim is the claim name when it is a string, else "".
func stringClaim(claims map[string]json.RawMessage, name string) string {
	var s string
	if json.Unmarshal(claims[name], &s) != nil {
		return ""
	}
	return s
}

// idTokenClaims decodes the claims of an ID token in JWS compact
// serialization (RFC 7515 §7.1) without checking it: the Identifier did,
// in this request, and Claims.IDToken is set only then.
func idTokenClaims(raw string) (map[string]json.RawMessage, error) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("%w: the ID token is not a JWS", oauth.ErrUnexpectedResponse)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	var claims map[string]json.RawMessage
	if err != nil || json.Unmarshal(payload, &claims) != nil || claims == nil {
		return nil, fmt.Errorf("%w: the ID token's claims are not a JSON object", oauth.ErrUnexpectedResponse)
	}
	return claims, nil
}
