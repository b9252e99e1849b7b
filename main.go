// Oauthlogin is a web application that logs people in with OAuth2 and keeps
// them in a server-side session stored in files.
//
// It reads its settings from env/$ENVIRONMENT/.env (ENVIRONMENT defaults to
// local) and the process environment, which wins. The local environment
// runs against a built-in development provider, so
//
//	go run .
//
// works on a fresh machine with no account and no network. See README.md.
//
// This file only wires the packages together: settings → session store →
// OAuth client → routes → HTTP server.
package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"runtime/debug"
	"sync"
	"syscall"
	"time"

	"oauthlogin/oauth"
	"oauthlogin/oauth/oauthtest"
	"oauthlogin/oauth/oidc"
	"oauthlogin/session"
	"oauthlogin/settings"
	"oauthlogin/templates"
)

func main() {
	// The live heap is a few MiB, so with the default GOGC of 100 the
	// collector runs after every few thousand requests. Letting the heap
	// grow to five times its live size costs some MiB of memory and
	// measured 7% more page views per second, and 7% less CPU per page
	// view (the binary under wrk, 24 interleaved pairs of rounds). A GOGC
	// in the environment still decides, as in any Go program.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if err := run(os.Environ()); err != nil {
		fmt.Fprintln(os.Stderr, "oauthlogin:", err)
		os.Exit(1)
	}
}

