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
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"oauthlogin/oauth"
	"oauthlogin/oauth/access"
	"oauthlogin/oauth/backchannel"
	"oauthlogin/oauth/limit"
	"oauthlogin/oauth/metrics"
	"oauthlogin/oauth/oauthtest"
	"oauthlogin/oauth/oidc"
	"oauthlogin/oauth/openid"
	"oauthlogin/oauth/server"
	"oauthlogin/oauth/tokens"
	"oauthlogin/session"
	"oauthlogin/session/redisstore"
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
	if done, code := commandLine(os.Args[1:], os.Environ(), os.Stdout, os.Stderr); done {
		os.Exit(code)
	}
	if err := run(os.Environ()); err != nil {
		fmt.Fprintln(os.Stderr, "oauthlogin:", err)
		os.Exit(1)
	}
}

// usage is what -h prints. The settings are many, and documented once,
// in settings/README.md.
const usage = `Usage: oauthlogin [-h] [-version] [-check]

Serves the OAuth2 login app. Settings come from env/$ENVIRONMENT/.env
(ENVIRONMENT defaults to local; ENV_DIR moves the env folder) and from
the process environment, which wins. Every setting is described in
settings/README.md.

  go run .            the local setup, with a development provider
  PORT=8080 go run .  the same on another port
  go run . -check     check the settings and what they point at (the TLS
                      files, the session store, OpenID Connect discovery
                      and keys) without serving; exit status 0 when all
                      is well, 1 with every problem listed
`

// commandLine handles the flags. It reports done when the program should
// exit at once, with code; the app itself takes no flags. environ is the
// process environment, for -check.
func commandLine(args, environ []string, stdout, stderr io.Writer) (done bool, code int) {
	flags := flag.NewFlagSet("oauthlogin", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() { fmt.Fprint(flags.Output(), usage) }
	version := flags.Bool("version", false, "print the version and exit")
	check := flags.Bool("check", false, "check the settings without serving")
	switch err := flags.Parse(args); {
	case errors.Is(err, flag.ErrHelp):
		flags.SetOutput(stdout)
		flags.Usage()
		return true, 0
	case err != nil:
		return true, 2
	case flags.NArg() > 0:
		fmt.Fprintf(stderr, "oauthlogin: unexpected argument %q\n\n%s", flags.Arg(0), usage)
		return true, 2
	case *version:
		fmt.Fprintln(stdout, "oauthlogin", versionString())
		return true, 0
	case *check:
		return true, checkSettings(environ, stdout)
	}
	return false, 0
}

// versionString is the module version and, for a build from a git
// checkout, the commit it was built from.
func versionString() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := info.Main.Version
	for _, s := range info.Settings {
		switch {
		case s.Key == "vcs.revision" && len(s.Value) >= 12:
			v += " " + s.Value[:12]
		case s.Key == "vcs.modified" && s.Value == "true":
			v += " (modified)"
		}
	}
	return v
}

