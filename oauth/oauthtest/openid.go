package oauthtest

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// checkOpenIDConfig checks the settings that OpenID mode needs, and that
// they are not given without it.
func checkOpenIDConfig(cfg Config) error {
	if !cfg.OpenID {
		if cfg.IDTokenAlg != "" || cfg.PostLogoutRedirectURL != "" {
			return errors.New("IDTokenAlg and PostLogoutRedirectURL need Config.OpenID")
		}
		return nil
	}
	if cfg.Shape == ShapeGitHub {
		return errors.New("ShapeGitHub cannot serve OpenID Connect: GitHub does not, to OAuth apps")
	}
	if cfg.IDTokenAlg != "" && !slices.Contains(signingAlgs(), cfg.IDTokenAlg) {
		return fmt.Errorf("the IDTokenAlg %q is not one of %q", cfg.IDTokenAlg, signingAlgs())
	}
	// OpenID Connect Discovery 1.0 §3: the issuer is a URL without query
	// or fragment. It should be https, but tests and local development on
	// a loopback address have only http.
	issuer, err := url.Parse(cfg.Issuer)
	switch {
	case cfg.Issuer == "":
		return errors.New("OpenID needs an Issuer (Config.Issuer)")
	case err != nil:
		return fmt.Errorf("the Issuer: %v", err)
	case issuer.Scheme != "https" && issuer.Scheme != "http" || issuer.Host == "":
		return fmt.Errorf("the Issuer %q is not an http or https URL", cfg.Issuer)
	case strings.ContainsAny(cfg.Issuer, "?#"):
		return fmt.Errorf("the Issuer %q has a query or fragment", cfg.Issuer)
	}
	if cfg.PostLogoutRedirectURL != "" {
		// RP-Initiated Logout 1.0 §3 asks for an absolute URL, like a
		// redirect URI, and so without fragment.
		target, err := url.Parse(cfg.PostLogoutRedirectURL)
		switch {
		case err != nil:
			return fmt.Errorf("the post-logout redirect URL: %v", err)
		case !target.IsAbs():
			return fmt.Errorf("the post-logout redirect URL %q is not absolute", cfg.PostLogoutRedirectURL)
		case strings.Contains(cfg.PostLogoutRedirectURL, "#"):
			return fmt.Errorf("the post-logout redirect URL %q has a fragment", cfg.PostLogoutRedirectURL)
		}
	}
	return nil
}

// discoveryDocument is the provider's metadata (OpenID Connect Discovery
// 1.0 §3).
type discoveryDocument struct {
	Issuer                string `json:"issuer"`
	AuthorizationEndpoint string `json:"authorization_endpoint"`
	TokenEndpoint         string `json:"token_endpoint"`
	UserinfoEndpoint      string `json:"userinfo_endpoint"`
	JWKSURI               string `json:"jwks_uri"`
	EndSessionEndpoint    string `json:"end_session_endpoint"` // RP-Initiated Logout 1.0 §2.1
	RevocationEndpoint    string `json:"revocation_endpoint"`  // RFC 7009, as RFC 8414 §2 names it

	ResponseTypesSupported []string `json:"response_types_supported"`
	// The defaults of these two include the implicit flow, which this
	// provider refuses, so they are stated.
	ResponseModesSupported []string `json:"response_modes_supported"`
	GrantTypesSupported    []string `json:"grant_types_supported"`

	SubjectTypesSupported             []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported  []string `json:"id_token_signing_alg_values_supported"`
	CodeChallengeMethodsSupported     []string `json:"code_challenge_methods_supported"` // RFC 8414 §2
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	ScopesSupported                   []string `json:"scopes_supported"`
	ClaimsSupported                   []string `json:"claims_supported"`

	// RFC 9207 §3: the authorization response carries iss, so a client
	// that sees this may insist on it.
	AuthorizationResponseIssParameterSupported bool `json:"authorization_response_iss_parameter_supported"`
}

// discovery serves GET /.well-known/openid-configuration.
func (p *Provider) discovery(w http.ResponseWriter, _ *http.Request) {
	// Every endpoint lies under the issuer, so that a provider served under
	// a path prefix names URLs that work.
	base := strings.TrimSuffix(p.cfg.Issuer, "/")
	writeJSON(w, http.StatusOK, discoveryDocument{
		Issuer:                            p.cfg.Issuer,
		AuthorizationEndpoint:             base + "/authorize",
		TokenEndpoint:                     base + "/token",
		UserinfoEndpoint:                  base + "/userinfo",
		JWKSURI:                           base + "/jwks",
		EndSessionEndpoint:                base + "/logout",
		RevocationEndpoint:                base + "/revoke",
		ResponseTypesSupported:            []string{"code"},
		ResponseModesSupported:            []string{"query"},
		GrantTypesSupported:               []string{"authorization_code", "refresh_token"},
		SubjectTypesSupported:             []string{"public"},
		IDTokenSigningAlgValuesSupported:  signingAlgs(),
		CodeChallengeMethodsSupported:     []string{"S256"},
		TokenEndpointAuthMethodsSupported: []string{"client_secret_basic", "client_secret_post"},
		ScopesSupported:                   []string{"openid", "profile", "email", "groups", "offline_access"},
		ClaimsSupported: []string{
			"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce",
			"preferred_username", "name", "email", "email_verified", "groups",
		},
		AuthorizationResponseIssParameterSupported: true,
	})
}

// userinfoClaims is the answer of the UserInfo endpoint (OpenID Connect
// Core §5.3.2).
type userinfoClaims struct {
	Subject           string   `json:"sub"`
	PreferredUsername string   `json:"preferred_username"`
	Name              string   `json:"name"`
	Email             string   `json:"email"`
	EmailVerified     bool     `json:"email_verified"`
	Groups            []string `json:"groups,omitempty"`
}

// groupsClaim is the groups claim of the ID token and UserInfo about a:
// released for the scope groups only, as Dex, Okta and Authelia do (OpenID
// Connect defines no scope for groups), and absent when a has none.
func groupsClaim(a account, scope string) []string {
	if !hasScope(scope, "groups") {
		return nil
	}
	return a.groups
}

// userinfo serves GET and POST /userinfo: the claims about the user an
// access token was issued for (OpenID Connect Core §5.3).
func (p *Provider) userinfo(w http.ResponseWriter, r *http.Request) {
	// The body of a POST carries nothing this endpoint reads, since the
	// token is taken from the header only; it is parsed to be recorded.
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	r.ParseForm()
	p.userinfoRecorder.record(r)

	m := p.currentMisbehaviour()
	if answerUserFault(w, m.Userinfo) {
		return
	}
	token, ok := p.authenticate(w, r)
	if !ok {
		return
	}
	// OpenID Connect Core §5.3.1: the token must come from an OpenID
	// Connect request. One issued for plain OAuth never asked for claims.
	if !hasScope(token.scope, "openid") {
		writeUserError(w, &userError{http.StatusForbidden, "insufficient_scope", "the access token was not issued for the scope openid"})
		return
	}
	sub := subject(token.user)
	if m.UserinfoSubMismatch {
		sub = subject("not-" + token.user)
	}
	writeJSON(w, http.StatusOK, userinfoClaims{
		Subject:           sub,
		PreferredUsername: token.user,
		Name:              displayName(token.user),
		Email:             token.email,
		EmailVerified:     !token.unverified,
		Groups:            groupsClaim(token.account, token.scope),
	})
}
