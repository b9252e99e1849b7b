// Package oauth logs visitors in with the OAuth 2.0 authorization code
// grant (RFC 6749 §4.1), with PKCE (RFC 7636), following the OAuth 2.0
// Security Best Current Practice (RFC 9700).
//
// The flow, and where each step lives:
//
//  1. A visitor without a user in the session opens a protected page.
//     [Login.Require] makes a fresh state and PKCE verifier, keeps them in
//     the session as a pending login (pending.go), and redirects the browser
//     to the provider's authorization endpoint ([Client.AuthCodeURL],
//     authorize.go).
//  2. The provider asks the visitor to approve and redirects back to
//     /oauth/callback with a code and the state. [Login.Callback]
//     (callback.go) finds the pending login by its state and consumes it.
//  3. It exchanges the code for an access token with a form POST to the
//     token endpoint ([Client.Exchange], exchange.go and token.go).
//  4. It fetches the user's profile with the token ([Client.FetchUser],
//     user.go), renews the session ID, stores the [User] in the session and
//     redirects to the page first asked for.
//  5. [Login.Logout] (logout.go) destroys the session and ends on the
//     public signed-out page, [Login.SignedOut] (signedout.go), which never
//     starts a login by itself.
//
// [GitHub], [GitLab], [Google] and [OpenIDConnect] (presets.go) describe
// well-known providers, so that a Config needs only the client's
// credentials and callback URL.
//
// The access token is used once, to fetch the profile, and then dropped:
// the application needs to know who the visitor is, not to act for them.
//
// This package is the flow and only the flow. What is optional plugs in
// through the interfaces and hooks in layers.go, from packages that this
// one does not import: oauth/openid (OpenID Connect), oauth/limit (bounds
// on anonymous work), oauth/access (who may log in), oauth/tokens (tokens
// kept to act for the visitor) and oauth/backchannel (logout sent by the
// provider, and of all devices).
package oauth

import (
	"cmp"
	"crypto/tls"
	"net"
	"net/http"
	"time"
)

// Config describes the OAuth2 client: who it is, where the provider's
// endpoints are, and what it asks for.
type Config struct {
	ClientID     string
	ClientSecret string

	AuthorizeURL string // the provider's authorization endpoint
	TokenURL     string // the provider's token endpoint
	UserURL      string // the provider's user-profile endpoint; may be empty with an Identifier
	RedirectURL  string // this application's callback, registered with the provider

	// UserFields say where the profile keeps each value; the zero value
	// reads GitHub's names and then OpenID Connect's.
	UserFields UserFields

	// EmailsURL, when set, lists the user's addresses; it is asked when
	// the profile shows none (GitHub's /user/emails, for a user who keeps
	// their address private).
	EmailsURL string

	// APIHeaders go on every request to the provider. GitHub's API, for
	// one, refuses requests without a User-Agent.
	APIHeaders map[string]string

	// Scope, Prompt and ApprovalPrompt go into the authorization request
	// as they are; an empty one is left out.
	Scope          string
	Prompt         string
	ApprovalPrompt string

	// AuthMethod is how the client authenticates at the token endpoint:
	// "client_secret_post" (the id and secret in the form body; the
	// default) or "client_secret_basic" (HTTP Basic). RFC 6749 §2.3.1.
	AuthMethod string

	// Issuer, when set, is compared with the iss parameter of the
	// authorization response (RFC 9207), so a response from another
	// provider is refused, and it is recorded with every user.
	Issuer string

	// RequireIss refuses an authorization response without iss. Set it
	// when the provider advertises that it sends one (RFC 9207 §3): then
	// a response without it did not come from that provider.
	RequireIss bool

	// Identifier, when set, finds out who logged in: see [Identifier].
	// Package oauth/openid has one for OpenID Connect.
	Identifier Identifier

	// InsecureDisablePKCE stops sending PKCE parameters, for the rare
	// provider that rejects them. PKCE binds the code to this browser's
	// login; without it a stolen code can be redeemed (RFC 9700 §2.1.1).
	InsecureDisablePKCE bool

	// Timeout bounds every call to the provider. Default 10 seconds.
	Timeout time.Duration
}

// Client talks to the provider: it builds the authorization URL, redeems
// codes and fetches profiles. It is safe for concurrent use.
type Client struct {
	cfg  Config
	http *http.Client
}

// NewClient returns a Client for cfg. httpClient carries the transport to
// use (for example one that trusts a test server's certificate); nil means
// a transport of this package's own. Either way the Client sets its own
// timeout and refuses redirects.
func NewClient(cfg Config, httpClient *http.Client) *Client {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	cfg.AuthMethod = cmp.Or(cfg.AuthMethod, AuthMethodPost)
	if httpClient == nil {
		httpClient = NewHTTPClient(cfg.Timeout)
	}
	return &Client{cfg: cfg, http: restrict(httpClient, cfg.Timeout)}
}

// MaxCallbackTime is the longest a callback can wait on the provider: every
// call it may make, one after the other, each allowed the whole Timeout.
// These are the token request, the user endpoint, the e-mail list when
// EmailsURL is set, and, with an Identifier, one call of the Identifier's
// own (an ID token's key set). A server's WriteTimeout must be longer than
// this plus the session store's time, or it could cut the answer after the
// login has happened, leaving the person with an error and a session they
// cannot see.
func (c *Client) MaxCallbackTime() time.Duration {
	calls := 2
	if c.cfg.EmailsURL != "" {
		calls++
	}
	if c.cfg.Identifier != nil {
		calls++
	}
	return time.Duration(calls) * c.cfg.Timeout
}

// NewHTTPClient returns an http.Client fit for talking to a provider: every
// call is bounded by timeout, TLS is 1.2 at least, and redirects are not
// followed. Use it for anything else the login fetches from the provider,
// such as OpenID Connect discovery and keys.
func NewHTTPClient(timeout time.Duration) *http.Client {
	return restrict(&http.Client{Transport: newTransport(timeout)}, timeout)
}

// restrict returns a copy of hc with a timeout and without redirects.
func restrict(hc *http.Client, timeout time.Duration) *http.Client {
	c := *hc
	// A zero Timeout means none at all: a provider that never answers
	// would hold the visitor's request forever.
	c.Timeout = timeout
	// The provider's endpoints answer directly. Following a redirect
	// would, on 307 or 308, send the code and the client secret again to
	// wherever the Location points (RFC 9700 §4.12).
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// Client authentication methods for Config.AuthMethod.
const (
	AuthMethodPost  = "client_secret_post"
	AuthMethodBasic = "client_secret_basic"
)

// newTransport is http.DefaultTransport's behaviour with a bound on each
// phase of a call and TLS 1.2 at least (RFC 9700 §2.6 asks for current TLS).
func newTransport(timeout time.Duration) *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: timeout}).DialContext,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   16,
		ForceAttemptHTTP2:     true,
	}
}