// run starts the application and serves until SIGINT or SIGTERM, then shuts
// down gracefully: /readyz answers 503 at once, and after SHUTDOWN_DELAY
// it stops accepting connections, lets requests in flight finish, and
// stops the session sweep.
func run(environ []string) error {
	cfg, err := settings.Load(".", environ)
	if err != nil {
		return err
	}
	// The metrics count every log record with an event, whatever the
	// log level lets through.
	m := metrics.New()
	logger := slog.New(m.LogHandler(newLogger(os.Stderr, cfg.Server).Handler()))
	if !cfg.EnvFileFound {
		logger.Info("no .env file; using the process environment only", "file", cfg.EnvFile)
	}
	logger.Info("settings loaded", "settings", cfg.Summary())
	logger.Debug("every setting", "settings", cfg)
	if !cfg.Session.CookieSecure {
		logger.Info("local set-up: plain http on loopback, so the session cookie is named \"session\" " +
			"and sent without Secure, which WebKit (Safari) would drop there; over https it is __Host-session, Secure")
	}
	for _, warning := range cfg.Warnings() {
		logger.Warn(warning)
	}

	var cert *server.Certificate
	if cfg.Server.TLSCertFile != "" {
		cert, err = loadCertificate(cfg, logger)
		if err != nil {
			return err
		}
		logger.Info("serving https", "names", cert.Names(), "not_after", cert.NotAfter())
	}
	store, runSweeper, err := openSessionStore(cfg.Session, cfg.OAuth.Issuer != "")
	if err != nil {
		return err
	}
	if store, err = atomicForTokens(cfg, store); err != nil {
		return err
	}
	ready := server.NewReadiness(logger)
	ready.Add("the session store does not answer", storeReady(store))
	a, err := newHandler(cfg, store, logger, m, ready)
	if err != nil {
		return err
	}
	srv := newServer(cfg, a.handler, a.writeTimeout, logger)
	if cert != nil {
		srv.TLSConfig = cert.TLSConfig()
	}
	metricsServer := newMetricsServer(m, logger)

	ln, err := net.Listen("tcp", cfg.Server.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	var metricsLn net.Listener
	if cfg.Server.MetricsAddr != "" {
		if metricsLn, err = net.Listen("tcp", cfg.Server.MetricsAddr); err != nil {
			return fmt.Errorf("listen for metrics (METRICS_ADDR): %w", err)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var sweeper sync.WaitGroup
	sweeper.Go(func() { runSweeper(ctx, logger) })

	serveErr := make(chan error, 2)
	go func() {
		if cert != nil {
			serveErr <- srv.ServeTLS(ln, "", "") // the certificate comes from TLSConfig
			return
		}
		serveErr <- srv.Serve(ln)
	}()
	if metricsLn != nil {
		go func() { serveErr <- metricsServer.Serve(metricsLn) }()
		logger.Info("serving metrics", "addr", metricsLn.Addr().String(), "path", "/metrics")
	}
	logger.Info("listening", "addr", ln.Addr().String(), "open", cfg.OpenURL(), "write_timeout", a.writeTimeout)

	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	stop() // a second signal ends the process at once, as it would without this handler
	ready.ShutDown()
	logger.Info("shutting down: finishing requests in flight", "delay", cfg.Server.ShutdownDelay.String())
	// /readyz answers 503 from now on. Load balancers that ask it stop
	// sending visitors within their probe interval; until then, the
	// listener stays open, so that nobody they send meanwhile is refused.
	time.Sleep(cfg.Server.ShutdownDelay)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = errors.Join(srv.Shutdown(shutdownCtx), metricsServer.Shutdown(shutdownCtx))
	sweeper.Wait()
	a.wait()
	// The file store flushes its last saves now rather than in a few
	// milliseconds, when the process may be gone (session/flush.go).
	if files, ok := store.(interface{ Flush() error }); ok {
		err = errors.Join(err, files.Flush())
	}
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
// expired sessions itself: it needs no sweep. indexed asks for the index of
// each person's sessions (oauth/backchannel), which Redis always keeps.
func openSessionStore(s settings.Session, indexed bool) (session.Store, func(context.Context, *slog.Logger), error) {
	key := []byte(s.Secret.Reveal())
	if s.Store == settings.SessionStoreRedis {
		ctx, cancel := context.WithTimeout(context.Background(), s.RedisTimeout)
		defer cancel()
		store, err := redisstore.New(ctx, key, redisstore.Options{
			URL:          s.RedisURL.Reveal(),
			KeyPrefix:    s.RedisKeyPrefix,
			Timeout:      s.RedisTimeout,
			PoolSize:     s.RedisPoolSize,
			PreviousKeys: previousKeys(s),
		})
		if err != nil {
			return nil, nil, err
		}
		return store, func(context.Context, *slog.Logger) {}, nil
	}
	files, err := session.NewFileStore(s.Dir, key, nil)
	if err != nil {
		return nil, nil, err
	}
	files.MaxUnflushed = s.MaxUnflushed
	if err := files.AcceptPreviousKeys(previousKeys(s)...); err != nil {
		return nil, nil, err
	}
	if !indexed {
		sweep := func(ctx context.Context, logger *slog.Logger) { files.RunSweeper(ctx, s.SweepInterval, logger) }
		return files, sweep, nil
	}
	// With OpenID Connect, the index of each person's sessions, for
	// back-channel logout and logging out everywhere, in SESSION_DIR-index.
	store, err := session.NewIndexedFileStore(files)
	if err != nil {
		return nil, nil, err
	}
	sweep := func(ctx context.Context, logger *slog.Logger) { store.RunSweeper(ctx, s.SweepInterval, logger) }
	return store, sweep, nil
}

// app is what newHandler builds.
type app struct {
	handler http.Handler
	// writeTimeout is how long the slowest request, a callback, may take
	// to answer, for the server's write timeout.
	writeTimeout time.Duration
	// wait waits for the work that requests left running once answered:
	// the revocations of kept tokens that logouts started. Call it once
	// the server has stopped, so that a stop does not cut them off.
	wait func()
}

// newHandler builds the application: its routes and the middleware around
// them.
//
// m receives the app's metrics, and ready the readiness checks the app
// adds, for /readyz.
func newHandler(cfg settings.Settings, store session.Store, logger *slog.Logger, m *metrics.Metrics,
	ready *server.Readiness) (app, error) {
	pages, err := templates.Parse()
	if err != nil {
		return app{}, err
	}
	showError := func(w http.ResponseWriter, f oauth.Failure) {
		err := pages.RenderError(w, templates.Error{Status: f.Status, Title: f.Title, Message: f.Message,
			Refused: refusedAccount(f.User)})
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
		Observe:                m.ObserveStore,
		OnError: func(w http.ResponseWriter, _ *http.Request, _ error) {
			showError(w, oauth.Failure{Status: http.StatusServiceUnavailable, Title: "Sessions are unavailable",
				Message: "The server could not read your session. Please try again in a moment."})
		},
	})
	if err != nil {
		return app{}, err
	}
	providerHTTP := oauth.NewHTTPClient(cfg.OAuth.Timeout)
	providerCalls := timeProviderCalls(m, providerHTTP, cfg.OAuth.Issuer)
	oauthConfig, openID, err := newOAuthConfig(cfg.OAuth, providerHTTP, logger)
	if err != nil {
		return app{}, err
	}
	nameProviderEndpoints(providerCalls, oauthConfig, openID)
	askForRefreshTokens(cfg.Tokens, &oauthConfig, openID)
	client := oauth.NewClient(oauthConfig, providerHTTP)
	rules, err := newAccessRules(cfg, client, oauthConfig, logger)
	if err != nil {
		return app{}, err
	}
	loginOptions := oauth.LoginOptions{Logger: logger, Limit: newLimit(cfg, logger), Admit: rules.admit()}
	addPendingGauge(m, loginOptions.Limit)
	if openID != nil {
		loginOptions.OnLogin, loginOptions.OnLogout = openID.OnLogin, openID.OnLogout
		ready.Add("the OpenID Connect provider's signing keys are not at hand", openID.Ready)
	}
	everywhere, err := newBackchannel(store, openID, logger, showError, &loginOptions)
	if err != nil {
		return app{}, err
	}
	kept, err := newKeptTokens(cfg, client, oauthConfig, openID, pages, logger, &loginOptions)
	if err != nil {
		return app{}, err
	}
	login := oauth.NewLogin(client, func(w http.ResponseWriter, _ *http.Request, f oauth.Failure) { showError(w, f) },
		loginOptions)

	// protect puts a page behind the login: adding a protected page is one
	// line below.
	protect := func(h http.HandlerFunc) http.Handler {
		return sameLoopbackOrigin(sessions.Middleware(kept.guard(rules.require(login, h))), cfg.OAuth.RedirectURL)
	}
	// Logout changes state, so only a same-origin POST may trigger it:
	// another site must not be able to log the visitor out.
	logout := http.NewCrossOriginProtection()
	logout.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		showError(w, oauth.Failure{Status: http.StatusForbidden, Title: "Request refused",
			Message: "Logging out must be done from this site's own page."})
	}))

	mux := http.NewServeMux()
	mux.Handle("GET /{$}", protect(home(pages, logger, kept, everywhere != nil)))
	// Logout ends here, on a public page, so that it never starts a new
	// login by itself.
	mux.Handle("GET "+oauth.SignedOutPath, sameLoopbackOrigin(sessions.Middleware(login.SignedOut(signedOut(pages, logger))),
		cfg.OAuth.RedirectURL))
	mux.Handle("GET "+settings.CallbackPath, sessions.Middleware(http.HandlerFunc(login.Callback)))
	if otherAccount := rules.otherAccount(oauthConfig, providerHTTP, showError, loginOptions); otherAccount != nil {
		mux.Handle("GET "+otherAccountPath, sameLoopbackOrigin(sessions.Middleware(otherAccount), cfg.OAuth.RedirectURL))
	}
	mux.Handle("POST /logout", refuseLargeBody(logout.Handler(sessions.Middleware(kept.logout(http.HandlerFunc(login.Logout)))), showError))
	if everywhere != nil {
		mux.Handle("POST "+backchannel.EverywherePath, refuseLargeBody(logout.Handler(sessions.Middleware(
			login.Require(http.HandlerFunc(everywhere.Everywhere)))), showError))
		// From the provider, not a browser: no cross-origin check, no
		// session, and a body limit of its own.
		mux.HandleFunc("POST "+backchannel.ReceivePath, everywhere.Receive)
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.Handle("GET /readyz", ready)
	if cfg.Server.InsecureDevProvider {
		logger.Warn("development provider mounted at /dev/oauth/: anyone can log in as anyone")
		// It knows one client, the one env/local/.env names, so a wrong
		// CLIENT_ID or CLIENT_SECRET fails here as at a real provider.
		mux.Handle(settings.DevProviderPath+"/", http.StripPrefix(settings.DevProviderPath, oauthtest.New(oauthtest.Config{
			ClientID:            devClientID,
			ClientSecret:        devClientSecret,
			RedirectURL:         cfg.OAuth.RedirectURL,
			AccessTokenLifetime: cfg.Tokens.DevAccessTokenLifetime,
		})))
	}

	hsts := isHTTPS(cfg.OAuth.RedirectURL)
	return app{
		handler:      pages.Recover(templates.SecurityHeaders(logRequests(mux, logger, m.CountRequest), hsts), logger),
		writeTimeout: writeTimeout(client, cfg.Session) + rules.callTime(cfg.OAuth.Timeout),
		wait:         kept.wait,
	}, nil
}

// sameLoopbackOrigin sends a page visit that reached the app through
// another loopback name than REDIRECT_URL's, such as 127.0.0.1 for
// localhost, to the same path at REDIRECT_URL's address. A browser keeps
// the session cookie for one host, so a login started at one name comes
// back to the other without it, and fails. Only loopback names on
// REDIRECT_URL's own port are rewritten: there the app knows every name is
// itself, while behind a proxy the Host may legitimately differ, and
// another port may be another instance sharing the sessions (start-up
// warns when the app listens on another port than REDIRECT_URL's).
func sameLoopbackOrigin(next http.Handler, redirectURL string) http.Handler {
	site, err := url.Parse(redirectURL)
	if err != nil || !isLoopbackHost(site.Hostname()) {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, port, _ := net.SplitHostPort(r.Host)
		if r.Host == site.Host || port != site.Port() || !isLoopbackHost(host) ||
			(r.Method != http.MethodGet && r.Method != http.MethodHead) {
			next.ServeHTTP(w, r)
			return
		}
		// The path as the request gave it, and never its host: only the
		// configured origin is a target (RFC 9700 §4.11, open redirects).
		target := site.Scheme + "://" + site.Host + r.URL.EscapedPath()
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, target, http.StatusFound)
	})
}

