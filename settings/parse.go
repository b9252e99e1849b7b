package settings

import (
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"oauthlogin/oauth"
)

// CallbackPath is the app's callback route, where the provider sends the
// browser back after login. REDIRECT_URL must point at it.
const CallbackPath = "/oauth/callback"

// minSecretLength is the shortest SECRET accepted, in characters. It rules
// out a memorable password; the suggested 32 random bytes in base64 are
// 44 characters.
const minSecretLength = 32

// Parse turns variables, as merged by [Load], into Settings and validates
// them. The variables are described by [Variables]; any other key in vars
// is ignored, except XDG_CACHE_HOME and HOME, which give SESSION_DIR its
// default.
//
// Parse reports every problem at once, as a [*ValidationError].
func Parse(vars map[string]string) (Settings, error) {
	s, _, err := parse(vars)
	return s, err
}

// parse is Parse that also returns the name of every variable it read,
// for Load to check that none was filled with a secret.
func parse(vars map[string]string) (Settings, map[string]bool, error) {
	c := newChecker(vars)
	// First, so that a placeholder is reported as such, and not as a
	// value too short or a URL that does not answer.
	c.checkPlaceholders()
	provider := c.oneOf("PROVIDER", ProviderGeneric, ProviderGitHub, ProviderGitLab, ProviderGoogle, ProviderOIDC)
	gitLabURL := c.text("GITLAB_URL")
	if provider == ProviderGitLab {
		c.checkURL("GITLAB_URL", gitLabURL, checkProviderURL)
	}
	addr := c.listenAddr()
	devProvider := c.boolean("INSECURE_DEV_PROVIDER")
	c.profile = profileDefaults(provider, gitLabURL)
	if devProvider && provider == ProviderGeneric {
		c.profile = devProviderDefaults(addr)
	}
	issuer := c.optionalURL("ISSUER", checkProviderURL)
	discoverable := issuer != ""
	s := Settings{
		Environment: c.text("ENVIRONMENT"),
		Server: Server{
			Addr:                addr,
			InsecureDevProvider: devProvider,
			LogLevel:            c.logLevel("LOG_LEVEL"),
			LogFormat:           c.oneOf("LOG_FORMAT", LogFormatAuto, LogFormatText, LogFormatJSON),
			LoginRateLimit:      c.countBetween("LOGIN_RATE_LIMIT", 0, maxLoginRateLimit),
			MaxPendingSessions:  c.countBetween("MAX_PENDING_SESSIONS", 0, maxPendingSessions),
			TrustedProxies:      c.prefixes("TRUSTED_PROXIES"),
		},
		OAuth: OAuth{
			Provider:     provider,
			Issuer:       issuer,
			ClientID:     c.required("CLIENT_ID"),
			ClientSecret: NewSecret(c.required("CLIENT_SECRET")),
			AuthorizeURL: c.endpointURL("AUTHORIZE_URL", discoverable),
			TokenURL:     c.endpointURL("TOKEN_URL", discoverable),
			UserURL:      c.endpointURL("USER_URL", discoverable),
			EmailsURL:    c.optionalURL("EMAILS_URL", checkProviderURL),
			APIHeaders:   apiHeaders(provider, gitLabURL),
			RedirectURL:  c.requiredURL("REDIRECT_URL", checkRedirectURL),
			UserFields: UserFields{
				ID:       c.fieldPath("ID_FIELD"),
				Username: c.fieldPath("USERNAME_FIELD"),
				Name:     c.fieldPath("NAME_FIELD"),
				Email:    c.fieldPath("EMAIL_FIELD"),
			},
			ClockSkew:             c.durationBetween("CLOCK_SKEW", minClockSkew, maxClockSkew),
			PostLogoutRedirectURL: c.optionalURL("POST_LOGOUT_REDIRECT_URL", checkProviderURL),
			Scope:                 c.param("SCOPE"),
			Prompt:                c.param("PROMPT"),
			ApprovalPrompt:        c.param("APPROVAL_PROMPT"),
			ResponseType:          c.param("RESPONSE_TYPE"),
			GrantType:             c.param("GRANT_TYPE"),
			AuthMethod:            c.oneOf("CLIENT_AUTH_METHOD", AuthMethodPost, AuthMethodBasic),
			InsecureDisablePKCE:   c.boolean("INSECURE_DISABLE_PKCE"),
			Timeout:               c.duration("OAUTH_TIMEOUT"),
		},
		Session: Session{
			Dir:             c.sessionDir(),
			CookieName:      c.text("SESSION_COOKIE_NAME"),
			IdleTimeout:     c.durationBetween("SESSION_IDLE_TIMEOUT", minIdleTimeout, maxIdleTimeout),
			AbsoluteTimeout: c.durationBetween("SESSION_ABSOLUTE_TIMEOUT", minAbsoluteTimeout, maxAbsoluteTimeout),
			SweepInterval:   c.durationBetween("SESSION_SWEEP_INTERVAL", minSweepInterval, maxSweepInterval),
			MaxUnflushed:    c.durationBetween("SESSION_MAX_UNFLUSHED", 0, maxUnflushed),
			Secret:          NewSecret(c.required("SECRET")),
			Store:           c.oneOf("SESSION_STORE", SessionStoreFile, SessionStoreRedis),
			RedisURL:        NewSecret(c.text("REDIS_URL")),
			RedisKeyPrefix:  c.text("REDIS_KEY_PREFIX"),
			RedisTimeout:    c.durationBetween("REDIS_TIMEOUT", minRedisTimeout, maxRedisTimeout),
			RedisPoolSize:   c.countBetween("REDIS_POOL_SIZE", minRedisPoolSize, maxRedisPoolSize),
		},
	}

	c.service(&s)
	c.access(&s)
	c.tokens(&s)
	if err := checkEnvironment(s.Environment); err != nil {
		c.problem("ENVIRONMENT", err.Error())
	}
	if err := checkCookieName(s.Session.CookieName); err != nil {
		c.problem("SESSION_COOKIE_NAME", err.Error())
	}
	c.check(s.OAuth.ResponseType == "code", "RESPONSE_TYPE",
		`must be "code": the authorization code flow is the only one this app implements`)
	c.check(s.OAuth.GrantType == "authorization_code", "GRANT_TYPE",
		`must be "authorization_code": the authorization code flow is the only one this app implements`)
	c.check(utf8.RuneCountInString(s.Session.Secret.Reveal()) >= minSecretLength, "SECRET",
		fmt.Sprintf("must be at least %d characters long; generate one with: openssl rand -base64 32 "+
			"(or: head -c 32 /dev/urandom | base64)", minSecretLength))
	// The development provider's sessions are the only ones the published
	// key may name: anyone can compute the session file names and log
	// correlation ids it gives.
	c.check(devProvider || s.Session.Secret.Reveal() != publishedDevSecret, "SECRET",
		"is the example key published in env/local/.env, fit only for the development provider; "+
			"generate your own with: openssl rand -base64 32")
	// The development provider lets anyone log in as anyone, so it must
	// never be reachable from another machine: neither through where the
	// app listens nor through where the provider sends people back.
	if devProvider {
		// It stands in for the provider, so it goes with no other.
		c.check(provider == ProviderGeneric, "INSECURE_DEV_PROVIDER",
			"may be true only with PROVIDER=generic: the development provider stands in for a real one")
		c.check(isLoopbackListenAddr(addr), "INSECURE_DEV_PROVIDER",
			"may be true only when the app listens on a loopback address: set HOST=localhost "+
				"(or ADDR=localhost:PORT); an empty host or 0.0.0.0 listens on every network")
		c.check(isLoopbackURL(s.OAuth.RedirectURL), "INSECURE_DEV_PROVIDER",
			"may be true only when REDIRECT_URL's host is loopback (localhost, 127.0.0.0/8 or ::1)")
	}
	// The cookie carries the Secure attribute (and so the __Host- prefix)
	// exactly when the site is served over https. Plain http is allowed
	// only on a loopback REDIRECT_URL, where a Secure cookie is what some
	// browsers (WebKit, so Safari) refuse to keep: there the cookie goes
	// without it, and nowhere else can it.
	s.Session.CookieSecure = !isPlainHTTP(s.OAuth.RedirectURL)
	if c.given("SESSION_COOKIE_SECURE") != "" {
		c.problem("SESSION_COOKIE_SECURE", "is no longer read: the session cookie is Secure exactly when "+
			"REDIRECT_URL is https, and plain http is allowed only on loopback; remove the variable")
	}
	c.check(!devProvider || c.given("REDIRECT_URL") != "" || !strings.HasSuffix(addr, ":0"), "PORT",
		"must not be 0 with INSECURE_DEV_PROVIDER: the development provider's URLs are derived from it")
	// After logging out at an OpenID Connect provider, the browser comes
	// back to the signed-out page unless the variable says otherwise; set
	// empty, the provider decides.
	if _, set := c.lookup("POST_LOGOUT_REDIRECT_URL"); !set && !c.failed["REDIRECT_URL"] {
		s.OAuth.PostLogoutRedirectURL = siteOrigin(s.OAuth.RedirectURL) + oauth.SignedOutPath
	}
	c.check(0 < s.OAuth.Timeout && s.OAuth.Timeout <= maxOAuthTimeout, "OAUTH_TIMEOUT",
		"must be more than 0s and at most "+shortDuration(maxOAuthTimeout))
	c.check(provider != ProviderOIDC || issuer != "", "ISSUER",
		"must be set when PROVIDER is oidc: it is where discovery starts")
	// Without the openid scope the provider sends no ID token, and every
	// login would fail for want of one (OpenID Connect Core §3.1.2.1).
	c.check(issuer == "" || slices.Contains(strings.Fields(s.OAuth.Scope), "openid"), "SCOPE",
		"must include openid when ISSUER is set")
	if !c.failed["SESSION_ABSOLUTE_TIMEOUT"] {
		c.check(s.Session.IdleTimeout <= s.Session.AbsoluteTimeout, "SESSION_IDLE_TIMEOUT",
			"must not be longer than SESSION_ABSOLUTE_TIMEOUT")
	}
	if s.Session.Store == SessionStoreRedis {
		if err := checkRedisURL(s.Session.RedisURL.Reveal()); err != nil {
			c.problem("REDIS_URL", err.Error())
		}
	}

	if err := c.err(); err != nil {
		return Settings{}, c.read, err
	}
	return s, c.read, nil
}

