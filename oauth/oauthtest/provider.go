package oauthtest

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Config configures a Provider: the one client it knows.
type Config struct {
	// ClientID and ClientSecret are the client's credentials (RFC 6749 §2.3.1).
	ClientID     string
	ClientSecret string

	// RedirectURL is the only redirect_uri accepted. It is compared byte for
	// byte, never as a prefix or pattern (RFC 9700 §2.1).
	RedirectURL string

	// Issuer, when set, is sent as iss with every authorization response, so
	// that the client can tell which provider answered (RFC 9207 §2). With
	// OpenID, it is also the ID tokens' iss and the base URL of every
	// endpoint.
	Issuer string

	// Shape makes the provider answer the way a particular one does; see
	// [Shape]. The zero value is this provider's own way.
	Shape Shape

	// OpenID serves OpenID Connect on top of OAuth 2.0: a discovery
	// document, signing keys, ID tokens for the scope openid, a UserInfo
	// endpoint and a logout endpoint. It requires Issuer, from which every
	// endpoint URL in the discovery document is built (Issuer + "/token",
	// and so on), so a provider served under a path prefix names its
	// endpoints under that prefix. [NewServer] and [NewTLSServer] set an
	// empty Issuer to the server's URL.
	OpenID bool

	// IDTokenAlg is the algorithm that signs ID tokens: "RS256", the
	// default, "PS256", "ES256" (RFC 7518 §3.1) or "EdDSA" with Ed25519
	// (RFC 8037 §3.1). It needs OpenID.
	IDTokenAlg string

	// PostLogoutRedirectURL is the only post_logout_redirect_uri the logout
	// endpoint accepts, compared byte for byte (OpenID Connect RP-Initiated
	// Logout 1.0 §3). When empty, it accepts none. It needs OpenID.
	PostLogoutRedirectURL string

	// AutoApprove, when set, makes GET /authorize approve at once as this
	// user name instead of showing the sign-in form.
	AutoApprove string

	// AccessTokenLifetime is how long an access token is good for, and
	// its expires_in; an hour when zero. A short one lets a client's
	// refresh be seen.
	AccessTokenLifetime time.Duration

	// Now is the clock that codes and tokens expire by; time.Now when nil.
	Now func() time.Time
}

// Provider is an OAuth 2.0 authorization server for one client. It is an
// [http.Handler] serving:
//
//	GET  /authorize  the sign-in form, or an immediate approval with AutoApprove
//	POST /authorize  the form's submission: approve with a user name, or cancel
//	POST /token      the exchange of a code for an access token, or of a refresh token for new tokens
//	POST /revoke     the revocation of a refresh or access token (RFC 7009)
//	GET  /user       the signed-in user's profile, for a bearer token
//
// and, with [ShapeGitHub]:
//
//	GET  /user/emails  the user's e-mail addresses, for a bearer token
//	GET  /user/orgs    the user's organisations, for a bearer token with read:org
//	GET  /user/teams   the user's teams, for a bearer token with read:org
//
// and, with [ShapeGitLab]:
//
//	GET  /oauth/userinfo  the user's claims, groups among them, for a bearer token with openid
//
// and, with [Config.OpenID]:
//
//	GET  /.well-known/openid-configuration  the discovery document
//	GET  /jwks                              the keys that sign ID tokens
//	GET  /userinfo, POST /userinfo          the user's claims, for a bearer token
//	GET  /logout, POST /logout              the end of a session, and a way back to the client
//
// A code is good for one exchange within a minute, an access token for an
// hour or [Config.AccessTokenLifetime]. A refresh token comes with each
// code's tokens (with OpenID Connect, only for offline_access asked with
// prompt=consent; never with ShapeGitHub), and is good for one refresh:
// each refresh issues the next, and one that comes back a second time
// revokes its grant, as providers with refresh token rotation do. By
// default GET /user answers like
// GitHub's user endpoint, with OpenID Connect's claim names besides:
//
//	{"id": 123, "login": "alice", "name": "Alice (dev)", "email": "alice@example.test",
//	 "email_verified": true, "sub": "123", "preferred_username": "alice"}
//
// and "groups" when the user has any. The sign-in form lets the tester
// choose the e-mail address, say that the provider has not verified it,
// and give groups; every answer about the user says the same.
//
// Its methods are safe for concurrent use.
type Provider struct {
	cfg         Config
	redirectURL *url.URL
	pageCSP     string
	pages       *template.Template
	mux         *http.ServeMux

	grants           grants
	tokenRecorder    recorder
	userRecorder     recorder
	emailsRecorder   recorder
	userinfoRecorder recorder
	logoutRecorder   recorder
	revokeRecorder   recorder
	jwksCalls        atomic.Int64
	sessions         providerSessions // sid → sub, for back-channel logout (backchannel.go)

	mu            sync.Mutex
	misbehaviour  Misbehaviour
	keys          map[string]signingKey // by algorithm; nil without OpenID
	keyGeneration int                   // the number in the keys' IDs
}

