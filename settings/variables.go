package settings

import "slices"

// Variable documents one setting. Parse takes literal defaults from this
// table, so the documentation and the behaviour cannot drift apart.
type Variable struct {
	Name string
	// Default applies when the variable is unset or empty. It is "" for a
	// required variable and for one whose default is derived from other
	// variables; Meaning then says how.
	Default  string
	Required bool
	Meaning  string
}

// Variables returns every variable the app reads, in the order a README
// would list them.
func Variables() []Variable {
	return slices.Clone(variables)
}

// defaultFor returns name's default from the table. Asking for a name that
// is not in the table is a bug in this package, caught by any test that
// calls Parse.
func defaultFor(name string) string {
	i := slices.IndexFunc(variables, func(v Variable) bool { return v.Name == name })
	if i < 0 {
		panic("settings: variable " + name + " is missing from the table")
	}
	return variables[i].Default
}

var variables = []Variable{
	{Name: "ENVIRONMENT", Default: "local",
		Meaning: "Selects the file env/<ENVIRONMENT>/.env. Lower-case letters, digits, '_' and '-' only. " +
			"Read from the process environment only."},

	{Name: "PROVIDER", Default: ProviderGeneric,
		Meaning: "Which provider's profile fills the defaults: generic (every URL given), github, gitlab, google " +
			"or oidc (any OpenID Connect provider, with ISSUER). A variable set explicitly wins over the profile."},
	{Name: "ISSUER",
		Meaning: "OpenID Connect issuer URL. When set, the endpoints not given explicitly are discovered from " +
			"ISSUER/.well-known/openid-configuration at start-up, and ID tokens are verified. " +
			"Required for oidc; https://accounts.google.com for google."},
	{Name: "GITLAB_URL", Default: "https://gitlab.com",
		Meaning: "The GitLab instance, for PROVIDER=gitlab."},
	{Name: "CLIENT_ID", Required: true,
		Meaning: "The client ID the OAuth provider issued to this app."},
	{Name: "CLIENT_SECRET", Required: true,
		Meaning: "The client secret the OAuth provider issued to this app. Never logged."},
	{Name: "AUTHORIZE_URL",
		Meaning: "The provider's authorization endpoint. https, or http for a loopback host. " +
			"A query is kept, for providers that need a fixed parameter there. " +
			"Required unless the profile or discovery supplies it."},
	{Name: "TOKEN_URL",
		Meaning: "The provider's token endpoint. Same rules as AUTHORIZE_URL."},
	{Name: "USER_URL",
		Meaning: "The provider's endpoint that describes the logged-in user. Same rules as AUTHORIZE_URL; " +
			"with OpenID Connect it is the userinfo endpoint, and may be absent."},
	{Name: "EMAILS_URL",
		Meaning: "An endpoint listing the user's e-mail addresses, asked when the profile has none " +
			"(the github profile sets it to GitHub's /user/emails; it needs the user:email scope)."},
	{Name: "REDIRECT_URL", Required: true,
		Meaning: "This app's callback URL as registered with the provider. Its path must be " + CallbackPath +
			" and it has no query."},
	{Name: "SCOPE", Default: "read write",
		Meaning: "The scope parameter of the authorization request. Set it empty to send none."},
	{Name: "PROMPT", Default: "login",
		Meaning: "The prompt parameter of the authorization request. Set it empty to send none."},
	{Name: "APPROVAL_PROMPT", Default: "auto",
		Meaning: "The approval_prompt parameter of the authorization request. Set it empty to send none."},
	{Name: "RESPONSE_TYPE", Default: "code",
		Meaning: "The response_type parameter. Must be code: the authorization code flow is the only one implemented."},
	{Name: "GRANT_TYPE", Default: "authorization_code",
		Meaning: "The grant_type parameter of the token request. Must be authorization_code."},
	{Name: "ID_FIELD",
		Meaning: "Dotted path to the user's stable id in the user JSON, such as data.id. Default: id, else sub."},
	{Name: "USERNAME_FIELD",
		Meaning: "Dotted path to the user name, such as data.attributes.login. " +
			"Default: login, else preferred_username, else the e-mail address or id."},
	{Name: "NAME_FIELD",
		Meaning: "Dotted path to the display name. Default: name."},
	{Name: "EMAIL_FIELD",
		Meaning: "Dotted path to the e-mail address. Default: email."},
	{Name: "CLIENT_AUTH_METHOD", Default: AuthMethodPost,
		Meaning: "How the client secret reaches the token endpoint: " + AuthMethodPost +
			" (in the form body) or " + AuthMethodBasic + " (HTTP Basic authentication)."},
	{Name: "INSECURE_DISABLE_PKCE", Default: "false",
		Meaning: "true stops sending a PKCE challenge, for providers that reject one. PKCE protects the code; keep it on."},
	{Name: "OAUTH_TIMEOUT", Default: "10s",
		Meaning: "Time limit for each call to the provider, as a Go duration. More than 0 and at most 60s."},
	{Name: "CLOCK_SKEW", Default: "1m",
		Meaning: "How far the provider's clock may be from ours when ID token times are checked. From 1s to 5m."},
	{Name: "POST_LOGOUT_REDIRECT_URL",
		Meaning: "With OpenID Connect: where the provider sends the browser after logging out there " +
			"(sent as post_logout_redirect_uri; register it with the provider)."},

	{Name: "SECRET", Required: true,
		Meaning: "Key for the HMAC that names session files and correlates log lines. At least 32 characters; " +
			"generate one with: openssl rand -base64 32 (or: head -c 32 /dev/urandom | base64). Never logged."},
	{Name: "SESSION_DIR",
		Meaning: "Directory for session files. Default: $XDG_CACHE_HOME/oauthlogin/sessions, " +
			"else $HOME/.cache/oauthlogin/sessions (on every OS; set it where that does not suit)."},
	{Name: "SESSION_COOKIE_NAME", Default: "session",
		Meaning: "Name of the session cookie: letters, digits, '-' and '_'. The app adds the __Host- prefix itself."},
	{Name: "SESSION_COOKIE_SECURE", Default: "true",
		Meaning: "false lets the session cookie travel over plain http, for development on a host other than localhost."},
	{Name: "SESSION_IDLE_TIMEOUT", Default: "30m",
		Meaning: "A session unused this long ends. At least 1m and at most SESSION_ABSOLUTE_TIMEOUT. " +
			"Low-risk apps commonly allow 15 to 30 minutes."},
	{Name: "SESSION_ABSOLUTE_TIMEOUT", Default: "8h",
		Meaning: "A session ends this long after login, however active. At least 1m. " +
			"Four to eight hours, about a working day, suits office use."},
	{Name: "SESSION_SWEEP_INTERVAL", Default: "5m",
		Meaning: "How often expired session files are deleted. At least 1s."},

	{Name: "ADDR",
		Meaning: "Listen address host:port. When unset it is built from HOST and PORT."},
	{Name: "HOST",
		Meaning: "Listen host when ADDR is unset. If only PORT is set the app listens on all interfaces; " +
			"if neither is set it listens on localhost:5000."},
	{Name: "PORT", Default: "5000",
		Meaning: "Listen port when ADDR is unset, from 0 to 65535."},
	{Name: "LOGIN_RATE_LIMIT", Default: "20",
		Meaning: "Login starts and callbacks allowed per client address per minute (with a burst of as many). " +
			"A person needs a handful; 0 turns the limit off."},
	{Name: "TRUSTED_PROXIES",
		Meaning: "Comma-separated addresses or CIDR blocks of reverse proxies whose X-Forwarded-For header names " +
			"the client, for the rate limit. From any other peer the header is ignored."},
	{Name: "LOG_LEVEL", Default: "info",
		Meaning: "Least severe log level written: debug, info, warn or error."},
	{Name: "INSECURE_DEV_PROVIDER", Default: "false",
		Meaning: "true mounts a built-in development OAuth provider under /dev/oauth/ that lets anyone log in " +
			"as anyone. Allowed only when REDIRECT_URL's host is loopback."},
}