// isLoopbackHost reports whether host names this machine: localhost, or a
// loopback address.
func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// The development provider's one client.
const (
	devClientID     = "local-dev-client"
	devClientSecret = "local-dev-secret-not-a-real-secret"
)

// newOAuthConfig turns the OAuth settings into the client's configuration.
// With an OpenID Connect issuer, package openid asks the provider's
// discovery document for the endpoints the settings leave empty, and sets
// up ID token verification with the provider's published keys; its
// Provider then also keeps the ID token for logout at the provider. A
// provider that cannot be reached, or whose document names another
// issuer, stops the start-up here, with the reason, rather than failing
// each login later. Without an issuer the Provider is nil.
func newOAuthConfig(o settings.OAuth, providerHTTP *http.Client, logger *slog.Logger) (oauth.Config, *openid.Provider, error) {
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
		return c, nil, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.Timeout)
	defer cancel()
	provider, err := openid.Discover(ctx, providerHTTP, o.Issuer, openid.Options{
		ClientID:              o.ClientID,
		ClockSkew:             o.ClockSkew,
		PostLogoutRedirectURL: o.PostLogoutRedirectURL,
		Logger:                logger,
	})
	if err != nil {
		return oauth.Config{}, nil, fmt.Errorf("OpenID Connect discovery for %s: %w", o.Issuer, err)
	}
	provider.Configure(&c)
	logger.Info("OpenID Connect provider discovered", "issuer", c.Issuer,
		"authorize_url", c.AuthorizeURL, "token_url", c.TokenURL, "userinfo_url", c.UserURL,
		"iss_parameter", c.RequireIss, "end_session_url", provider.EndSessionURL())
	return c, provider, nil
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