// run starts the application and serves until SIGINT or SIGTERM, then shuts
// down gracefully: it stops accepting connections, lets requests in flight
// finish, and stops the session sweep.
func run(environ []string) error {
	cfg, err := settings.Load(".", environ)
	if err != nil {
		return err
	}
	logger := newLogger(os.Stderr, cfg.Server)
	if !cfg.EnvFileFound {
		logger.Info("no .env file; using the process environment only", "file", cfg.EnvFile)
	}
	logger.Info("settings loaded", "settings", cfg.Summary())
	logger.Debug("every setting", "settings", cfg)
	if !cfg.Session.CookieSecure {
		logger.Warn("session cookie sent without Secure and the __Host- prefix: REDIRECT_URL is plain http " +
			"on loopback, where some browsers (Safari's WebKit) drop a Secure cookie")
	}

	store, runSweeper, err := openSessionStore(cfg.Session)
	if err != nil {
		return err
	}
	handler, err := newHandler(cfg, store, logger)
	if err != nil {
		return err
	}
	server := newServer(cfg, handler, logger)

	ln, err := net.Listen("tcp", cfg.Server.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var sweeper sync.WaitGroup
	sweeper.Go(func() { runSweeper(ctx, logger) })

	serveErr := make(chan error, 1)
	go func() { serveErr <- server.Serve(ln) }()
	logger.Info("listening", "addr", ln.Addr().String(), "open", siteURL(cfg.OAuth.RedirectURL))

	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down: finishing requests in flight")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = server.Shutdown(shutdownCtx)
	sweeper.Wait()
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	logger.Info("stopped")
	return nil
}

// openSessionStore opens the store SESSION_STORE names, with the sweep
// that removes its expired sessions. A Redis store is asked to answer at
// once, so that a wrong address or password stops the start-up with the
// reason (and never the URL, which may hold the password). Redis drops
// expired sessions itself: it needs no sweep.
func openSessionStore(s settings.Session) (session.Store, func(context.Context, *slog.Logger), error) {
	key := []byte(s.Secret.Reveal())
	if s.Store == settings.SessionStoreRedis {
		ctx, cancel := context.WithTimeout(context.Background(), s.RedisTimeout)
		defer cancel()
		store, err := session.NewRedisStore(ctx, key, session.RedisOptions{
			URL:       s.RedisURL.Reveal(),
			KeyPrefix: s.RedisKeyPrefix,
			Timeout:   s.RedisTimeout,
			PoolSize:  s.RedisPoolSize,
		})
		if err != nil {
			return nil, nil, err
		}
		return store, func(context.Context, *slog.Logger) {}, nil
	}
	store, err := session.NewFileStore(s.Dir, key, nil)
	if err != nil {
		return nil, nil, err
	}
	sweep := func(ctx context.Context, logger *slog.Logger) { store.RunSweeper(ctx, s.SweepInterval, logger) }
	return store, sweep, nil
}

// newHandler builds the application: its routes and the middleware around
// them.
func newHandler(cfg settings.Settings, store session.Store, logger *slog.Logger) (http.Handler, error) {
	pages, err := templates.Parse()
	if err != nil {
		return nil, err
	}
	showError := func(w http.ResponseWriter, f oauth.Failure) {
		err := pages.RenderError(w, templates.Error{Status: f.Status, Title: f.Title, Message: f.Message})
		if err != nil {
			logger.Error("render error page", "err", err)
		}
	}
	sessions, err := session.NewManager(store, session.Options{
		CookieName: cfg.Session.CookieName,
		// Settings allow a cookie without Secure only when REDIRECT_URL
		// is plain http on loopback: local development.
		InsecureCookieOverHTTP: !cfg.Session.CookieSecure,
		IdleTimeout:            cfg.Session.IdleTimeout,
		AbsoluteTimeout:        cfg.Session.AbsoluteTimeout,
		HashKey:                []byte(cfg.Session.Secret.Reveal()),
		Logger:                 logger,
		OnError: func(w http.ResponseWriter, _ *http.Request, _ error) {
			showError(w, oauth.Failure{Status: http.StatusServiceUnavailable, Title: "Sessions are unavailable",
				Message: "The server could not read your session. Please try again in a moment."})
		},
	})
	if err != nil {
		return nil, err
	}
	providerHTTP := oauth.NewHTTPClient(cfg.OAuth.Timeout)
	oauthConfig, err := newOAuthConfig(cfg.OAuth, providerHTTP, logger)
	if err != nil {
		return nil, err
	}
	client := oauth.NewClient(oauthConfig, providerHTTP)
	var limit *oauth.RateLimit
	if n := cfg.Server.LoginRateLimit; n > 0 {
		limit = &oauth.RateLimit{PerMinute: n, Burst: n, TrustedProxies: cfg.Server.TrustedProxies}
	}
	pending := &oauth.PendingLimit{
		Max:    cfg.Server.MaxPendingSessions,
		Window: cfg.Session.IdleTimeout + cfg.Session.SweepInterval,
	}
	login := oauth.NewLogin(client, func(w http.ResponseWriter, _ *http.Request, f oauth.Failure) { showError(w, f) },
		oauth.LoginOptions{Logger: logger, RateLimit: limit, PendingLimit: pending})

	// protect puts a page behind the login: adding a protected page is one
	// line below.
	protect := func(h http.HandlerFunc) http.Handler { return sessions.Middleware(login.Require(h)) }
	// Logout changes state, so only a same-origin POST may trigger it:
	// another site must not be able to log the visitor out.
	logout := http.NewCrossOriginProtection()
	logout.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		showError(w, oauth.Failure{Status: http.StatusForbidden, Title: "Request refused",
			Message: "Logging out must be done from this site's own page."})
	}))

	mux := http.NewServeMux()
	mux.Handle("GET /{$}", protect(home(pages, logger)))
	// Logout ends here, on a public page, so that it never starts a new
	// login by itself.
	mux.Handle("GET "+oauth.SignedOutPath, sessions.Middleware(login.SignedOut(signedOut(pages, logger))))
	mux.Handle("GET "+settings.CallbackPath, sessions.Middleware(http.HandlerFunc(login.Callback)))
	mux.Handle("POST /logout", refuseLargeBody(logout.Handler(sessions.Middleware(http.HandlerFunc(login.Logout))), showError))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	if cfg.Server.InsecureDevProvider {
		logger.Warn("development provider mounted at /dev/oauth/: anyone can log in as anyone")
		mux.Handle(settings.DevProviderPath+"/", http.StripPrefix(settings.DevProviderPath, oauthtest.New(oauthtest.Config{
			ClientID:     cfg.OAuth.ClientID,
			ClientSecret: cfg.OAuth.ClientSecret.Reveal(),
			RedirectURL:  cfg.OAuth.RedirectURL,
		})))
	}

	hsts := isHTTPS(cfg.OAuth.RedirectURL)
	return pages.Recover(templates.SecurityHeaders(logRequests(mux, logger), hsts), logger), nil
}