// New returns a Provider for cfg. It panics if cfg cannot work: a missing
// client ID, secret or redirect URL, a redirect URL that is not absolute or
// has a fragment (RFC 6749 §3.1.2), an AutoApprove that is not a valid
// user name, an unknown Shape, or OpenID settings that do not fit (see
// [Config.OpenID]).
//
// With OpenID, New generates the signing keys, which takes a moment: two
// RSA keys among them.
func New(cfg Config) *Provider {
	redirectURL, err := checkConfig(cfg)
	if err == nil {
		err = checkOpenIDConfig(cfg)
	}
	if err != nil {
		panic("oauthtest: " + err.Error())
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.OpenID && cfg.IDTokenAlg == "" {
		cfg.IDTokenAlg = "RS256"
	}
	p := &Provider{
		cfg:         cfg,
		redirectURL: redirectURL,
		pageCSP:     pageCSP(redirectURL),
		pages:       parsePages(),
		grants:      newGrants(),
	}
	if cfg.AccessTokenLifetime > 0 {
		p.grants.accessLifetime = cfg.AccessTokenLifetime
	}

	p.mux = http.NewServeMux()
	p.mux.HandleFunc("GET /authorize", p.showAuthorize)
	// The sign-in form changes state, so only its own page may submit it:
	// a cross-site form post is refused before it can approve anything.
	p.mux.Handle("POST /authorize", http.NewCrossOriginProtection().Handler(http.HandlerFunc(p.submitAuthorize)))
	p.mux.HandleFunc("POST /token", p.token)
	p.mux.HandleFunc("POST /revoke", p.revoke)
	p.mux.HandleFunc("GET /user", p.user)
	switch cfg.Shape {
	case ShapeGitHub:
		p.mux.HandleFunc("GET /user/emails", p.emails)
		p.mux.HandleFunc("GET /user/orgs", p.gitHubOrgs)
		p.mux.HandleFunc("GET /user/teams", p.gitHubOrgs)
	case ShapeGitLab:
		p.mux.HandleFunc("GET /oauth/userinfo", p.gitLabUserinfo)
	}
	if cfg.OpenID {
		p.keyGeneration = 1
		p.keys = generateKeys(p.keyGeneration)
		p.mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
		p.mux.HandleFunc("GET /jwks", p.jwks)
		// OpenID Connect Core §5.3.1 and RP-Initiated Logout §2: both
		// endpoints must take GET and POST alike.
		p.mux.HandleFunc("GET /userinfo", p.userinfo)
		p.mux.HandleFunc("POST /userinfo", p.userinfo)
		p.mux.HandleFunc("GET /logout", p.logout)
		p.mux.HandleFunc("POST /logout", p.logout)
	}
	return p
}

func checkConfig(cfg Config) (*url.URL, error) {
	switch {
	case cfg.ClientID == "":
		return nil, errors.New("the client ID (Config.ClientID) is empty")
	case cfg.ClientSecret == "":
		return nil, errors.New("the client secret (Config.ClientSecret) is empty")
	case cfg.AutoApprove != "" && !validUserName(cfg.AutoApprove):
		return nil, fmt.Errorf("the AutoApprove user name %q is not 1 to 64 letters, digits, '.', '_' or '-'", cfg.AutoApprove)
	case cfg.Shape < ShapeDefault || cfg.Shape > ShapeGitLab:
		return nil, fmt.Errorf("unknown Shape %d", cfg.Shape)
	}
	redirectURL, err := url.Parse(cfg.RedirectURL)
	switch {
	case err != nil:
		return nil, fmt.Errorf("the redirect URL: %v", err)
	case !redirectURL.IsAbs():
		return nil, fmt.Errorf("the redirect URL %q is not absolute", cfg.RedirectURL)
	case strings.Contains(cfg.RedirectURL, "#"):
		return nil, fmt.Errorf("the redirect URL %q has a fragment", cfg.RedirectURL)
	}
	return redirectURL, nil
}

// ServeHTTP answers requests to the provider's endpoints.
func (p *Provider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Nothing this provider says may be cached: its pages carry request
	// parameters and its JSON carries tokens (RFC 6749 §5.1, RFC 6750 §5.3).
	w.Header().Set("Cache-Control", "no-store")
	p.mux.ServeHTTP(w, r)
}

func (p *Provider) now() time.Time {
	return p.cfg.Now()
}
