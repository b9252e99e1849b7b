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

func TestEveryResponseIsUncacheable(t *testing.T) {
	s := start(t, config())
	r := getUser(t, s, s.HTTP.URL+"/nowhere", "")
	if r.status != http.StatusNotFound || r.header.Get("Cache-Control") != "no-store" {
		t.Errorf("status %d, Cache-Control %q; want 404 and no-store", r.status, r.header.Get("Cache-Control"))
	}
}
