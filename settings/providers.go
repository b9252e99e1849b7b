package settings

import (
	"net"
	"strings"

	"oauthlogin/oauth"
)

// The providers PROVIDER can name. Each is a profile: defaults for the
// endpoint URLs, scope and profile fields, so that a well-known provider
// needs only its client credentials. A variable that is set explicitly
// always wins over the profile.
const (
	ProviderGeneric = "generic" // every URL given explicitly: the seed app's behaviour
	ProviderGitHub  = "github"
	ProviderGitLab  = "gitlab"
	ProviderGoogle  = "google"
	ProviderOIDC    = "oidc" // any OpenID Connect provider, found through ISSUER
)

// preset returns the oauth package's description of provider; ok is false
// for the generic provider, which has none. The presets are the one place
// that knows each provider's URLs and fields: settings only maps them to
// variable names. gitLabURL, from GITLAB_URL, moves every GitLab endpoint.
func preset(provider, gitLabURL string) (p oauth.Preset, ok bool) {
	switch provider {
	case ProviderGitHub:
		return oauth.GitHub(), true
	case ProviderGitLab:
		return oauth.GitLab(gitLabURL), true
	case ProviderGoogle:
		return oauth.Google(), true
	case ProviderOIDC:
		// The issuer is the one thing this profile cannot know: ISSUER
		// is required with it.
		return oauth.OpenIDConnect(""), true
	}
	return oauth.Preset{}, false
}

// profileDefaults returns the defaults provider brings, by variable name.
// A profile names every parameter it decides, even as "": an empty PROMPT
// from a profile means "send none", not "use the table's default".
func profileDefaults(provider, gitLabURL string) map[string]string {
	p, ok := preset(provider, gitLabURL)
	if !ok {
		return nil
	}
	defaults := map[string]string{
		"AUTHORIZE_URL":   p.AuthorizeURL,
		"TOKEN_URL":       p.TokenURL,
		"USER_URL":        p.UserURL,
		"EMAILS_URL":      p.EmailsURL,
		"REVOCATION_URL":  p.RevokeURL,
		"SCOPE":           p.Scope,
		"PROMPT":          p.Prompt,
		"APPROVAL_PROMPT": p.ApprovalPrompt,
		"ID_FIELD":        p.UserFields.ID,
		"USERNAME_FIELD":  p.UserFields.Username,
		"NAME_FIELD":      p.UserFields.Name,
		"EMAIL_FIELD":     p.UserFields.Email,
	}
	if p.Issuer != "" {
		defaults["ISSUER"] = p.Issuer
	}
	return defaults
}

// DevProviderPath is where the app mounts its development provider when
// INSECURE_DEV_PROVIDER is true.
const DevProviderPath = "/dev/oauth"

// devProviderDefaults derive the development provider's URLs from the
// address the app listens on, so that changing PORT moves them all. The
// app is reached under its listen host; the provider's pages under the
// other loopback name (127.0.0.1 for localhost, and localhost otherwise),
// so that the provider is a different site from the app, as a real one
// is, and a browser treats the way back from it as a cross-site
// navigation. Token and user calls are the app calling itself.
func devProviderDefaults(addr string) map[string]string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || checkPort(port) != nil {
		return nil // the listen address is reported as a problem already
	}
	providerHost := "localhost"
	if strings.EqualFold(host, "localhost") {
		providerHost = "127.0.0.1"
	}
	app := "http://" + net.JoinHostPort(host, port)
	provider := "http://" + net.JoinHostPort(providerHost, port) + DevProviderPath
	return map[string]string{
		"AUTHORIZE_URL": provider + "/authorize",
		"TOKEN_URL":     provider + "/token",
		"USER_URL":      provider + "/user",
		"REDIRECT_URL":  app + CallbackPath,
	}
}

// apiHeaders are the headers a provider's API asks every call to carry.
func apiHeaders(provider, gitLabURL string) map[string]string {
	p, _ := preset(provider, gitLabURL)
	return p.APIHeaders
}

// checkFieldPath accepts a dotted path into the profile JSON, such as
// data.attributes.login: names of letters, digits, '_' and '-'.
func checkFieldPath(path string) bool {
	for _, name := range strings.Split(path, ".") {
		if name == "" || strings.Trim(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != "" {
			return false
		}
	}
	return true
}
