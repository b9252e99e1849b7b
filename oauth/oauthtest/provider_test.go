package oauthtest_test

import (
	"net/http"
	"testing"

	"oauthlogin/oauth/oauthtest"
)

func TestNewRefusesUnworkableConfig(t *testing.T) {
	tests := []struct {
		name   string
		change func(*oauthtest.Config)
	}{
		{"no client ID", func(c *oauthtest.Config) { c.ClientID = "" }},
		{"no secret", func(c *oauthtest.Config) { c.ClientSecret = "" }},
		{"no redirect URL", func(c *oauthtest.Config) { c.RedirectURL = "" }},
		{"unparsable redirect URL", func(c *oauthtest.Config) { c.RedirectURL = "https://app.test/%zz" }},
		{"relative redirect URL", func(c *oauthtest.Config) { c.RedirectURL = "/callback" }},
		{"redirect URL with fragment", func(c *oauthtest.Config) { c.RedirectURL = "https://app.test/callback#x" }},
		{"redirect URL with empty fragment", func(c *oauthtest.Config) { c.RedirectURL = "https://app.test/callback#" }},
		{"bad AutoApprove", func(c *oauthtest.Config) { c.AutoApprove = "a b" }},
		{"unknown shape", func(c *oauthtest.Config) { c.Shape = oauthtest.ShapeGitLab + 1 }},
		{"negative shape", func(c *oauthtest.Config) { c.Shape = -1 }},
		{"OpenID without issuer", func(c *oauthtest.Config) { c.OpenID = true }},
		{"relative issuer", openID("/issuer", nil)},
		{"issuer without host", openID("https:///x", nil)},
		{"ftp issuer", openID("ftp://issuer.test", nil)},
		{"unparsable issuer", openID("https://issuer.test/%zz", nil)},
		{"issuer with query", openID("https://issuer.test/?tenant=1", nil)},
		{"issuer with empty query", openID("https://issuer.test/?", nil)},
		{"issuer with fragment", openID("https://issuer.test/#x", nil)},
		{"GitHub shape with OpenID", openID("https://issuer.test", func(c *oauthtest.Config) { c.Shape = oauthtest.ShapeGitHub })},
		{"unknown IDTokenAlg", openID("https://issuer.test", func(c *oauthtest.Config) { c.IDTokenAlg = "HS256" })},
		{"IDTokenAlg in lower case", openID("https://issuer.test", func(c *oauthtest.Config) { c.IDTokenAlg = "rs256" })},
		{"IDTokenAlg without OpenID", func(c *oauthtest.Config) { c.IDTokenAlg = "RS256" }},
		{"PostLogoutRedirectURL without OpenID", func(c *oauthtest.Config) { c.PostLogoutRedirectURL = "https://app.test/" }},
		{"relative PostLogoutRedirectURL", openID("https://issuer.test", func(c *oauthtest.Config) { c.PostLogoutRedirectURL = "/bye" })},
		{"unparsable PostLogoutRedirectURL", openID("https://issuer.test", func(c *oauthtest.Config) { c.PostLogoutRedirectURL = "https://app.test/%zz" })},
		{"PostLogoutRedirectURL with fragment", openID("https://issuer.test", func(c *oauthtest.Config) { c.PostLogoutRedirectURL = "https://app.test/bye#" })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := config()
			tt.change(&cfg)
			defer func() {
				if recover() == nil {
					t.Error("New did not panic")
				}
			}()
			oauthtest.New(cfg)
		})
	}
}

// openID returns a change to a configuration that turns OpenID on with
// issuer, and then makes the change more, unless it is nil.
func openID(issuer string, more func(*oauthtest.Config)) func(*oauthtest.Config) {
	return func(c *oauthtest.Config) {
		c.OpenID = true
		c.Issuer = issuer
		if more != nil {
			more(c)
		}
	}
}

// A configuration with every OpenID setting is accepted, so the refusals
// above are for their faults alone.
func TestNewAcceptsOpenIDConfig(t *testing.T) {
	cfg := config()
	openID("https://issuer.test", func(c *oauthtest.Config) {
		c.IDTokenAlg = "EdDSA"
		c.PostLogoutRedirectURL = "https://app.test/bye?from=oauthtest"
		c.Shape = oauthtest.ShapeGitLab
	})(&cfg)
	oauthtest.New(cfg)
}

func TestEveryResponseIsUncacheable(t *testing.T) {
	s := start(t, config())
	r := getUser(t, s, s.HTTP.URL+"/nowhere", "")
	if r.status != http.StatusNotFound || r.header.Get("Cache-Control") != "no-store" {
		t.Errorf("status %d, Cache-Control %q; want 404 and no-store", r.status, r.header.Get("Cache-Control"))
	}
}
