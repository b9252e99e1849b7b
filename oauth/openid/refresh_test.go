package openid

import (
	"context"
	"errors"
	"testing"

	"oauthlogin/oauth"
	"oauthlogin/oauth/oidc"
)

// TestIssue22_RefreshedIDTokenMustNameTheLoginsUser: an ID token from a
// refresh is verified as at login but without a nonce, and must have the
// login's iss and sub (OpenID Connect Core §12.2); anything else is a
// refusal, which ends the session.
func TestIssue22_RefreshedIDTokenMustNameTheLoginsUser(t *testing.T) {
	var nonces []string
	claims := &oidc.Claims{Issuer: "https://op.example", Subject: "248289761001"}
	var verifyErr error
	p := &Provider{meta: &oidc.Metadata{}, verify: func(_ context.Context, _, nonce string) (*oidc.Claims, error) {
		nonces = append(nonces, nonce)
		return claims, verifyErr
	}}
	ada := oauth.User{Issuer: "https://op.example", Subject: "248289761001"}
	if err := p.CheckRefreshedIDToken(context.Background(), "raw", ada); err != nil {
		t.Fatalf("the same user: %v", err)
	}
	if len(nonces) != 1 || nonces[0] != "" {
		t.Errorf("verified with nonces %q; a refresh sends none", nonces)
	}
	var refusal *oauth.Refusal
	for _, other := range []oauth.User{
		{Issuer: "https://op.example", Subject: "someone-else"},
		{Issuer: "https://other.example", Subject: "248289761001"},
	} {
		err := p.CheckRefreshedIDToken(context.Background(), "raw", other)
		if !errors.As(err, &refusal) || refusal.Reason != "id_token_subject_changed" {
			t.Errorf("login of %+v: %v, want the refusal id_token_subject_changed", other, err)
		}
	}
	claims, verifyErr = nil, &oidc.VerifyError{Reason: oidc.ReasonExpired}
	if err := p.CheckRefreshedIDToken(context.Background(), "raw", ada); !errors.As(err, &refusal) || refusal.Reason != oidc.ReasonExpired {
		t.Errorf("an expired token: %v, want the verifier's refusal", err)
	}
}

func TestIssue22_RevocationAndOfflineAccessFromDiscovery(t *testing.T) {
	p := &Provider{meta: &oidc.Metadata{RevocationEndpoint: "https://op.example/revoke",
		ScopesSupported: []string{"openid", "offline_access"}}}
	if p.RevocationURL() != "https://op.example/revoke" || !p.OffersRefreshTokens() {
		t.Errorf("RevocationURL %q, OffersRefreshTokens %v", p.RevocationURL(), p.OffersRefreshTokens())
	}
	if (&Provider{meta: &oidc.Metadata{ScopesSupported: []string{"openid"}}}).OffersRefreshTokens() {
		t.Error("offline_access offered by a provider that does not list it")
	}
}
