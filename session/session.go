// Package session keeps server-side sessions for a web application: the
// browser holds only an opaque random ID in a cookie, and everything the
// application remembers about the visitor (the pending OAuth2 logins, the
// logged-in user) lives in a record on the server.
//
// The flow of one request:
//
//  1. [Manager.Middleware] reads the session cookie, checks that it is a
//     well-formed ID before touching the store, loads the record from the
//     [Store] and checks its idle and absolute timeouts and its deadline
//     ([Values.SetDeadline]).
//  2. The handler reads values with [Session.Get] and changes them with
//     [Session.Update] (a short read-modify-write under a per-session lock),
//     [Session.Renew] (a new ID for the same visitor, at login) or
//     [Session.Destroy] (logout).
//  3. A request that changes nothing writes nothing.
//
// [FileStore] keeps one file per session in a directory, written
// atomically; its sweep ([FileStore.RunSweeper]) removes the files of
// ended sessions. Any other [Store] plugs in. One shared by several
// processes should be an [AtomicStore], such as the Redis store of the
// sub-package redisstore, a layer on top of this package that this
// package does not import. README.md in this directory says which files
// a copy needs, and what running each store takes.
package session

import (
	"context"
	"fmt"
	"net/http"
)

// Session is one visitor's session as seen by one request. It is created by
// [Manager.Middleware] and found with [FromRequest]. The zero state is
// anonymous: no cookie, no record, nothing stored.
//
// A Session is meant for the goroutine that serves its request.
type Session struct {
	manager *Manager
	w       http.ResponseWriter
	ctx     context.Context // the request's: it bounds every call to the store
	id      string          // "" while the visitor has no stored session
	rec     record
	cookie  bool // the request carried a session cookie, valid or not
}

// Exists reports whether the visitor has a stored session.
func (s *Session) Exists() bool { return s.id != "" }

// CookieSent reports whether the request carried a session cookie at all,
// whether or not it named a live session. A visitor without a session who
// sent none may have a browser that refuses the cookie; one who sent a
// cookie that names nothing has a session that ended, or a forged cookie.
func (s *Session) CookieSent() bool { return s.cookie }

// LogID is a short, stable name for the session that is safe to log: a prefix
// of its keyed hash, never the ID itself (OWASP Logging Cheat Sheet: session
// identifiers are "data to exclude"). It is "" for an anonymous visitor.
func (s *Session) LogID() string {
	if s.id == "" {
		return ""
	}
	return s.manager.hash(s.id)[:16]
}

// Get decodes the value stored under key into v and reports whether there
// was one.
func (s *Session) Get(key string, v any) (bool, error) {
	return s.rec.Values.Get(key, v)
}

// Update changes the session's values in one short read-modify-write: it
// loads the newest record (another request may have changed it since this
// one started), calls fn, and saves the result if fn changed anything. A
// visitor without a session gets a new one, with a new ID and cookie, the
// first time fn stores a value.
//
// Update never brings back a session that was destroyed meanwhile (by a
// logout in another tab, or by expiry): it starts a new one instead. With
// an [AtomicStore] this holds across every process sharing the store, and
// fn may then run more than once if another process changes the session at
// the same moment: it must only change v (and its own variables).
//
// A change that would make the record larger than [MaxRecordSize] fails
// with an error wrapping [ErrRecordTooLarge], and nothing is saved.
func (s *Session) Update(fn func(v *Values) error) error {
	return s.update(fn, false)
}

// UpdateEphemeral is Update for values whose loss in a crash or a power cut
// costs the visitor no more than a retry, such as a login in progress: the
// store may save them without waiting for stable storage (see
// [EphemeralSaver]), which makes the change several times faster on a
// disk. Use Update for anything worth keeping, and Renew at login.
func (s *Session) UpdateEphemeral(fn func(v *Values) error) error {
	return s.update(fn, true)
}