// newOAuthConfig turns the OAuth settings into the client's configuration.
// With an OpenID Connect issuer it first asks the provider's discovery
// document for the endpoints the settings leave empty, and sets up ID
// token verification with the provider's published keys. A provider that
// cannot be reached, or whose document names another issuer, stops the
// start-up here, with the reason, rather than failing each login later.
func newOAuthConfig(o settings.OAuth, providerHTTP *http.Client, logger *slog.Logger) (oauth.Config, error) {
	c := oauth.Config{
		ClientID:            o.ClientID,
		ClientSecret:        o.ClientSecret.Reveal(),
		AuthorizeURL:        o.AuthorizeURL,
		TokenURL:            o.TokenURL,
		UserURL:             o.UserURL,
		RedirectURL:         o.RedirectURL,
		UserFields:          oauth.UserFields(o.UserFields),
		EmailsURL:           o.EmailsURL,
		APIHeaders:          o.APIHeaders,
		Scope:               o.Scope,
		Prompt:              o.Prompt,
		ApprovalPrompt:      o.ApprovalPrompt,
		AuthMethod:          o.AuthMethod,
		Issuer:              o.Issuer,
		InsecureDisablePKCE: o.InsecureDisablePKCE,
		Timeout:             o.Timeout,
	}
	if o.Issuer == "" {
		return c, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.Timeout)
	defer cancel()
	meta, err := oidc.Discover(ctx, providerHTTP, o.Issuer)
	if err != nil {
		return oauth.Config{}, fmt.Errorf("OpenID Connect discovery for %s: %w", o.Issuer, err)
	}
	c.AuthorizeURL = cmp.Or(c.AuthorizeURL, meta.AuthorizationEndpoint)
	c.TokenURL = cmp.Or(c.TokenURL, meta.TokenEndpoint)
	c.UserURL = cmp.Or(c.UserURL, meta.UserinfoEndpoint)
	c.RequireIss = meta.IssParameterSupported
	c.EndSessionURL = meta.EndSessionEndpoint
	c.PostLogoutRedirectURL = o.PostLogoutRedirectURL
	keys := oidc.NewKeySet(providerHTTP, meta.JWKSURI, nil)
	verifier := oidc.NewVerifier(keys, oidc.Config{Issuer: o.Issuer, ClientID: o.ClientID, ClockSkew: o.ClockSkew})
	// The plug between the two packages, which know nothing of each
	// other: oidc's claims become oauth's, and oidc's reason for a refusal
	// becomes the reason oauth logs.
	c.IDTokens = oauth.IDTokenVerifierFunc(func(ctx context.Context, rawIDToken, nonce string) (oauth.IDClaims, error) {
		claims, err := verifier.Verify(ctx, rawIDToken, nonce)
		var refused *oidc.VerifyError
		if errors.As(err, &refused) {
			return oauth.IDClaims{}, &oauth.Refusal{Reason: refused.Reason, Err: err}
		}
		if err != nil {
			return oauth.IDClaims{}, err
		}
		return oauth.IDClaims{
			Issuer:            claims.Issuer,
			Subject:           claims.Subject,
			PreferredUsername: claims.PreferredUsername,
			Name:              claims.Name,
			Email:             claims.Email,
			EmailVerified:     claims.EmailVerified,
		}, nil
	})
	logger.Info("OpenID Connect provider discovered", "issuer", meta.Issuer,
		"authorize_url", c.AuthorizeURL, "token_url", c.TokenURL, "userinfo_url", c.UserURL,
		"iss_parameter", c.RequireIss, "end_session_url", c.EndSessionURL)
	return c, nil
}

