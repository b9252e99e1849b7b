package tokens

import (
	"net/url"
	"testing"

	"oauthlogin/oauth"
)

// TestAskForRefreshTokens: each provider is asked for a refresh token as it
// documents, and only where it must be.
func TestAskForRefreshTokens(t *testing.T) {
	google := oauth.Google().Config("id", "secret", "https://app.example/oauth/callback")
	google.AuthorizeURL = "https://accounts.google.com/o/oauth2/v2/auth?hd=example.com" // from discovery, with a fixed parameter
	AskForRefreshTokens(&google, false)
	u, err := url.Parse(google.AuthorizeURL)
	if err != nil {
		t.Fatal(err)
	}
	if q := u.Query(); q.Get("access_type") != "offline" || q.Get("hd") != "example.com" {
		t.Errorf("Google: authorization URL %s, want access_type=offline and the fixed parameter kept", google.AuthorizeURL)
	}
	if google.Prompt != "select_account consent" || google.Scope != "openid profile email" {
		t.Errorf("Google: prompt %q, scope %q", google.Prompt, google.Scope)
	}

	oidc := oauth.OpenIDConnect("https://op.example").Config("id", "secret", "https://app.example/oauth/callback")
	AskForRefreshTokens(&oidc, true)
	AskForRefreshTokens(&oidc, true) // twice changes nothing more
	if oidc.Scope != "openid profile email offline_access" || oidc.Prompt != "consent" {
		t.Errorf("OpenID Connect with offline_access: scope %q, prompt %q; want offline_access with prompt=consent (Core §11)",
			oidc.Scope, oidc.Prompt)
	}
	unlisted := oauth.OpenIDConnect("https://op.example").Config("id", "secret", "https://app.example/oauth/callback")
	AskForRefreshTokens(&unlisted, false)
	if unlisted.Scope != "openid profile email" || unlisted.Prompt != "" {
		t.Errorf("OpenID Connect without offline_access: scope %q, prompt %q; want them as they were", unlisted.Scope, unlisted.Prompt)
	}
	for _, p := range []oauth.Preset{oauth.GitHub(), oauth.GitLab(oauth.GitLabDotCom)} {
		c := p.Config("id", "secret", "https://app.example/oauth/callback")
		before := c.AuthorizeURL + " " + c.Scope + " " + c.Prompt
		AskForRefreshTokens(&c, true)
		if after := c.AuthorizeURL + " " + c.Scope + " " + c.Prompt; after != before {
			t.Errorf("%s: %q became %q; it needs nothing asked", p.Name, before, after)
		}
	}
}
