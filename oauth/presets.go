package oauth

import (
	"maps"
	"strings"
)

// Preset describes a well-known provider: its endpoints, the scope that
// gives this package what it needs, the headers its API expects and where
// its profile keeps each field. [Preset.Config] turns one into a [Config]
// with the three things only you can supply: the client credentials the
// provider issued and your callback URL.
//
// A preset with an Issuer is an OpenID Connect provider: its endpoints are
// left empty, to be found by discovery (see package oauth/oidc), and its
// ID tokens must be verified: package oauth/openid plugs that in as the
// Config's [Identifier].
type Preset struct {
	Name string // as the PROVIDER setting spells it, such as "github"

	AuthorizeURL string
	TokenURL     string
	UserURL      string
	EmailsURL    string // asked for a private e-mail address; see [Config.EmailsURL]
	Issuer       string // OpenID Connect issuer; the endpoints then come from discovery
	RevokeURL    string // the token revocation endpoint (RFC 7009), if the provider has one

	Scope          string
	Prompt         string
	ApprovalPrompt string
	APIHeaders     map[string]string
	UserFields     UserFields
}

// GitHubAPIVersion is the REST API version this package reads. GitHub
// answers with a version's shapes for as long as it supports it, so pinning
// it keeps the profile fields where [GitHub] says they are.
const GitHubAPIVersion = "2022-11-28"

// GitHub is github.com. It is plain OAuth2, not OpenID Connect, and ignores
// prompt and approval_prompt, so neither is sent. The user:email scope lets
// the login read a private address from /user/emails.
func GitHub() Preset {
	return Preset{
		Name:         "github",
		AuthorizeURL: "https://github.com/login/oauth/authorize",
		TokenURL:     "https://github.com/login/oauth/access_token",
		UserURL:      "https://api.github.com/user",
		EmailsURL:    "https://api.github.com/user/emails",
		Scope:        "read:user user:email",
		APIHeaders: map[string]string{
			"X-GitHub-Api-Version": GitHubAPIVersion,
			"User-Agent":           "oauthlogin",
		},
		UserFields: UserFields{ID: "id", Username: "login", Name: "name", Email: "email"},
	}
}

// GitLabDotCom is the address of the public GitLab instance, for [GitLab].
const GitLabDotCom = "https://gitlab.com"

// GitLab is the GitLab instance at baseURL: [GitLabDotCom] or a self-hosted
// one such as https://gitlab.example.com. It is used here as plain OAuth2
// with the read_user scope, which is all the profile needs.
func GitLab(baseURL string) Preset {
	base := strings.TrimSuffix(baseURL, "/")
	return Preset{
		Name:         "gitlab",
		AuthorizeURL: base + "/oauth/authorize",
		TokenURL:     base + "/oauth/token",
		UserURL:      base + "/api/v4/user",
		RevokeURL:    base + "/oauth/revoke",
		Scope:        "read_user",
		UserFields:   UserFields{ID: "id", Username: "username", Name: "name", Email: "email"},
	}
}

// Google is Google's OpenID Connect provider; its endpoints come from
// discovery at its Issuer. Google refuses prompt=login, and refuses
// approval_prompt together with prompt, so it asks for select_account:
// the person chooses the account every time.
func Google() Preset {
	return Preset{
		Name:   "google",
		Issuer: "https://accounts.google.com",
		Scope:  "openid profile email",
		Prompt: "select_account",
	}
}

// OpenIDConnect is any OpenID Connect provider at issuer. The openid scope
// is what makes the provider send an ID token (OpenID Connect Core
// §3.1.2.1); profile and email ask for the name and address.
func OpenIDConnect(issuer string) Preset {
	return Preset{Name: "oidc", Issuer: issuer, Scope: "openid profile email"}
}

// Config returns a Config for this provider with your client's
// credentials and callback URL. Change any field of the result that your
// registration needs otherwise, such as Scope.
func (p Preset) Config(clientID, clientSecret, redirectURL string) Config {
	return Config{
		ClientID:       clientID,
		ClientSecret:   clientSecret,
		RedirectURL:    redirectURL,
		AuthorizeURL:   p.AuthorizeURL,
		TokenURL:       p.TokenURL,
		UserURL:        p.UserURL,
		EmailsURL:      p.EmailsURL,
		Issuer:         p.Issuer,
		Scope:          p.Scope,
		Prompt:         p.Prompt,
		ApprovalPrompt: p.ApprovalPrompt,
		APIHeaders:     maps.Clone(p.APIHeaders), // the caller may change its copy
		UserFields:     p.UserFields,
	}
}