// maxFormBody is far more than the logout form sends (nothing at all).
const maxFormBody = 4 << 10

// refuseLargeBody reads a POST's body before next runs and refuses one over
// maxFormBody with 413, so a client cannot make the server read megabytes
// it never needed.
func refuseLargeBody(next http.Handler, showError func(http.ResponseWriter, oauth.Failure)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			showError(w, oauth.Failure{Status: http.StatusRequestEntityTooLarge, Title: "Request too large",
				Message: "The request carried more data than this page accepts."})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// home is the protected home page.
func home(pages *templates.Pages, logger *slog.Logger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, _ := oauth.UserFromRequest(r)
		if err := pages.RenderHome(w, templates.Home{Username: u.Username, Name: u.Name, Email: u.Email}); err != nil {
			logger.Error("render home page", "err", err)
		}
	}
}

// signedOut renders the page logout ends on: logged out, or, for a visitor
// who opens it while still logged in, who they are.
func signedOut(pages *templates.Pages, logger *slog.Logger) func(http.ResponseWriter, *http.Request, *oauth.User) {
	return func(w http.ResponseWriter, _ *http.Request, u *oauth.User) {
		var data templates.SignedOut
		if u != nil {
			data.Username = u.Username
		}
		if err := pages.RenderSignedOut(w, data); err != nil {
			logger.Error("render signed-out page", "err", err)
		}
	}
}

// newServer sets a bound on every phase of a connection: Go's defaults are
// no timeouts at all, which lets a slow client hold a connection forever
// (slowloris).
func newServer(cfg settings.Settings, h http.Handler, logger *slog.Logger) *http.Server {
	return &http.Server{
		Addr:              cfg.Server.Addr,
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		// Long enough for a callback that waits on every provider call.
		WriteTimeout:   cfg.Server.WriteTimeout,
		IdleTimeout:    60 * time.Second,
		MaxHeaderBytes: 32 << 10,
		ErrorLog:       slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

// newLogger writes text for a person at a terminal and JSON for a log
// collector, unless LOG_FORMAT says which.
func newLogger(stderr *os.File, s settings.Server) *slog.Logger {
	opts := &slog.HandlerOptions{Level: s.LogLevel}
	text := s.LogFormat == settings.LogFormatText
	if s.LogFormat == settings.LogFormatAuto {
		info, err := stderr.Stat()
		text = err == nil && info.Mode()&os.ModeCharDevice != 0
	}
	if text {
		return slog.New(slog.NewTextHandler(stderr, opts))
	}
	return slog.New(slog.NewJSONHandler(stderr, opts))
}

// logRequests writes one log record per request. It logs the path but
// never the query, cookies or headers: a callback's query holds the code
// and state, which must never reach a log (OWASP Logging Cheat Sheet).
func logRequests(next http.Handler, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		path := r.URL.Path
		if len(path) > 256 {
			path = path[:256] + "…"
		}
		logger.Info("request", "method", r.Method, "path", path, "status", rec.status,
			"duration", time.Since(start))
	})
}

// statusRecorder remembers the status a handler wrote, for the log.
type statusRecorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wroteHeader {
		s.status, s.wroteHeader = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the real writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// siteURL is the address people open: the origin of the redirect URL.
func siteURL(redirectURL string) string {
	u, err := url.Parse(redirectURL)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host + "/"
}

func isHTTPS(rawURL string) bool {
	u, err := url.Parse(rawURL)
	return err == nil && u.Scheme == "https"
}
