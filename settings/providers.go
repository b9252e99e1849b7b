package settings

import "strings"

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

// gitHubAPIVersion is the REST API version the app was written against.
// GitHub answers with this version's shapes for as long as it supports it.
const gitHubAPIVersion = "2022-11-28"

// profileDefaults returns the defaults provider brings, by variable name.
// vars is consulted only for GITLAB_URL, which moves every GitLab endpoint.
func profileDefaults(provider string, vars map[string]string) map[string]string {
	switch provider {
	case ProviderGitHub:
		// GitHub is plain OAuth2, not OpenID Connect. It ignores prompt
		// and approval_prompt. user:email lets the app read a private
		// e-mail address from /user/emails.
		return map[string]string{
			"AUTHORIZE_URL":   "https://github.com/login/oauth/authorize",
			"TOKEN_URL":       "https://github.com/login/oauth/access_token",
			"USER_URL":        "https://api.github.com/user",
			"EMAILS_URL":      "https://api.github.com/user/emails",
			"SCOPE":           "read:user user:email",
			"PROMPT":          "",
			"APPROVAL_PROMPT": "",
			"ID_FIELD":        "id",
			"USERNAME_FIELD":  "login",
			"NAME_FIELD":      "name",
			"EMAIL_FIELD":     "email",
		}
	case ProviderGitLab:
		base := strings.TrimSuffix(gitLabURL(vars), "/")
		return map[string]string{
			"AUTHORIZE_URL":   base + "/oauth/authorize",
			"TOKEN_URL":       base + "/oauth/token",
			"USER_URL":        base + "/api/v4/user",
			"SCOPE":           "read_user",
			"PROMPT":          "",
			"APPROVAL_PROMPT": "",
			"ID_FIELD":        "id",
			"USERNAME_FIELD":  "username",
			"NAME_FIELD":      "name",
			"EMAIL_FIELD":     "email",
		}
	case ProviderGoogle:
		// Google is an OpenID Connect provider: its endpoints come from
		// discovery. It refuses prompt=login and refuses approval_prompt
		// together with prompt.
		return map[string]string{
			"ISSUER":          "https://accounts.google.com",
			"SCOPE":           "openid profile email",
			"PROMPT":          "select_account",
			"APPROVAL_PROMPT": "",
		}
	case ProviderOIDC:
		return map[string]string{
			"SCOPE":           "openid profile email",
			"PROMPT":          "",
			"APPROVAL_PROMPT": "",
		}
	}
	return nil
}

// gitLabURL is the GitLab instance: gitlab.com unless GITLAB_URL names a
// self-hosted one.
func gitLabURL(vars map[string]string) string {
	if v := vars["GITLAB_URL"]; v != "" {
		return v
	}
	return defaultFor("GITLAB_URL")
}

// apiHeaders are the headers a provider's API asks every call to carry.
func apiHeaders(provider string) map[string]string {
	if provider == ProviderGitHub {
		// GitHub documents both: the version pins the response shapes,
		// and requests without a User-Agent are refused.
		return map[string]string{
			"X-GitHub-Api-Version": gitHubAPIVersion,
			"User-Agent":           "oauthlogin",
		}
	}
	return nil
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
