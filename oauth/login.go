package oauth

import (
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
	client  *Client
	fail    FailurePage
	logger  *slog.Logger
	now     func() time.Time
	limit   *RateLimit
	pending *PendingLimit

	signedOutPath string
}

// LoginOptions are the optional parts of a Login.
type LoginOptions struct {
	Logger *slog.Logger     // slog.Default() when nil
	Now    func() time.Time // time.Now when nil; tests set a fake clock

	// RateLimit bounds login starts and callbacks per client; nil means
	// no limit.
	RateLimit *RateLimit

	// PendingLimit bounds the session records that login starts create
	// for new visitors, across all clients; nil means no bound.
	PendingLimit *PendingLimit

	// SignedOutPath is the local page that logout ends on; SignedOutPath
	// (the constant) when empty. Serve it with [Login.SignedOut].
	SignedOutPath string
}

// NewLogin returns a Login that uses client to talk to the provider and
// fail to show failures.
func NewLogin(client *Client, fail FailurePage, opts LoginOptions) *Login {
	l := &Login{client: client, fail: fail, logger: opts.Logger, now: opts.Now,
		limit: opts.RateLimit, pending: opts.PendingLimit, signedOutPath: opts.SignedOutPath}
	if l.logger == nil {
		l.logger = slog.Default()
	}
	if l.now == nil {
		l.now = time.Now
	}
	if l.signedOutPath == "" {
		l.signedOutPath = SignedOutPath
	}
	return l
}

// Where the login keeps its values in the session.
const (
	userKey    = "user"     // the logged-in User
	idTokenKey = "id_token" // the ID token, when logout at the provider needs it
)

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
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Add("Vary", "Cookie")

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
	// Each start may create a session record: bound them per client and
	// in all, so anonymous traffic cannot fill the disk (RFC 6819
	// §4.4.1.11).
	if !l.limit.Allow(r) {
		l.tooManyRequests(w, r, "login_start")
		return
	}
	now := l.now()
	counted := !sess.Exists()
	if counted && !l.pending.Allow(now) {
		l.logger.Warn("pending login bound reached", "event", "pending_limited")
		w.Header().Set("Retry-After", "60")
		l.fail(w, r, failTooManyPending)
		return
	}
	p, challenge := l.client.newAttempt(safeReturnPath(r.URL.RequestURI()), now)
	p.Counted = counted
	// A login in progress is ephemeral: losing it to a power cut costs
	// the visitor one retry, so its record is not forced to the disk.
	err := sess.UpdateEphemeral(func(v *session.Values) error { return addPending(v, p, now) })
	if err != nil {
		if counted {
			l.pending.Release(now) // no record was made
		}
		l.logger.Error("start login: save session", "event", "session_store_error", "err", err)
		l.fail(w, r, failSessionStore)
		return
	}
	l.logger.Info("login started", "event", "login_started", "session", sess.LogID())
	http.Redirect(w, r, l.client.AuthCodeURL(p.State, challenge, p.Nonce), http.StatusFound)
}

// tooManyRequests answers a client over its rate limit.
func (l *Login) tooManyRequests(w http.ResponseWriter, r *http.Request, what string) {
	l.logger.Warn("rate limit reached", "event", "rate_limited", "what", what)
	w.Header().Set("Retry-After", "60")
	l.fail(w, r, failTooManyRequests)
}
