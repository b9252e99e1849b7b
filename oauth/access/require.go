package access

import (
	"net/http"

	"oauthlogin/oauth"
	"oauthlogin/session"
)

// What the rules keep in a session at login: the version of the rules
// that admitted it, on its own so that a page view reads one short
// string, and the facts that matched.
const (
	versionKey = "access_rules"
	factsKey   = "access_facts"
)

// keep returns the change that records f, and the version of the rules
// that admitted the session, in the session's values.
func (f Facts) keep(version string) func(*session.Values) error {
	return func(v *session.Values) error {
		if err := v.Put(versionKey, version); err != nil {
			return err
		}
		return v.Put(factsKey, f)
	}
}

// Require is login.Require(next) with the rules applied to sessions as
// well as to logins: use it in place of login.Require for every page the
// rules protect.
//
// A session admitted under these rules goes on, at the cost of reading one
// short value. A session made under other rules (the app restarted with
// changed lists), or before there were rules, is checked again, from its
// user and what matched at login: if it still passes, it is marked with
// these rules and goes on; if not, it ends, with a session_denied record
// in the log, and the visitor is treated as one without a session, so a
// page visit starts a new login, which these rules then decide. What the
// provider alone can tell (addresses, groups) is what it told at login:
// it holds until the next one.
func (r *Rules) Require(login *oauth.Login, next http.Handler) http.Handler {
	var protected http.Handler
	protected = login.Require(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		ended, err := r.recheck(req)
		switch {
		case err != nil:
			r.logger.Error("end a session the rules no longer admit", "event", "session_store_error", "err", err)
			http.Error(w, "Sessions are unavailable. Please try again in a moment.", http.StatusServiceUnavailable)
		case ended:
			// The session is gone, so the login sees a visitor without one.
			protected.ServeHTTP(w, req)
		default:
			next.ServeHTTP(w, req)
		}
	}))
	return protected
}

// recheck checks the session of req, whose user passed login.Require,
// against the rules, unless these rules admitted it already, and ends it
// if they do not.
func (r *Rules) recheck(req *http.Request) (ended bool, err error) {
	sess := session.FromRequest(req)
	var version string
	if found, err := sess.Get(versionKey, &version); found && err == nil && version == r.version {
		return false, nil
	}
	u, _ := oauth.UserFromRequest(req)
	var recorded Facts
	if _, err := sess.Get(factsKey, &recorded); err != nil {
		recorded = Facts{} // unreadable: as if nothing had matched
	}
	if matched, ok := r.match(u, recorded); ok {
		if err := sess.Update(matched.keep(r.version)); err != nil {
			// The page can still be served; the next one checks again.
			r.logger.Warn("mark a session as admitted by the rules", "event", "session_store_error", "err", err)
		}
		return false, nil
	}
	// The user's values were bounded at login (oauth.User), so they go to
	// the log as they are.
	r.logger.Warn("session denied by the rules", "event", "session_denied", "issuer", u.Issuer,
		"subject", u.Subject, "rules", r.kinds, "session", sess.LogID())
	if err := sess.Destroy(); err != nil {
		return false, err
	}
	return true, nil
}
