package oidc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Metadata is the part of the provider's discovery document the login uses
// (OpenID Connect Discovery 1.0 §3). [Discover] has checked it: the
// issuer is the one asked for, the endpoints the login needs are there,
// and every endpoint is an https URL (http only on loopback hosts).
type Metadata struct {
	Issuer                string `json:"issuer"`
	AuthorizationEndpoint string `json:"authorization_endpoint"`
	TokenEndpoint         string `json:"token_endpoint"`
	UserinfoEndpoint      string `json:"userinfo_endpoint"`    // "" when the provider has none
	JWKSURI               string `json:"jwks_uri"`             // for [NewKeySet]
	EndSessionEndpoint    string `json:"end_session_endpoint"` // "" when the provider has none
	RevocationEndpoint    string `json:"revocation_endpoint"`  // RFC 7009 (RFC 8414 §2); "" when not published

	// IssParameterSupported tells that the provider adds iss to its
	// authorization responses, which the callback can then require
	// (RFC 9207 §3).
	IssParameterSupported bool `json:"authorization_response_iss_parameter_supported"`

	// SigningAlgs lists the algorithms the provider may sign ID tokens
	// with. It is informational: the Verifier decides by the key.
	SigningAlgs []string `json:"id_token_signing_alg_values_supported"`

	// ScopesSupported lists scopes the provider says it supports; it
	// need not list them all. offline_access among them asks for refresh
	// tokens (Core §11).
	ScopesSupported []string `json:"scopes_supported"`
}

// wellKnownPath is where the configuration lives below the issuer
// (Discovery §4).
const wellKnownPath = "/.well-known/openid-configuration"

// Discover fetches the discovery document of the provider whose issuer
// identifier is issuer, and checks it (OpenID Connect Discovery 1.0 §4).
//
// Pass issuer exactly as the provider writes it, trailing slash included
// or not: the issuer in the document must equal it character for
// character (§4.3). That comparison is what stops a mix-up, where one
// provider's document sends us to another's endpoints.
//
// The fetch is bounded by ctx and by client's Timeout; a nil client gets
// a timeout of 10 seconds. Redirects are never followed, whatever client's
// CheckRedirect says: the document must come from the issuer's own URL.
// A body over 1 MiB is refused.
func Discover(ctx context.Context, client *http.Client, issuer string) (*Metadata, error) {
	if err := checkIssuer(issuer); err != nil {
		return nil, fmt.Errorf("oidc: discovery: issuer %s: %w", quote(issuer), err)
	}
	configURL := DiscoveryURL(issuer)

	var m Metadata
	if err := fetchJSON(ctx, withoutRedirects(client), configURL, &m); err != nil {
		return nil, fmt.Errorf("oidc: discovery: fetching %s: %w", configURL, err)
	}
	if err := m.check(issuer); err != nil {
		return nil, fmt.Errorf("oidc: discovery: %s: %w", configURL, err)
	}
	return &m, nil
}

// DiscoveryURL is where the discovery document of issuer is: the issuer
// with one trailing "/" removed, and /.well-known/openid-configuration
// (Discovery §4.1).
func DiscoveryURL(issuer string) string {
	return strings.TrimSuffix(issuer, "/") + wellKnownPath
}

// checkIssuer applies Discovery §3's rule for an issuer identifier: an
// https URL with no query or fragment (http on loopback hosts, as
// everywhere in the application).
func checkIssuer(issuer string) error {
	if err := checkEndpointURL(issuer); err != nil {
		return err
	}
	if strings.Contains(issuer, "?") {
		return errors.New("must not contain a query")
	}
	return nil
}

// check checks a decoded document against the issuer it was fetched for.
func (m *Metadata) check(issuer string) error {
	// §4.3: simple string comparison, no normalisation of any kind.
	if m.Issuer != issuer {
		return fmt.Errorf("issuer is %s, not %s: the document describes another issuer", quote(m.Issuer), quote(issuer))
	}
	endpoints := []struct {
		name, value string
		required    bool
	}{
		{"authorization_endpoint", m.AuthorizationEndpoint, true},
		{"token_endpoint", m.TokenEndpoint, true},
		{"jwks_uri", m.JWKSURI, true},
		{"userinfo_endpoint", m.UserinfoEndpoint, false},
		{"end_session_endpoint", m.EndSessionEndpoint, false},
		{"revocation_endpoint", m.RevocationEndpoint, false},
	}
	for _, e := range endpoints {
		if e.value == "" {
			if e.required {
				return fmt.Errorf("%s is missing", e.name)
			}
			continue
		}
		if err := checkEndpointURL(e.value); err != nil {
			return fmt.Errorf("%s %s: %w", e.name, quote(e.value), err)
		}
	}
	return nil
}