func (s *Session) update(fn func(v *Values) error, ephemeral bool) error {
	if s.id == "" {
		return s.start(fn, ephemeral)
	}
	m := s.manager
	var latest record
	var gone, emptied bool
	var fnErr error
	err := m.change(s.ctx, s.id, func(rec record, found bool) ([]Write, error) {
		gone, emptied = !found, false
		if gone {
			return nil, nil
		}
		rec.Values.id = s.id
		if fnErr = fn(&rec.Values); fnErr != nil {
			return nil, fnErr
		}
		latest = rec
		if !rec.Values.changed {
			return nil, nil
		}
		latest.Values.changed = false
		if rec.Values.Len() == 0 {
			// Nothing left to remember: removing the record is cheaper
			// than writing an empty one, and it leaves nothing behind.
			emptied = true
			return []Write{{ID: s.id}}, nil
		}
		w, err := m.encode(rec)
		w.ID, w.Ephemeral = s.id, ephemeral
		return []Write{w}, err
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return fmt.Errorf("update session: %w", err)
	}
	switch {
	case gone:
		s.id, s.rec = "", m.newRecord()
		return s.start(fn, ephemeral)
	case emptied:
		s.id, s.rec = "", m.newRecord()
		m.expireCookie(s.w)
	default:
		s.rec = latest
	}
	return nil
}

// start runs fn for a visitor without a stored session, and stores a new
// session if fn put anything in it.
func (s *Session) start(fn func(v *Values) error, ephemeral bool) error {
	m := s.manager
	if err := fn(&s.rec.Values); err != nil {
		return err
	}
	if !s.rec.Values.changed {
		return nil
	}
	s.rec.Values.changed = false
	if s.rec.Values.Len() == 0 {
		return nil
	}
	w, err := m.encode(s.rec)
	if err != nil {
		s.rec = m.newRecord()
		return fmt.Errorf("update session: %w", err)
	}
	if w.ID, err = newID(); err != nil {
		return fmt.Errorf("update session: %w", err)
	}
	w.Ephemeral = ephemeral
	if err := m.storeSave(s.ctx, w); err != nil {
		return fmt.Errorf("update session: %w", err)
	}
	s.id = w.ID
	m.setCookie(s.w, w.ID)
	return nil
}

// Renew moves the visitor to a new session ID, keeping the values that fn
// leaves in place, and removes the old record in the same step. Call it
// whenever the visitor's privileges change, above all at login: an ID that
// an attacker planted or saw before the login is then worthless (OWASP
// Session Management Cheat Sheet, "Renew the Session ID After Any
// Privilege Level Change"; session fixation).
//
// The renewed session keeps its creation time, so renewal never extends the
// absolute timeout, and the deadline that fn leaves: a login that
// succeeds removes the deadline of the login in progress with
// v.SetDeadline(time.Time{}). As with Update, fn may run more than once
// with an [AtomicStore], and a record too large fails with
// [ErrRecordTooLarge].
func (s *Session) Renew(fn func(v *Values) error) error {
	m := s.manager
	id, err := newID()
	if err != nil {
		return fmt.Errorf("renew session: %w", err)
	}
	var latest record
	var fnErr error
	renew := func(rec record) (Write, error) {
		rec.Values.id = id
		if fnErr = fn(&rec.Values); fnErr != nil {
			return Write{}, fnErr
		}
		rec.Values.changed = false
		latest = rec
		w, err := m.encode(rec)
		w.ID = id
		return w, err
	}
	if s.id == "" {
		w, err := renew(m.newRecord())
		if fnErr != nil {
			return fnErr
		}
		if err == nil {
			err = m.storeSave(s.ctx, w)
		}
		if err != nil {
			return fmt.Errorf("renew session: %w", err)
		}
	} else {
		oldID := s.id
		err := m.change(s.ctx, oldID, func(rec record, found bool) ([]Write, error) {
			if !found {
				// Ended meanwhile: the visitor starts afresh, with only
				// what fn puts in.
				rec = m.newRecord()
			}
			w, err := renew(rec)
			if err != nil {
				return nil, err
			}
			return []Write{w, {ID: oldID}}, nil
		})
		if fnErr != nil {
			return fnErr
		}
		if err != nil {
			return fmt.Errorf("renew session: %w", err)
		}
	}
	s.id, s.rec = id, latest
	m.setCookie(s.w, id)
	return nil
}

// Destroy deletes the session on the server and tells the browser to drop
// the cookie. The record goes first: a cookie that the browser keeps anyway
// (a copy, a replay) then names nothing (OWASP Session Management Cheat
// Sheet, "Session Expiration": invalidation must happen on the server).
// A single delete needs no compare-and-set: a change that another process
// was making to the session fails its compare and finds no session.
func (s *Session) Destroy() error {
	m := s.manager
	if s.id != "" {
		unlock := m.lock(s.id)
		defer unlock()
		if err := m.storeDelete(s.ctx, s.id); err != nil {
			return fmt.Errorf("destroy session: %w", err)
		}
	}
	s.id, s.rec = "", m.newRecord()
	m.expireCookie(s.w)
	return nil
}