// home is the protected home page. With KEEP_TOKENS it also shows what
// the provider says about the person just now (keptTokens.fromProvider).
func home(pages *templates.Pages, logger *slog.Logger, kept keptTokens, everywhere bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, _ := oauth.UserFromRequest(r)
		data := templates.Home{Username: u.Username, Name: u.Name, Email: u.Email, LogoutEverywhere: everywhere}
		if kept.keeper != nil {
			var answered bool
			if data.FromProvider, answered = kept.fromProvider(w, r); answered {
				return
			}
		}
		if err := pages.RenderHome(w, data); err != nil {
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
func newServer(cfg settings.Settings, h http.Handler, writeTimeout time.Duration, logger *slog.Logger) *http.Server {
	return &http.Server{
		Addr:              cfg.Server.Addr,
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		// Long enough for a callback that waits on every provider call.
		WriteTimeout:   writeTimeout,
		IdleTimeout:    60 * time.Second,
		MaxHeaderBytes: 32 << 10,
		ErrorLog:       slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

// writeTimeout is long enough for the slowest request the app serves: a
// callback that waits on every call it may make to the provider, one after
// the other (the client knows which: Client.MaxCallbackTime), then on the
// session store. With Redis that is three operations, each bounded by
// REDIS_TIMEOUT with its retries: the session's load, the login in
// progress used up, and the logged-in session saved; the file store
// answers from the local disk. A shorter bound would let the server cut
// the answer after the login has happened, leaving the person with an
// error and a session they cannot see. The margin covers the rest.
func writeTimeout(client *oauth.Client, s settings.Session) time.Duration {
	bound := client.MaxCallbackTime() + 10*time.Second
	if s.Store == settings.SessionStoreRedis {
		bound += 3 * s.RedisTimeout
	}
	return bound
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

// logRequests writes one log record per request, and counts it by its
// status. It logs the path but never the query, cookies or headers: a
// callback's query holds the code and state, which must never reach a log
// (OWASP Logging Cheat Sheet).
func logRequests(next http.Handler, logger *slog.Logger, count func(status int)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		count(rec.status)
		path := r.URL.Path
		if len(path) > 256 {
			path = path[:256] + "…"
		}
		// Health and readiness checks come every few seconds and say
		// nothing new.
		level := slog.LevelInfo
		if path == "/healthz" || path == "/readyz" {
			level = slog.LevelDebug
		}
		logger.Log(r.Context(), level, "request", "method", r.Method, "path", path, "status", rec.status,
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

func isHTTPS(rawURL string) bool {
	u, err := url.Parse(rawURL)
	return err == nil && u.Scheme == "https"
}

// newLimit builds the bounds on what visitors who are not logged in can
// make a login do, from the settings: a per-address rate limit and a
// bound on logins in progress. With both off it returns no Limit at all:
// a nil interface, not an interface holding a nil pointer, which the
// Login would call.
func newLimit(cfg settings.Settings, logger *slog.Logger) oauth.Limit {
	limits := &limit.Limits{Logger: logger}
	if n := cfg.Server.LoginRateLimit; n > 0 {
		limits.Rate = &limit.RateLimit{PerMinute: n, Burst: n, TrustedProxies: cfg.Server.TrustedProxies}
	}
	if n := cfg.Server.MaxPendingSessions; n > 0 {
		// A start counts as long as its record can be in the store: its
		// lifetime, then until the sweep removes the file.
		limits.Pending = &limit.PendingLimit{Max: n, Window: oauth.PendingLifetime + cfg.Session.SweepInterval}
	}
	if limits.Rate == nil && limits.Pending == nil {
		return nil
	}
	return limits
}

// accessRules are who may log in, from ALLOWED_USERS, ALLOWED_EMAIL_DOMAINS
// and ALLOWED_GROUPS, as package oauth/access applies them to the login.
// With none of them set, rules is nil: everyone with an account at the
// provider is admitted, and page views cost nothing more.
type accessRules struct {
	rules  *access.Rules
	prompt string // the prompt of "Log in as someone else": see accountChoicePrompt
}

// newAccessRules makes the rules from the settings, with the source of
// addresses and groups that the provider has: GitHub's API; GitLab's
// UserInfo; otherwise OpenID Connect's claims, from the ID token that the
// Identifier verified and from UserInfo, which for the generic provider
// is USER_URL (the development provider's /user speaks those claims). It
// says in one line at start-up who may log in.
func newAccessRules(cfg settings.Settings, client *oauth.Client, c oauth.Config, logger *slog.Logger) (accessRules, error) {
	a := cfg.Access
	if !a.Any() {
		level := slog.LevelWarn
		if cfg.Server.InsecureDevProvider {
			level = slog.LevelInfo // anyone is anyone there anyway
		}
		logger.Log(context.Background(), level, "everyone with an account at the provider may log in: "+
			"no ALLOWED_USERS, ALLOWED_EMAIL_DOMAINS or ALLOWED_GROUPS is set",
			"provider", cfg.OAuth.Provider, "issuer", client.IssuerName())
		return accessRules{}, nil
	}
	var facts access.Source = access.Claims{IDToken: c.Identifier != nil, UserinfoURL: c.UserURL, GroupsClaim: a.GroupsClaim}
	switch cfg.OAuth.Provider {
	case settings.ProviderGitHub:
		facts = access.GitHub{APIURL: strings.TrimSuffix(c.UserURL, "/user")}
	case settings.ProviderGitLab:
		// GitLab's OAuth endpoints and its UserInfo share /oauth/.
		facts = access.Claims{UserinfoURL: strings.TrimSuffix(c.AuthorizeURL, "/authorize") + "/userinfo",
			GroupsClaim: a.GroupsClaim}
	}
	rules, err := access.New(access.Config{Issuer: client.IssuerName(), Users: a.Users, EmailDomains: a.EmailDomains,
		Groups: a.Groups, Facts: facts, Logger: logger})
	if err != nil {
		return accessRules{}, err
	}
	logger.Info("only these may log in", "issuer", client.IssuerName(), "users", len(a.Users),
		"email_domains", a.EmailDomains, "groups", a.Groups)
	return accessRules{rules: rules, prompt: accountChoicePrompt(cfg.OAuth.Provider)}, nil
}

// admit is the login's Admit: nil without rules, so that the login asks
// nothing.
func (a accessRules) admit() oauth.Admit {
	if a.rules == nil {
		return nil
	}
	return a.rules.Admit
}

// require is login.Require(h) with the rules applied to sessions too;
// without rules, login.Require(h) itself.
func (a accessRules) require(login *oauth.Login, h http.Handler) http.Handler {
	if a.rules == nil {
		return login.Require(h)
	}
	return a.rules.Require(login, h)
}

// callTime is how much longer the rules' calls to the provider can make a
// callback, each bounded by OAUTH_TIMEOUT, for the server's write timeout.
func (a accessRules) callTime(timeout time.Duration) time.Duration {
	if a.rules == nil {
		return 0
	}
	return time.Duration(a.rules.Calls()) * timeout
}

// otherAccountPath is where "Log in as someone else" on the refusal page
// leads.
const otherAccountPath = "/login/other-account"

// otherAccount serves "Log in as someone else", the way out of a refusal: a
// login like any other, whose authorization request asks the provider to
// let the person choose the account, then on to the home page. Only the
// prompt differs, so the one callback takes its answer as any other. Nil
// without rules: nobody is refused then.
func (a accessRules) otherAccount(c oauth.Config, providerHTTP *http.Client, showError func(http.ResponseWriter, oauth.Failure),
	opts oauth.LoginOptions) http.Handler {
	if a.rules == nil {
		return nil
	}
	c.Prompt = a.prompt
	fail := func(w http.ResponseWriter, _ *http.Request, f oauth.Failure) { showError(w, f) }
	return oauth.NewLogin(oauth.NewClient(c, providerHTTP), fail, opts).Require(http.RedirectHandler("/", http.StatusSeeOther))
}

// accountChoicePrompt is the prompt that lets a person log in with another
// account than the one just refused, rather than be logged in again as it.
// select_account (OpenID Connect Core §3.1.2.1) shows the provider's
// account chooser: Google's, and GitHub's, which it honours since 2024 and
// which lists the accounts signed in to GitHub in that browser, with a way
// to add another. login asks the person to sign in again, where they can
// name another account: most OpenID Connect providers know it, and GitLab
// refuses select_account. The development provider shows its form anyway.
func accountChoicePrompt(provider string) string {
	switch provider {
	case settings.ProviderGitHub, settings.ProviderGoogle:
		return "select_account"
	}
	return "login"
}

// refusedAccount is what the error page says about the account of a login
// the rules refused: where the person is logged in, as whom, the id to give
// the site's owner, and the way to log in as someone else. Nil for any
// other failure.
func refusedAccount(u *oauth.User) *templates.Refused {
	if u == nil {
		return nil
	}
	provider := u.Issuer
	if issuer, err := url.Parse(u.Issuer); err == nil && issuer.Host != "" {
		provider = issuer.Host
	}
	return &templates.Refused{Provider: provider, Username: u.Username, ID: u.Subject, OtherAccountURL: otherAccountPath}
}

// What the app offers those who run it, beside its pages: metrics on a
// listener of their own, the readiness check's parts, and the -check
// command.

// newMetricsServer serves m at /metrics, for METRICS_ADDR. It is a server
// of its own, never the public one: the counts tell an outsider how busy
// the site is and how its logins fail. Its bounds are the main server's.
func newMetricsServer(m *metrics.Metrics, logger *slog.Logger) *http.Server {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	return &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

// timeProviderCalls makes providerHTTP time its calls into m. With an
// issuer, the first call is discovery, which names the other endpoints:
// nameProviderEndpoints names them once they are known.
func timeProviderCalls(m *metrics.Metrics, providerHTTP *http.Client, issuer string) *metrics.ProviderTransport {
	calls := m.ProviderTransport(providerHTTP.Transport)
	providerHTTP.Transport = calls
	if issuer != "" {
		calls.Name(metrics.EndpointDiscovery, oidc.DiscoveryURL(issuer))
	}
	return calls
}

// nameProviderEndpoints names the endpoints of c, as configured or
// discovered, for the provider-call metrics.
func nameProviderEndpoints(calls *metrics.ProviderTransport, c oauth.Config, openID *openid.Provider) {
	calls.Name(metrics.EndpointToken, c.TokenURL)
	calls.Name(metrics.EndpointEmails, c.EmailsURL)
	if openID == nil {
		calls.Name(metrics.EndpointUser, c.UserURL)
		return
	}
	calls.Name(metrics.EndpointUserinfo, c.UserURL)
	calls.Name(metrics.EndpointJWKS, openID.KeySetURL())
}

// addPendingGauge adds the gauge of logins in progress that the bound on
// them counts, when there is one.
func addPendingGauge(m *metrics.Metrics, l oauth.Limit) {
	limits, ok := l.(*limit.Limits)
	if !ok || limits.Pending == nil {
		return
	}
	m.Registry().NewGaugeFunc("oauthlogin_pending_logins",
		"Login starts that count toward MAX_PENDING_SESSIONS: at most the session records of logins in progress.",
		func() float64 { return float64(limits.Pending.Count(time.Now())) })
}

// pinger is a session store that can say whether it works: the file
// store and the Redis store both can.
type pinger interface {
	Ping(ctx context.Context) error
}

// newBackchannel sets up, with OpenID Connect, the back-channel logout
// receiver and "log out of all devices" (package oauth/backchannel); it is
// nil without, or when store keeps no index. Its OnLogin, which files each
// session, joins the one in opts. With Redis, the replay cache of logout
// tokens is shared by every instance; with files, each instance keeps its
// own.
func newBackchannel(store session.Store, openID *openid.Provider, logger *slog.Logger,
	showError func(http.ResponseWriter, oauth.Failure), opts *oauth.LoginOptions) (*backchannel.Layer, error) {
	index, ok := store.(session.Index)
	if openID == nil || !ok {
		return nil, nil
	}
	bo := backchannel.Options{Sessions: index, Verify: openID.VerifyLogoutToken, Logger: logger,
		Fail: func(w http.ResponseWriter, _ *http.Request, f oauth.Failure) { showError(w, f) }}
	if replay, ok := store.(backchannel.ReplayCache); ok {
		bo.Replay = replay
	}
	layer, err := backchannel.New(bo)
	if err != nil {
		return nil, err
	}
	opts.OnLogin = bothOnLogin(opts.OnLogin, layer.OnLogin)
	return layer, nil
}

// bothOnLogin runs first, then second, in the session change of a login.
func bothOnLogin(first, second oauth.OnLogin) oauth.OnLogin {
	if first == nil {
		return second
	}
	return func(v *session.Values, tok *oauth.Token, u oauth.User) error {
		if err := first(v, tok, u); err != nil {
			return err
		}
		return second(v, tok, u)
	}
}

// storeReady is the readiness check of store: its Ping (for Redis a PING,
// bounded by REDIS_TIMEOUT; for files, a file written and removed).
func storeReady(store session.Store) func(context.Context) error {
	p, ok := store.(pinger)
	if !ok {
		return func(context.Context) error { return nil }
	}
	return p.Ping
}

// checkSettings is -check: it does what start-up does before it listens,
// and reports instead of serving. It reads the settings, loads the TLS
// pair, opens the session store (creating its directory, as start-up
// would) and asks it to answer (Redis: PING), and with OpenID Connect
// discovers the provider and fetches its keys. It prints the summary the
// start-up log shows, then every problem, and returns the exit code: 0
// when there is none. It listens on nothing and touches no session.
func checkSettings(environ []string, stdout io.Writer) int {
	cfg, err := settings.Load(".", environ)
	if err != nil {
		// What start-up would say: every problem with the values, or
		// the file that is missing and what to do.
		fmt.Fprintln(stdout, "oauthlogin:", err)
		return 1
	}
	for _, a := range cfg.Summary().Group() {
		fmt.Fprintf(stdout, "%-15s %s\n", a.Key+":", a.Value)
	}
	for _, w := range cfg.Warnings() {
		fmt.Fprintln(stdout, "warning:", w)
	}
	problems := checkResources(cfg)
	for _, p := range problems {
		fmt.Fprintln(stdout, "problem:", p)
	}
	if len(problems) > 0 {
		fmt.Fprintf(stdout, "oauthlogin -check: %d problem(s); the app would not serve\n", len(problems))
		return 1
	}
	fmt.Fprintln(stdout, "oauthlogin -check: ok")
	return 0
}

// checkResources tries what the settings point at, as start-up does, and
// returns every problem, one line each.
func checkResources(cfg settings.Settings) []string {
	var problems []string
	quiet := slog.New(slog.DiscardHandler)
	if cfg.Server.TLSCertFile != "" {
		if _, err := loadCertificate(cfg, quiet); err != nil {
			problems = append(problems, err.Error())
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	store, _, err := openSessionStore(cfg.Session, cfg.OAuth.Issuer != "")
	switch {
	case err != nil:
		problems = append(problems, "session store: "+err.Error())
	default:
		if err := storeReady(store)(ctx); err != nil {
			problems = append(problems, "session store: "+err.Error())
		}
		if c, ok := store.(io.Closer); ok {
			c.Close()
		}
	}
	_, openID, err := newOAuthConfig(cfg.OAuth, oauth.NewHTTPClient(cfg.OAuth.Timeout), quiet)
	switch {
	case err != nil:
		problems = append(problems, err.Error())
	case openID != nil:
		if err := openID.Ready(ctx); err != nil {
			problems = append(problems, "OpenID Connect keys at "+openID.KeySetURL()+": "+err.Error())
		}
	}
	return problems
}

// loadCertificate loads TLS_CERT_FILE and TLS_KEY_FILE, which must cover
// REDIRECT_URL's host, the name people reach the site by.
func loadCertificate(cfg settings.Settings, logger *slog.Logger) (*server.Certificate, error) {
	u, err := url.Parse(cfg.OAuth.RedirectURL)
	if err != nil {
		return nil, fmt.Errorf("REDIRECT_URL: %w", err)
	}
	cert, err := server.LoadCertificate(cfg.Server.TLSCertFile, cfg.Server.TLSKeyFile, u.Hostname(), logger)
	if err != nil {
		return nil, fmt.Errorf("TLS_CERT_FILE and TLS_KEY_FILE: %w", err)
	}
	return cert, nil
}

// The tokens kept to act for the person (KEEP_TOKENS, package
// oauth/tokens): wired here, and nowhere when the setting is off.

// keptTokens is the tokens layer as the app uses it. Its zero value, with
// KEEP_TOKENS off, leaves every route as it is: a page view costs nothing
// more.
type keptTokens struct {
	keeper   *tokens.Keeper
	client   *oauth.Client
	provider string // the provider's name on the pages
	profile  bool   // the provider has a user endpoint to ask
	pages    *templates.Pages
	logger   *slog.Logger
}

// previousKeys are SECRET_PREVIOUS's keys, for the session stores.
func previousKeys(s settings.Session) [][]byte {
	var keys [][]byte
	for _, secret := range s.PreviousSecrets() {
		keys = append(keys, []byte(secret))
	}
	return keys
}

// atomicForTokens makes every change to a session in files atomic across
// the processes sharing SESSION_DIR, with KEEP_TOKENS: otherwise a change
// made at the same moment on another instance could put back a refresh
// token already spent, and the next refresh would send it again, which
// makes a provider with reuse detection revoke the person's grant. Redis
// is atomic already.
func atomicForTokens(cfg settings.Settings, store session.Store) (session.Store, error) {
	if !cfg.Tokens.Keep || cfg.Session.Store != settings.SessionStoreFile {
		return store, nil
	}
	return session.NewAtomicFileStore(store)
}

// askForRefreshTokens makes the login ask for a refresh token, where the
// provider needs to be asked, with KEEP_TOKENS.
func askForRefreshTokens(t settings.Tokens, c *oauth.Config, openID *openid.Provider) {
	if t.Keep {
		tokens.AskForRefreshTokens(c, openID != nil && openID.OffersRefreshTokens())
	}
}

// newKeptTokens sets up the tokens layer with KEEP_TOKENS, and joins its
// OnLogin to opts'. It seals with SECRET and opens with SECRET_PREVIOUS
// too; it revokes at REVOCATION_URL, or discovery's revocation endpoint;
// with OpenID Connect, it checks the ID tokens of refreshes, and keeps
// them for logout at the provider.
func newKeptTokens(cfg settings.Settings, client *oauth.Client, c oauth.Config, openID *openid.Provider,
	pages *templates.Pages, logger *slog.Logger, opts *oauth.LoginOptions) (keptTokens, error) {
	if !cfg.Tokens.Keep {
		return keptTokens{}, nil
	}
	to := tokens.Options{
		Keys:          append([][]byte{[]byte(cfg.Session.Secret.Reveal())}, previousKeys(cfg.Session)...),
		RevocationURL: cfg.Tokens.RevocationURL,
		Logger:        logger,
	}
	if openID != nil {
		if to.RevocationURL == "" {
			to.RevocationURL = openID.RevocationURL()
		}
		to.CheckIDToken, to.OnRefresh = openID.CheckRefreshedIDToken, openID.OnLogin
	}
	keeper, err := tokens.New(client, to)
	if err != nil {
		return keptTokens{}, err
	}
	opts.OnLogin = bothOnLogin(opts.OnLogin, keeper.OnLogin)
	logger.Info("tokens are kept, to act for the person", "revocation_url", to.RevocationURL, "scope", c.Scope)
	return keptTokens{keeper: keeper, client: client, provider: providerName(cfg), profile: c.UserURL != "",
		pages: pages, logger: logger}, nil
}

// providerName is how the pages name the provider.
func providerName(cfg settings.Settings) string {
	switch {
	case cfg.OAuth.Provider == settings.ProviderGitHub:
		return "GitHub"
	case cfg.OAuth.Provider == settings.ProviderGitLab:
		return "GitLab"
	case cfg.OAuth.Provider == settings.ProviderGoogle:
		return "Google"
	case cfg.Server.InsecureDevProvider:
		return "the development provider"
	}
	u, err := url.Parse(cfg.OAuth.Issuer)
	if cfg.OAuth.Issuer == "" {
		u, err = url.Parse(cfg.OAuth.TokenURL)
	}
	if err != nil || u.Host == "" {
		return "the provider"
	}
	return u.Host
}

// guard shows the page that says the login at the provider has ended, in
// place of a protected page, once after a refresh found so.
func (k keptTokens) guard(next http.Handler) http.Handler {
	if k.keeper == nil {
		return next
	}
	return k.keeper.Guard(next, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if err := k.pages.RenderLoginEnded(w, templates.LoginEnded{Provider: k.provider}); err != nil {
			k.logger.Error("render login-ended page", "err", err)
		}
	}))
}

// wait waits for the revocations that logouts started, once the server
// has stopped: a stop must not cut one off, and leave at the provider a
// refresh token that the person logged out to end.
func (k keptTokens) wait() {
	if k.keeper == nil {
		return
	}
	k.logger.Info("stopping: waiting for the revocations of kept tokens under way")
	k.keeper.Wait()
}

// logout revokes the kept tokens once the logout has ended the session.
func (k keptTokens) logout(next http.Handler) http.Handler {
	if k.keeper == nil {
		return next
	}
	return k.keeper.Logout(next)
}

// fromProvider asks the provider's user endpoint about the person, with
// the access token kept for them, for the home page: nil when there is
// nothing to show (no user endpoint, or no tokens kept, as for a session
// from before KEEP_TOKENS). It reports answered when it has answered the
// request itself: the login at the provider has ended, and the page that
// says so (guard) is one redirect away.
func (k keptTokens) fromProvider(w http.ResponseWriter, r *http.Request) (data *templates.FromProvider, answered bool) {
	if !k.profile {
		return nil, false
	}
	tok, err := k.keeper.Current(r)
	switch {
	case errors.Is(err, tokens.ErrLoginEnded):
		http.Redirect(w, r, r.URL.Path, http.StatusSeeOther)
		return nil, true
	case errors.Is(err, tokens.ErrNotKept):
		return nil, false
	case err != nil:
		return &templates.FromProvider{Provider: k.provider, Unavailable: true}, false
	}
	u, err := k.client.FetchProfile(r.Context(), &tok.Token)
	if err != nil {
		k.logger.Warn("ask the provider with the kept token", "event", "provider_api_failed", "err", err)
		return &templates.FromProvider{Provider: k.provider, Unavailable: true}, false
	}
	return &templates.FromProvider{Provider: k.provider, Username: u.Username, Name: u.Name, Email: u.Email,
		TokenAge: tokenAge(time.Since(tok.Obtained))}, false
}

// tokenAge says how old a token is, in words.
func tokenAge(d time.Duration) string {
	switch d = d.Round(time.Second); {
	case d < 2*time.Second:
		return "a second"
	case d < 2*time.Minute:
		return fmt.Sprintf("%d seconds", int(d.Seconds()))
	case d < 2*time.Hour:
		return fmt.Sprintf("%d minutes", int(d.Minutes()))
	}
	return fmt.Sprintf("%d hours", int(d.Hours()))
}
