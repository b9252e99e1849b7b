package openid

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"oauthlogin/oauth"
	"oauthlogin/oauth/oidc"
)

// Options are what a [Provider] needs to know besides its issuer.
type Options struct {
	// ClientID is this application's client_id at the provider: ID tokens
	// must be addressed to it, and logout names it. Required.
	ClientID string

	// ClockSkew is how far this server's clock and the provider's may
	// disagree when an ID token's times are checked; zero means
	// oidc.DefaultClockSkew.
	ClockSkew time.Duration

	// PostLogoutRedirectURL is where the provider should send the browser
	// back after logout, exactly as registered with the provider; empty
	// lets the provider decide.
	PostLogoutRedirectURL string

	Logger *slog.Logger     // for ID tokens too large to keep; slog.Default() when nil
	Now    func() time.Time // the clock ID tokens are checked by; time.Now when nil
}

// Provider is an OpenID Connect provider found by discovery, with the
// verifier of its ID tokens. It is safe for concurrent use.
type Provider struct {
	meta       *oidc.Metadata
	clientID   string
	postLogout string
	logger     *slog.Logger
	keys       *oidc.KeySet

	// verify checks an ID token: oidc's Verifier, with the provider's
	// published keys. A function rather than the Verifier, so that this
	// package's tests can put a stand-in around it.
	verify verifyFunc

	verifier *oidc.Verifier // for logout tokens (backchannel.go)
}

// verifyFunc checks a raw ID token bound to nonce and returns its claims.
type verifyFunc func(ctx context.Context, rawIDToken, nonce string) (*oidc.Claims, error)

// Discover fetches the discovery document of the provider whose issuer
// identifier is issuer, as oidc.Discover does, and sets up the
// verification of its ID tokens with the keys it publishes, which are
// fetched when the first token needs them. httpClient carries every call
// to the provider; oauth.NewHTTPClient makes a fitting one.
//
// Call it once, at start-up: a provider that cannot be reached, or whose
// document names another issuer, is better found then, with the reason,
// than at every login. Besides a mistake in opts, its errors are oidc's,
// which name the document's URL.
func Discover(ctx context.Context, httpClient *http.Client, issuer string, opts Options) (*Provider, error) {
	// oidc.NewVerifier would panic on these: say so as an error instead.
	if opts.ClientID == "" {
		return nil, errors.New("openid: Options.ClientID is empty")
	}
	if opts.ClockSkew < 0 {
		return nil, errors.New("openid: Options.ClockSkew is negative")
	}
	meta, err := oidc.Discover(ctx, httpClient, issuer)
	if err != nil {
		return nil, err
	}
	keys := oidc.NewKeySet(httpClient, meta.JWKSURI, opts.Now)
	verifier := oidc.NewVerifier(keys, oidc.Config{
		Issuer:    meta.Issuer,
		ClientID:  opts.ClientID,
		ClockSkew: opts.ClockSkew,
		Now:       opts.Now,
	})
	return &Provider{
		meta:       meta,
		clientID:   opts.ClientID,
		postLogout: opts.PostLogoutRedirectURL,
		logger:     cmp.Or(opts.Logger, slog.Default()),
		keys:       keys,
		verify:     verifier.Verify,
		verifier:   verifier,
	}, nil
}

// Configure makes c log in with this provider. It sets c.Issuer, fills in
// the authorization, token and user endpoints that c leaves empty from
// the discovery document, requires iss in every authorization response
// when the document promises it (RFC 9207 §3: then a response without it
// did not come from this provider), and sets c.Identifier, so that the
// user is who the verified ID token says.
//
// c.ClientID must be the Options' ClientID, and c.Scope must include
// openid, or the provider sends no ID token (OpenID Connect Core
// §3.1.2.1); the scope of the oauth.OpenIDConnect preset does.
func (p *Provider) Configure(c *oauth.Config) {
	c.Issuer = p.meta.Issuer
	c.AuthorizeURL = cmp.Or(c.AuthorizeURL, p.meta.AuthorizationEndpoint)
	c.TokenURL = cmp.Or(c.TokenURL, p.meta.TokenEndpoint)
	c.UserURL = cmp.Or(c.UserURL, p.meta.UserinfoEndpoint)
	c.RequireIss = c.RequireIss || p.meta.IssParameterSupported
	c.Identifier = identifier{verify: p.verify, userinfo: c.UserURL != ""}
}

// EndSessionURL is the provider's logout endpoint from its discovery
// document, where [Provider.OnLogout] sends the browser; "" when the
// provider has none.
func (p *Provider) EndSessionURL() string { return p.meta.EndSessionEndpoint }

// KeySetURL is where the provider publishes its signing keys (jwks_uri),
// which the Provider fetches when a token needs them.
func (p *Provider) KeySetURL() string { return p.meta.JWKSURI }

// Ready reports whether the provider's signing keys are at hand, fetching
// them if not (see oidc.KeySet.Ready): without them no login can finish,
// so a readiness check asks this.
func (p *Provider) Ready(ctx context.Context) error { return p.keys.Ready(ctx) }
