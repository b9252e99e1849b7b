package oauth

import "testing"

// A Config made from a preset has its own copy of the API headers, so a
// caller changing one login's headers cannot change the preset's, or
// another Config's.
func TestPresetConfigCopiesHeaders(t *testing.T) {
	p := GitHub()
	a := p.Config("id", "secret", "https://app.example/oauth/callback")
	a.APIHeaders["User-Agent"] = "changed"
	if p.APIHeaders["User-Agent"] != "oauthlogin" {
		t.Errorf("changing a Config's headers changed the preset's: %q", p.APIHeaders["User-Agent"])
	}
}

// Each preset carries what its provider needs: plain OAuth2 ones every
// endpoint and the profile fields, OpenID Connect ones an issuer and the
// openid scope.
func TestPresetsAreComplete(t *testing.T) {
	for _, p := range []Preset{GitHub(), GitLab(GitLabDotCom)} {
		if p.AuthorizeURL == "" || p.TokenURL == "" || p.UserURL == "" || p.UserFields.ID == "" || p.Issuer != "" {
			t.Errorf("%s: %+v; want every endpoint, the profile fields and no issuer", p.Name, p)
		}
	}
	for _, p := range []Preset{Google(), OpenIDConnect("https://issuer.example")} {
		if p.Issuer == "" || p.AuthorizeURL != "" || p.Scope == "" || p.Scope[:6] != "openid" {
			t.Errorf("%s: %+v; want an issuer, no endpoints and the openid scope", p.Name, p)
		}
	}
}
