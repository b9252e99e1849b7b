package settings

import (
	"log/slog"
	"net/netip"
	"time"
)

// The values CLIENT_AUTH_METHOD accepts, spelled as RFC 7591 names the
// token endpoint authentication methods.
const (
	AuthMethodPost  = "client_secret_post"  // client_id and client_secret in the form body
	AuthMethodBasic = "client_secret_basic" // HTTP Basic authentication
)

// Settings is the validated configuration of the app.
type Settings struct {
	Environment  string
	EnvFile      string // path of the .env file that was looked for
	EnvFileFound bool
	Server       Server
	OAuth        OAuth
	Session      Session
	Access       Access // who may log in
	Tokens       Tokens // the tokens kept to act for the person (tokens.go)
}

// The values LOG_FORMAT accepts.
const (
	LogFormatAuto = "auto" // text when standard error is a terminal, else JSON
	LogFormatText = "text" // log/slog's key=value lines, for people
	LogFormatJSON = "json" // one JSON object a line, for log collectors
)

// Server configures the HTTP server.
type Server struct {
	Addr                string // listen address host:port
	InsecureDevProvider bool   // mount the built-in development provider under DevProviderPath
	LogLevel            slog.Level
	LogFormat           string         // one of the LogFormat constants
	LoginRateLimit      int            // login starts and callbacks per client per minute; 0 is no limit
	MaxPendingSessions  int            // session records that unfinished logins may create; 0 is no bound
	TrustedProxies      []netip.Prefix // peers whose X-Forwarded-For is believed

	TLSCertFile           string        // with TLSKeyFile: serve https with this pair; "" serves http
	TLSKeyFile            string        // the certificate's private key
	MetricsAddr           string        // where /metrics is served, on a listener of its own; "" for none
	InsecureMetricsPublic bool          // METRICS_ADDR may be an address other machines reach
	ShutdownDelay         time.Duration // after SIGTERM, serving on with /readyz at 503 before closing
}

// OAuth configures the conversation with the OAuth2 provider. An empty
// Scope, Prompt or ApprovalPrompt means the parameter is not sent.
type OAuth struct {
	Provider string // one of the Provider constants; its profile filled the defaults
	// Issuer turns on OpenID Connect: discovery at start-up fills the
	// endpoint URLs left empty, and ID tokens are verified.
	Issuer string

	ClientID     string
	ClientSecret Secret
	AuthorizeURL string // may carry a query, which must be kept
	TokenURL     string
	UserURL      string            // may be empty with an Issuer: then the ID token alone says who logged in
	EmailsURL    string            // GitHub's /user/emails, asked when the profile shows no e-mail address
	APIHeaders   map[string]string // sent on every call to the provider's API, as the profile requires
	RedirectURL  string            // its path is CallbackPath
	UserFields   UserFields
	ClockSkew    time.Duration // tolerated difference between our clock and the provider's, for ID tokens
	// PostLogoutRedirectURL is where an OpenID Connect provider sends the
	// browser after logging out there; empty means the provider decides.
	PostLogoutRedirectURL string
	Scope                 string
	Prompt                string
	ApprovalPrompt        string
	ResponseType          string
	GrantType             string
	AuthMethod            string // AuthMethodPost or AuthMethodBasic
	InsecureDisablePKCE   bool
	Timeout               time.Duration // for every outbound call to the provider
}

// UserFields are dotted paths into the user endpoint's JSON, such as
// data.attributes.login. An empty one means the built-in choice: id or
// sub; login or preferred_username; name; email.
type UserFields struct {
	ID       string
	Username string
	Name     string
	Email    string
}

// Session configures the server-side sessions.
type Session struct {
	Dir        string
	CookieName string // as configured, without the __Host- prefix
	// CookieSecure is derived: true exactly when REDIRECT_URL is https.
	// It is false only in local development, since Parse allows plain
	// http on a loopback REDIRECT_URL alone: there no cookie crosses a
	// network, and the app need not warn.
	CookieSecure    bool
	IdleTimeout     time.Duration
	AbsoluteTimeout time.Duration
	SweepInterval   time.Duration
	MaxUnflushed    time.Duration // the file store's: what a power cut may lose (session/flush.go)
	Secret          Secret        // HMAC key for session file names and log correlation
	// SecretPrevious is SECRET_PREVIOUS as given: older SECRETs, comma
	// separated, still accepted for reading; see PreviousSecrets.
	SecretPrevious Secret

	Store          string // SessionStoreFile or SessionStoreRedis
	RedisURL       Secret // it may hold a password
	RedisKeyPrefix string
	RedisTimeout   time.Duration
	RedisPoolSize  int
}

