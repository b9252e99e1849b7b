package settings

import (
	"slices"

	"oauthlogin/oauth"
)

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
		Meaning: "Selects the file <ENV_DIR>/<ENVIRONMENT>/.env. Lower-case letters, digits, '_' and '-' only. " +
			"Read from the process environment only."},
	{Name: "ENV_DIR", Default: "env",
		Meaning: "The folder that holds one folder per environment; a relative path starts at the working " +
			"directory, so the default works when the app runs from the repository root. Set it to run the " +
			"app from anywhere else. Read from the process environment only."},

	{Name: "PROVIDER", Default: ProviderGeneric,
		Meaning: "Which provider's profile fills the defaults: generic (every URL given), github, gitlab, google " +
			"or oidc (any OpenID Connect provider, with ISSUER). A variable set explicitly wins over the profile."},
	{Name: "ISSUER",
		Meaning: "OpenID Connect issuer URL. When set, the endpoints not given explicitly are discovered from " +
			"ISSUER/.well-known/openid-configuration at start-up, and ID tokens are verified. " +
			"Required for oidc; the google profile sets Google's."},
	{Name: "GITLAB_URL", Default: oauth.GitLabDotCom,
		Meaning: "The GitLab instance, for PROVIDER=gitlab."},
	{Name: "CLIENT_ID", Required: true,
		Meaning: "The client ID the OAuth provider issued to this app."},
	{Name: "CLIENT_SECRET", Required: true,
		Meaning: "The client secret the OAuth provider issued to this app. Never logged."},
	{Name: "AUTHORIZE_URL",
		Meaning: "The provider's authorization endpoint. https, or http for a loopback host. " +
			"A query is kept, for providers that need a fixed parameter there. " +
			"Required unless the profile or discovery supplies it; with INSECURE_DEV_PROVIDER it defaults to " +
			"the development provider's page, on the listen port."},
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
			" and it has no query. https, or http on a loopback host for development; it also decides the " +
			"session cookie's Secure attribute. With INSECURE_DEV_PROVIDER it defaults to " +
			"http://HOST:PORT" + CallbackPath + "."},
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
		Meaning: "Time limit for each call to the provider, as a Go duration. More than 0 and at most 1m."},
	{Name: "CLOCK_SKEW", Default: "1m",
		Meaning: "How far the provider's clock may be from ours when ID token times are checked. From 1s to 5m."},
	{Name: "POST_LOGOUT_REDIRECT_URL",
		Meaning: "With OpenID Connect end-session logout: where the provider sends the browser after logging " +
			"out there, sent as post_logout_redirect_uri; register it with the provider. Default: the app's " +
			"signed-out page, the origin of REDIRECT_URL followed by " + oauth.SignedOutPath + ". " +
			"Set it empty to send none and let the provider decide."},

	{Name: "SECRET", Required: true,
		Meaning: "Key for the HMAC that names session files and correlates log lines. At least 32 characters; " +
			"generate one with: openssl rand -base64 32 (or: head -c 32 /dev/urandom | base64). Never logged."},
	{Name: "SESSION_DIR",
		Meaning: "Directory for session files. Default: $XDG_CACHE_HOME/oauthlogin/sessions, " +
			"else $HOME/.cache/oauthlogin/sessions (on every OS; set it where that does not suit)."},
	{Name: "SESSION_COOKIE_NAME", Default: "session",
		Meaning: "Name of the session cookie: letters, digits, '-' and '_'. Over https the app adds the __Host- " +
			"prefix and the Secure attribute itself; with a plain-http loopback REDIRECT_URL it sends neither, " +
			"since some browsers drop a Secure cookie set over http."},
	{Name: "SESSION_IDLE_TIMEOUT", Default: "30m",
		Meaning: "A session unused this long ends. From 1m to 24h, and at most SESSION_ABSOLUTE_TIMEOUT. " +
			"Low-risk apps commonly allow 15 to 30 minutes."},
	{Name: "SESSION_ABSOLUTE_TIMEOUT", Default: "8h",
		Meaning: "A session ends this long after login, however active. From 1m to 720h (30 days). " +
			"Four to eight hours, about a working day, suits office use."},
	{Name: "SESSION_SWEEP_INTERVAL", Default: "5m",
		Meaning: "How often expired session files are deleted. From 1s to 1h."},
	{Name: "SESSION_MAX_UNFLUSHED", Default: "50ms",
		Meaning: "The most a power cut may lose of saved sessions, flushed to disk together; 0: each save waits " +
			"for the disk. A process crash loses nothing. From 0s to 1s."},
	{Name: "SESSION_STORE", Default: SessionStoreFile,
		Meaning: "Where sessions are kept: " + SessionStoreFile + " (one file each in SESSION_DIR: one machine, " +
			"or several sharing the directory, with the limits session/README.md lists) or " + SessionStoreRedis +
			" (REDIS_URL: several instances, each change to a session atomic across all of them)."},
	{Name: "REDIS_URL",
		Meaning: "With SESSION_STORE=redis: redis://[user:password@]host:port[/db], or rediss://… for TLS, with " +
			"the server's certificate checked against the system's roots (SSL_CERT_FILE adds a CA). A password " +
			"alone logs in as the default user; a user and password, as that ACL user. Never logged."},
	{Name: "REDIS_KEY_PREFIX", Default: "oauthlogin:session:",
		Meaning: "Start of every session key in Redis, so that one Redis can serve several apps."},
	{Name: "REDIS_TIMEOUT", Default: "2s",
		Meaning: "Bound on each Redis operation (connecting, logging in, the commands) within a request. " +
			"From 10ms to 1m."},
	{Name: "REDIS_POOL_SIZE", Default: "16",
		Meaning: "Connections each instance keeps open to Redis at most; a request waits within REDIS_TIMEOUT " +
			"when all are busy. From 1 to 1000."},

	{Name: "ADDR",
		Meaning: "Listen address host:port. When unset it is built from HOST and PORT."},
	{Name: "HOST",
		Meaning: "Listen host when ADDR is unset. If only PORT is set the app listens on all interfaces; " +
			"if neither is set it listens on localhost:5000. env/local/.env sets localhost."},
	{Name: "PORT", Default: "5000",
		Meaning: "Listen port when ADDR is unset, from 0 to 65535. With INSECURE_DEV_PROVIDER the development " +
			"provider's URLs and REDIRECT_URL follow it, so PORT=8080 go run . just works."},
	{Name: "LOGIN_RATE_LIMIT", Default: "150",
		Meaning: "Login starts and callbacks allowed per client address per minute (with a burst of as many). " +
			"Each login is two; the default lets 60 people behind one address (an office, a school) log in " +
			"within a minute with room to retry. At most 10000; 0 turns the limit off."},
	{Name: "MAX_PENDING_SESSIONS", Default: "10000",
		Meaning: "Every login start counts toward this bound, per instance, for ten minutes (how long a login " +
			"may take) plus SESSION_SWEEP_INTERVAL, and a finished login gives its place back. Past it, a new " +
			"login gets 503 until older ones expire; logged-in visitors are unaffected. It bounds the session " +
			"records of unfinished logins that a flood from many addresses can leave on disk, since such a " +
			"record ends ten minutes after its newest login start. At most 1000000; 0 turns it off."},
	{Name: "TRUSTED_PROXIES",
		Meaning: "Comma-separated addresses or CIDR blocks of reverse proxies whose X-Forwarded-For header names " +
			"the client, for the rate limit. From any other peer the header is ignored."},
	{Name: "LOG_LEVEL", Default: "info",
		Meaning: "Least severe log level written: debug, info, warn or error."},
	{Name: "LOG_FORMAT", Default: LogFormatAuto,
		Meaning: "auto (text when standard error is a terminal, JSON otherwise), text or json."},
	{Name: "INSECURE_DEV_PROVIDER", Default: "false",
		Meaning: "true mounts a built-in development OAuth provider under " + DevProviderPath + "/ that lets " +
			"anyone log in as anyone, and derives the provider URLs and REDIRECT_URL from the listen port. " +
			"Allowed only with PROVIDER=generic, when the app listens on a loopback host and REDIRECT_URL's host " +
			"is loopback."},

	// Who may log in: oauth/access applies these lists.
	{Name: "ALLOWED_USERS",
		Meaning: "Comma-separated accounts that may log in, by the provider's stable id, never a login name, " +
			"which another account can take over: GitHub's or GitLab's numeric id, OpenID Connect's sub. " +
			"The refusal page shows a person's id. A person who matches any entry of any ALLOWED_ list is " +
			"admitted; with all of them empty, everyone with an account at the provider is."},
	{Name: "ALLOWED_EMAIL_DOMAINS",
		Meaning: "Comma-separated domains whose addresses may log in: example.com matches that domain only, " +
			"*.example.com its subdomains only. Only addresses the provider has verified count (GitHub: any " +
			"verified address of the account). ASCII only: write an internationalised domain in its xn-- form; " +
			"no trailing dot. With PROVIDER=generic and no ISSUER, USER_URL's answer is read as OpenID Connect " +
			"UserInfo, for this and ALLOWED_GROUPS: it must carry sub, and email with email_verified."},
	{Name: "ALLOWED_GROUPS",
		Meaning: "Comma-separated groups whose members may log in, compared exactly: with OpenID Connect the " +
			"claim GROUPS_CLAIM (from the verified ID token, else UserInfo); with github an organisation (acme) " +
			"or team (acme/eng), in any case; with gitlab a group path. Not with google. The profile's SCOPE " +
			"then also asks for read:org (github), openid (gitlab) or groups (OpenID Connect). At most 200 " +
			"groups of a person are read."},
	{Name: "GROUPS_CLAIM", Default: "groups",
		Meaning: "With OpenID Connect (and PROVIDER=generic or gitlab), the claim that holds a person's groups: " +
			"an array of strings, or one string."},

	// Kept tokens, to act for the person: oauth/tokens (settings/tokens.go).
	{Name: "KEEP_TOKENS", Default: "false",
		Meaning: "true keeps each login's access token, its expiry, the refresh token and the granted scope in " +
			"the session, encrypted (AES-256-GCM under a key derived from SECRET, bound to the session), so that " +
			"the app can call the provider's API for the person: the home page shows what the provider says " +
			"about them, just now. The access token is refreshed before it expires, once across every instance, " +
			"and logout revokes the tokens. The login then asks for a refresh token where the provider needs to " +
			"be asked: OpenID Connect offline_access with prompt=consent when the provider lists it, Google " +
			"access_type=offline. With SESSION_STORE=file, every change to a session is then made under a lock " +
			"file (flock), so that instances sharing SESSION_DIR never send a refresh token twice."},
	{Name: "REVOCATION_URL",
		Meaning: "The provider's token revocation endpoint (RFC 7009), where logout revokes the kept tokens. " +
			"Default: the gitlab profile's, OpenID Connect discovery's revocation_endpoint, or the development " +
			"provider's; GitHub has none. Same rules as AUTHORIZE_URL."},
	{Name: "DEV_ACCESS_TOKEN_LIFETIME", Default: "1h",
		Meaning: "How long the development provider's access tokens last; it issues refresh tokens that rotate, " +
			"and revokes the grant when a used one comes back. Set it short (30s) with KEEP_TOKENS to watch " +
			"refreshes. From 1s to 24h."},
	{Name: "SECRET_PREVIOUS",
		Meaning: "Comma-separated older values of SECRET, at most 5, still accepted for reading: sessions named " +
			"and tokens sealed under them are found, and move to SECRET at their next save. To rotate SECRET, " +
			"see the README. Each at least 32 characters. Never logged."},

	// Running it as a service: https without a proxy, metrics, shutdown.
	{Name: "TLS_CERT_FILE",
		Meaning: "A PEM file holding the certificate to serve https with, followed by any intermediate " +
			"certificates; set with TLS_KEY_FILE. The app then serves https itself on the listen address " +
			"(TLS 1.2 or later), and loads the two files again when either changes, so a renewed certificate " +
			"needs no restart. REDIRECT_URL must then be https, on a host the certificate names. Unset: plain " +
			"http, for a proxy in front that serves https."},
	{Name: "TLS_KEY_FILE",
		Meaning: "A PEM file holding the private key of TLS_CERT_FILE's certificate; set with TLS_CERT_FILE."},
	{Name: "METRICS_ADDR",
		Meaning: "host:port of a listener of its own that serves Prometheus metrics at /metrics. Unset: no " +
			"metrics. A loopback host only (localhost, 127.0.0.0/8 or ::1), unless INSECURE_METRICS_PUBLIC is true."},
	{Name: "INSECURE_METRICS_PUBLIC", Default: "false",
		Meaning: "true lets METRICS_ADDR be an address other machines can reach. The metrics tell whoever reads " +
			"them how busy the site is and how its logins fail: keep that address on the monitoring's network."},
	{Name: "SHUTDOWN_DELAY", Default: "0s",
		Meaning: "After SIGTERM, how long the app goes on serving while /readyz answers 503, so that load " +
			"balancers stop sending visitors before it closes its listener. From 0s to 1m; behind a load " +
			"balancer, a little more than its probe interval times the failures it waits for."},
}
