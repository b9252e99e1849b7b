package tokens

import (
	"net/url"
	"slices"
	"strings"

	"oauthlogin/oauth"
)

// AskForRefreshTokens changes c so that logins ask the provider for a
// refresh token, where the provider needs to be asked, in the way it
// documents. offlineAccess says that an OpenID Connect provider lists the
// scope offline_access in its discovery document (scopes_supported).
//
//   - Google (c.Issuer is oauth.Google's): access_type=offline in the
//     authorization URL, and prompt=consent, since Google issues a refresh
//     token only when the person consents.
//   - Another OpenID Connect provider that lists offline_access: that
//     scope, with prompt=consent, without which OpenID Connect Core §11
//     lets the provider ignore it.
//   - Anything else is left as it is: GitLab issues a refresh token with
//     every login, and so do GitHub Apps whose user tokens expire; a
//     GitHub OAuth app's tokens do not expire, and it has none to give.
func AskForRefreshTokens(c *oauth.Config, offlineAccess bool) {
	switch {
	case c.Issuer == oauth.Google().Issuer:
		if u, err := url.Parse(c.AuthorizeURL); err == nil {
			q := u.Query()
			q.Set("access_type", "offline")
			u.RawQuery = q.Encode()
			c.AuthorizeURL = u.String()
		}
		c.Prompt = addWord(c.Prompt, "consent")
	case c.Issuer != "" && offlineAccess:
		c.Scope = addWord(c.Scope, "offline_access")
		c.Prompt = addWord(c.Prompt, "consent")
	}
}

// addWord adds word to a space-separated list, unless it is there.
func addWord(list, word string) string {
	if slices.Contains(strings.Fields(list), word) {
		return list
	}
	return strings.TrimSpace(list + " " + word)
}