// The values SESSION_STORE accepts.
const (
	SessionStoreFile  = "file"  // session.FileStore in Dir
	SessionStoreRedis = "redis" // a redisstore.Store (session/redisstore) at RedisURL
)

// LogValue summarizes the settings for the start-up log, with secrets
// redacted, so slog.Info("settings", "settings", s) is safe.
func (s Settings) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("environment", s.Environment),
		slog.String("env_file", s.EnvFile),
		slog.Bool("env_file_found", s.EnvFileFound),
		slog.Any("server", s.Server),
		slog.Any("oauth", s.OAuth),
		slog.Any("session", s.Session),
		slog.Any("access", s.Access),
		slog.Any("tokens", s.Tokens),
	)
}

// Summary is the short form of the settings that the app logs at start-up:
// what a person checks first. LogValue has everything, for debugging.
func (s Settings) Summary() slog.Value {
	return slog.GroupValue(
		slog.String("environment", s.Environment),
		slog.Bool("env_file_found", s.EnvFileFound),
		slog.String("provider", s.OAuth.Provider),
		slog.String("redirect_url", s.OAuth.RedirectURL),
		slog.String("session_dir", s.Session.Dir),
	)
}

// LogValue implements [slog.LogValuer].
func (s Server) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("addr", s.Addr),
		slog.Bool("insecure_dev_provider", s.InsecureDevProvider),
		slog.String("log_level", s.LogLevel.String()),
		slog.String("log_format", s.LogFormat),
		slog.Int("login_rate_limit", s.LoginRateLimit),
		slog.Int("max_pending_sessions", s.MaxPendingSessions),
		slog.Any("trusted_proxies", s.TrustedProxies),
		slog.String("tls_cert_file", s.TLSCertFile),
		slog.String("tls_key_file", s.TLSKeyFile),
		slog.String("metrics_addr", s.MetricsAddr),
		slog.Bool("insecure_metrics_public", s.InsecureMetricsPublic),
		slog.String("shutdown_delay", s.ShutdownDelay.String()),
	)
}

// LogValue implements [slog.LogValuer]. Durations are logged as text
// ("10s") rather than slog's nanosecond count, for the humans reading.
func (o OAuth) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("provider", o.Provider),
		slog.String("issuer", o.Issuer),
		slog.String("client_id", o.ClientID),
		slog.Any("client_secret", o.ClientSecret),
		slog.String("authorize_url", o.AuthorizeURL),
		slog.String("token_url", o.TokenURL),
		slog.String("user_url", o.UserURL),
		slog.String("emails_url", o.EmailsURL),
		slog.String("redirect_url", o.RedirectURL),
		slog.String("post_logout_redirect_url", o.PostLogoutRedirectURL),
		slog.String("scope", o.Scope),
		slog.String("prompt", o.Prompt),
		slog.String("approval_prompt", o.ApprovalPrompt),
		slog.String("response_type", o.ResponseType),
		slog.String("grant_type", o.GrantType),
		slog.String("auth_method", o.AuthMethod),
		slog.Bool("insecure_disable_pkce", o.InsecureDisablePKCE),
		slog.String("timeout", o.Timeout.String()),
		slog.String("clock_skew", o.ClockSkew.String()),
	)
}

// LogValue implements [slog.LogValuer].
func (s Session) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("dir", s.Dir),
		slog.String("cookie_name", s.CookieName),
		slog.Bool("cookie_secure", s.CookieSecure),
		slog.String("idle_timeout", s.IdleTimeout.String()),
		slog.String("absolute_timeout", s.AbsoluteTimeout.String()),
		slog.String("sweep_interval", s.SweepInterval.String()),
		slog.String("max_unflushed", s.MaxUnflushed.String()),
		slog.Any("secret", s.Secret),
		slog.Any("secret_previous", s.SecretPrevious),
		slog.String("store", s.Store),
		slog.Any("redis_url", s.RedisURL),
		slog.String("redis_key_prefix", s.RedisKeyPrefix),
		slog.String("redis_timeout", s.RedisTimeout.String()),
		slog.Int("redis_pool_size", s.RedisPoolSize),
	)
}
