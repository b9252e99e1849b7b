package oauth

import (
	"cmp"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"oauthlogin/session"
)

// Login is the web side of the flow: the middleware that sends anonymous
// visitors to the provider, the callback that logs them in, and logout. It
// needs [session.Manager.Middleware] to run before it.
type Login struct {
	client   *Client
	fail     FailurePage
	logger   *slog.Logger
	now      func() time.Time
	limit    Limit
	admit    Admit
	onLogin  OnLogin
	onLogout OnLogout

	signedOutPath string
}

// LoginOptions are the optional parts of a Login.
type LoginOptions struct {
	Logger *slog.Logger     // slog.Default() when nil
	Now    func() time.Time // time.Now when nil; tests set a fake clock

	Limit Limit // bounds login starts and callbacks; nil means no bound
	Admit Admit // decides who may log in; nil admits everyone with an account at the provider

	// OnLogin and OnLogout let a layer keep what it needs in the session
	// at login and choose where logout goes; nil means nothing more is
	// kept and logout ends on the signed-out page.
	OnLogin  OnLogin
	OnLogout OnLogout

	// SignedOutPath is the local page that logout ends on; SignedOutPath
	// (the constant) when empty. Serve it with [Login.SignedOut].
	SignedOutPath string
}

// NewLogin returns a Login that uses client to talk to the provider and
// fail to show failures.
func NewLogin(client *Client, fail FailurePage, opts LoginOptions) *Login {
	l := &Login{client: client, fail: fail, logger: cmp.Or(opts.Logger, slog.Default()), now: opts.Now, limit: opts.Limit,
		admit: opts.Admit, onLogin: opts.OnLogin, onLogout: opts.OnLogout,
		signedOutPath: cmp.Or(opts.SignedOutPath, SignedOutPath)}
	if l.now == nil {
		l.now = time.Now
	}
	return l
}

// userKey is where the login keeps the logged-in User in the session.
const userKey = "user"

type userContextKey struct{}

// UserFromRequest returns the logged-in user of a request that passed
// [Login.Require].
func UserFromRequest(r *http.Request) (User, bool) {
	u, ok := r.Context().Value(userContextKey{}).(*User)
	if !ok {
		return User{}, false
	}
	return *u, true
}

// Require protects next: a visitor with a user in the session goes
// through; an anonymous page visit is sent to the provider to log in, and
// comes back to the same page afterwards.
//
// Only a top-level GET or HEAD starts a login. Anything else from an
// anonymous visitor (a form POST, a script's fetch) gets 401: a redirect
// would lose the request body, and a login started by a script is not a
// person logging in.
func (l *Login) Require(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// What a protected URL shows depends on who asks: no cache may keep
		// it, and the Back button after logout must not bring it back.
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Add("Vary", "Cookie")

		sess := session.FromRequest(r)
		var u User
		found, err := sess.Get(userKey, &u)
		if err != nil {
			l.logger.Warn("unreadable user in session; logging in again", "session", sess.LogID(), "err", err)
		}
		if found && err == nil {
			// A pointer: boxing the User itself in the context would copy
			// it to the heap a second time on every page view.
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userContextKey{}, &u)))
			return
		}
		if !isPageVisit(r) {
			l.fail(w, r, failLoginRequired)
			return
		}
		l.startLogin(w, r, sess)
	})
}

// isPageVisit tells a person opening a page from a script or a form post.
func isPageVisit(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	if mode := r.Header.Get("Sec-Fetch-Mode"); mode != "" && mode != "navigate" {
		return false
	}
	accept := r.Header.Get("Accept")
	return !strings.Contains(accept, "application/json") || strings.Contains(accept, "text/html")
}

// startLogin keeps a new pending login in the session and redirects to
// the provider (RFC 6749 §4.1.1).
func (l *Login) startLogin(w http.ResponseWriter, r *http.Request, sess *session.Session) {
	if !l.allow(w, r, "login_start") {
		return
	}
	now := l.now()
	p, challenge := l.client.newAttempt(safeReturnPath(r.URL.RequestURI()), now)
	// A login in progress is ephemeral: losing it to a power cut costs
	// the visitor one retry, so its record is not forced to the disk.
	if err := sess.UpdateEphemeral(func(v *session.Values) error { return addPending(v, p, now) }); err != nil {
		l.done(now) // nothing was kept: the Limit must not count it
		l.logger.Error("start login: save session", "event", "session_store_error", "err", err)
		l.fail(w, r, failSessionStore)
		return
	}
	l.logger.Info("login started", "event", "login_started", "session", sess.LogID())
	http.Redirect(w, r, l.client.AuthCodeURL(p.State, challenge, p.Nonce), http.StatusFound)
}

// allow asks the Limit, if any, whether a login start or a callback may
// go on, and answers the request itself when not.
func (l *Login) allow(w http.ResponseWriter, r *http.Request, step string) bool {
	if l.limit == nil {
		return true
	}
	f := l.limit.Allow(r, step)
	if f == nil {
		return true
	}
	w.Header().Set("Retry-After", "60")
	l.fail(w, r, *f)
	return false
}

// done tells the Limit, if any, that the attempt started at started is
// used up.
func (l *Login) done(started time.Time) {
	if l.limit != nil {
		l.limit.Done(started)
	}
}