// listenAddr follows what hosting platforms do: they set PORT, and expect
// the app to listen on all interfaces. Without PORT the app is probably
// on a laptop, where listening on localhost only is the safe default.
func (c *checker) listenAddr() string {
	if addr := c.given("ADDR"); addr != "" {
		if err := checkListenAddr(addr); err != nil {
			c.problem("ADDR", err.Error())
		}
		return addr
	}
	host, port := c.given("HOST"), c.given("PORT")
	if port == "" {
		port = defaultFor("PORT")
		if host == "" {
			host = "localhost"
		}
	}
	if err := checkPort(port); err != nil {
		c.problem("PORT", err.Error())
	}
	return net.JoinHostPort(host, port)
}

func (c *checker) logLevel(name string) slog.Level {
	switch strings.ToLower(c.text(name)) {
	case "debug":
		return slog.LevelDebug
	case "info":
		return slog.LevelInfo
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	c.problem(name, "must be one of debug, info, warn, error")
	return slog.LevelInfo
}

// sessionDir derives its default the way the XDG base directory rules do,
// on every OS, so that it depends on vars alone; os.UserCacheDir would
// read the process environment behind the caller's back. As those rules
// say, a relative XDG_CACHE_HOME is ignored.
func (c *checker) sessionDir() string {
	if dir := c.given("SESSION_DIR"); dir != "" {
		return dir
	}
	var cacheDir string
	switch xdg, home := c.given("XDG_CACHE_HOME"), c.given("HOME"); {
	case filepath.IsAbs(xdg):
		cacheDir = xdg
	case filepath.IsAbs(home):
		cacheDir = filepath.Join(home, ".cache")
	default:
		c.problem("SESSION_DIR", "must be set, since neither XDG_CACHE_HOME nor HOME is an absolute path to derive it from")
		return ""
	}
	return filepath.Join(cacheDir, "oauthlogin", "sessions")
}

// siteOrigin is the scheme and host of a URL that has been checked.
func siteOrigin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
