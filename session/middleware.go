package session

import (
	"context"
	"net/http"
	"time"
)

type contextKey struct{}

// Middleware loads the request's session before calling next. Handlers find
// it with [FromRequest].
//
// Only the cookie is trusted to carry the ID, never a query parameter or
// another header, and only an ID of the exact shape this package makes;
// anything else is an anonymous visitor (OWASP Session Management Cheat
// Sheet, "strict" session management).
//
// Every page view of a logged-in visitor pays for this: one read of the
// store and no write, unless the last-seen time is due (at most once a
// minute; see touchInterval).
// BenchmarkPageView in package oauth counts its time and allocations.
func (m *Manager) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := m.load(w, r)
		if err != nil {
			m.logger.Error("load session", "event", "session_store_error", "err", err)
			m.onError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), contextKey{}, s)))
	})
}

// FromRequest returns the session loaded by [Manager.Middleware]. It panics
// if the middleware did not run, which is a wiring mistake, not a runtime
// condition.
func FromRequest(r *http.Request) *Session {
	s, ok := r.Context().Value(contextKey{}).(*Session)
	if !ok {
		panic("session: FromRequest called outside Manager.Middleware")
	}
	return s
}

func (m *Manager) load(w http.ResponseWriter, r *http.Request) (*Session, error) {
	s := &Session{manager: m, w: w, ctx: r.Context(), rec: m.newRecord()}
	c, err := r.Cookie(m.cookieName)
	if err != nil {
		return s, nil
	}
	s.cookie = true
	if !validID(c.Value) {
		// The value is not logged: it is attacker-controlled and might be
		// someone's real cookie pasted in the wrong place.
		m.logger.Info("malformed session cookie ignored", "event", "session_cookie_malformed", "length", len(c.Value))
		return s, nil
	}
	rec, found, err := m.loadRecord(r.Context(), c.Value)
	if err != nil || !found {
		return s, err
	}
	s.id, s.rec = c.Value, rec

	if m.now().Sub(time.Unix(rec.Seen, 0)) >= m.touchEvery {
		if err := m.touch(s); err != nil {
			// The visit itself can go on; the idle timeout just counts from
			// the last successful touch.
			m.logger.Warn("record session activity", "session", s.LogID(), "err", err)
		}
	}
	return s, nil
}

// touch records activity for the idle timeout, as a change of the stored
// record, so that it cannot undo a change made by a concurrent request. It
// moves the record's expiry only as far as the absolute timeout and the
// deadline allow (record.expiry).
func (m *Manager) touch(s *Session) error {
	var latest record
	var found bool
	err := m.change(s.ctx, s.id, func(rec record, ok bool) ([]Write, error) {
		latest, found = rec, ok
		if !ok {
			return nil, nil
		}
		rec.Seen = m.now().Unix()
		latest = rec
		w, err := m.encode(rec)
		w.ID = s.id
		return []Write{w}, err
	})
	if err != nil {
		return err
	}
	if !found {
		s.id, s.rec = "", m.newRecord()
		return nil
	}
	s.rec = latest
	return nil
}
