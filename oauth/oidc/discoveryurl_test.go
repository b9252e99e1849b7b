package oidc

import "testing"

func TestDiscoveryURL(t *testing.T) {
	for issuer, want := range map[string]string{
		"https://id.example":          "https://id.example/.well-known/openid-configuration",
		"https://id.example/":         "https://id.example/.well-known/openid-configuration",
		"https://id.example/tenant/a": "https://id.example/tenant/a/.well-known/openid-configuration",
		"https://id.example/tenant//": "https://id.example/tenant//.well-known/openid-configuration",
	} {
		if got := DiscoveryURL(issuer); got != want {
			t.Errorf("DiscoveryURL(%q) = %q, want %q", issuer, got, want)
		}
	}
}
