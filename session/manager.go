package session

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Options configure a Manager. The zero value of each field has a sensible
// default, noted beside it.
type Options struct {
	// CookieName is the cookie's name. With a Secure cookie it gets the
	// "__Host-" prefix, which tells browsers to accept it only when it is
	// Secure, has Path=/ and no Domain (RFC 6265bis §4.1.3.2), so no
	// sibling subdomain can plant or shadow it. Default "session".
	CookieName string

	// InsecureCookieOverHTTP drops the Secure attribute (and so the
	// "__Host-" prefix), for a site served over plain http: development on
	// http://localhost, where WebKit (Safari's engine) refuses a Secure
	// cookie. Never set it for a site that people reach over a network.
	InsecureCookieOverHTTP bool

	// IdleTimeout ends a session that has seen no request for this long.
	// Default 30 minutes.
	IdleTimeout time.Duration

	// AbsoluteTimeout ends a session this long after it began, however
	// active it is. Default 8 hours.
	AbsoluteTimeout time.Duration

	// HashKey keys the hash that names sessions in logs; a FileStore uses the
	// same kind of hash for its file names. Required.
	HashKey []byte

	// Now is the clock; time.Now when nil. Tests set a fake one.
	Now func() time.Time

	// Logger receives session events; slog.Default() when nil.
	Logger *slog.Logger

	// OnError answers a request whose session could not be loaded because
	// the store failed. Default: a plain 503 Service Unavailable.
	OnError func(w http.ResponseWriter, r *http.Request, err error)

	// Observe, when set, is told of each operation the Manager makes on
	// the store: op is "load", "save", "delete" or "change" (an
	// AtomicStore's read-modify-write), d how long it took, err how it
	// ended. It runs on the request's goroutine, so it must be quick: a
	// metric, not a call over the network. Nil costs nothing.
	Observe func(op string, d time.Duration, err error)
}

// maxTouchInterval throttles the idle-timeout bookkeeping: a session's
// last-seen time is written at most once per interval, so a busy visitor
// costs no writes at all between them. See touchInterval for its price.
const maxTouchInterval = time.Minute

// touchInterval is how long a session's last-seen time may go unwritten.
// The time written lags the visitor's last request by up to that much,
// and the idle timeout, which counts from it, may end the session that
// much early. A minute is nothing against the default 30 minutes, but
// with an idle timeout of one minute the session of a visitor clicking
// every 10 seconds would end a minute after the last write, in the middle
// of the visit. A quarter of a short idle timeout leaves every visitor at
// least three quarters of it after the last request.
func touchInterval(idle time.Duration) time.Duration {
	return min(maxTouchInterval, idle/4)
}

// Manager loads and saves sessions for HTTP requests.
type Manager struct {
	store      Store
	cookieName string
	secure     bool
	idle       time.Duration
	absolute   time.Duration
	touchEvery time.Duration // touchInterval(idle)
	logNames   *namer
	now        func() time.Time
	logger     *slog.Logger
	onError    func(w http.ResponseWriter, r *http.Request, err error)
	observe    func(op string, d time.Duration, err error) // nil when not asked for

	// locks serialise the read-modify-write of one session within this
	// process, so that two concurrent updates (two tabs starting a login at
	// once) cannot overwrite each other. A fixed set of mutexes picked by
	// the session's hash needs no cleanup and cannot grow.
	locks    [64]sync.Mutex
	lockSeed maphash.Seed
}

// NewManager returns a Manager that keeps sessions in store.
func NewManager(store Store, opts Options) (*Manager, error) {
	if store == nil {
		return nil, errors.New("session: nil store")
	}
	if len(opts.HashKey) == 0 {
		return nil, errors.New("session: empty hash key")
	}
	m := &Manager{
		store:      store,
		cookieName: opts.CookieName,
		secure:     !opts.InsecureCookieOverHTTP,
		idle:       opts.IdleTimeout,
		absolute:   opts.AbsoluteTimeout,
		logNames:   newNamer(opts.HashKey),
		now:        opts.Now,
		logger:     opts.Logger,
		onError:    opts.OnError,
		observe:    opts.Observe,
		lockSeed:   maphash.MakeSeed(),
	}
	if m.cookieName == "" {
		m.cookieName = "session"
	}
	if m.secure {
		m.cookieName = "__Host-" + m.cookieName
	}
	if m.idle <= 0 {
		m.idle = 30 * time.Minute
	}
	if m.absolute <= 0 {
		m.absolute = 8 * time.Hour
	}
	m.touchEvery = touchInterval(m.idle)
	if m.now == nil {
		m.now = time.Now
	}
	if m.logger == nil {
		m.logger = slog.Default()
	}
	if m.onError == nil {
		m.onError = func(w http.ResponseWriter, _ *http.Request, _ error) {
			http.Error(w, "The session store is unavailable. Please try again shortly.", http.StatusServiceUnavailable)
		}
	}
	return m, nil
}

// CookieName is the name of the session cookie, with its prefix.
func (m *Manager) CookieName() string { return m.cookieName }

// hash is the keyed hash that names a session outside the cookie.
func (m *Manager) hash(id string) string { return m.logNames.name(id) }

func (m *Manager) lock(id string) (unlock func()) {
	mu := &m.locks[maphash.String(m.lockSeed, id)%uint64(len(m.locks))]
	mu.Lock()
	return mu.Unlock
}

func (m *Manager) newRecord() record {
	now := m.now().Unix()
	return record{Version: recordVersion, Created: now, Seen: now}
}

// loadRecord loads and checks the record for id. A record that is missing,
// malformed or timed out is found=false; the last two are also removed, so
// they cannot fail again on the next request.
func (m *Manager) loadRecord(ctx context.Context, id string) (rec record, found bool, err error) {
	b, found, err := m.storeLoad(ctx, id)
	if err != nil || !found {
		return record{}, false, err
	}
	rec, live := m.check(id, b)
	if !live {
		m.discard(ctx, id)
		return record{}, false, nil
	}
	return rec, true, nil
}

// check decodes the record b of session id and checks its timeouts and
// its deadline. A record that is malformed, timed out or past its deadline
// is not live, and the reason is logged.
func (m *Manager) check(id string, b []byte) (rec record, live bool) {
	rec, err := decodeRecord(b)
	if err != nil {
		m.logger.Warn("session record unreadable; treating it as no session",
			"event", "session_corrupt", "session", m.hash(id)[:16], "err", err)
		return record{}, false
	}
	now := m.now()
	var reason string
	switch deadline := rec.deadline(); {
	case now.Sub(time.Unix(rec.Created, 0)) >= m.absolute:
		reason = "absolute"
	case now.Sub(time.Unix(rec.Seen, 0)) >= m.idle:
		reason = "idle"
	case !deadline.IsZero() && !now.Before(deadline):
		reason = "deadline"
	}
	if reason != "" {
		m.logger.Info("session expired", "event", "session_expired", "reason", reason, "session", m.hash(id)[:16])
		return record{}, false
	}
	return rec, true
}

// discard removes a record that is no longer a session. A failure is only
// logged: the record already counts as absent, and the store drops it at
// its expiry, so one bad record can never lock a visitor into an error
// loop.
func (m *Manager) discard(ctx context.Context, id string) {
	if err := m.storeDelete(ctx, id); err != nil {
		m.logger.Warn("remove dead session record", "session", m.hash(id)[:16], "err", err)
	}
}

// encode turns rec into what a Store keeps, refusing a record that no
// Store's Load would give back: saving it would end the session on the
// next request (and start a login loop, if the login is what grew it).
func (m *Manager) encode(rec record) (Write, error) {
	b, err := json.Marshal(rec)
	if err != nil {
		return Write{}, fmt.Errorf("encode session: %w", err)
	}
	if len(b) > MaxRecordSize {
		return Write{}, fmt.Errorf("%w: %d bytes, at most %d", ErrRecordTooLarge, len(b), MaxRecordSize)
	}
	return Write{Rec: b, Expiry: rec.expiry(m.idle, m.absolute)}, nil
}

// change runs the read-modify-write fn over session id: fn gets the live
// record (found=false for a missing, malformed or timed-out one) and
// returns the writes to make. A dead record is deleted in the same step.
//
// Within this process the session's lock serialises changes. Across
// processes, an [AtomicStore] makes the step a compare-and-set; with a
// plain Store the last writer wins.
func (m *Manager) change(ctx context.Context, id string, fn func(rec record, found bool) ([]Write, error)) (err error) {
	unlock := m.lock(id)
	defer unlock()
	step := func(b []byte, found bool) ([]Write, error) {
		var rec record
		dead := false
		if found {
			rec, found = m.check(id, b)
			dead = !found
		}
		writes, err := fn(rec, found)
		if err != nil || !dead {
			return writes, err
		}
		return append([]Write{{ID: id}}, writes...), nil
	}
	if as, ok := m.store.(AtomicStore); ok {
		if m.observe != nil {
			defer m.observed("change", time.Now(), &err)
		}
		return as.Change(ctx, id, step)
	}
	b, found, err := m.storeLoad(ctx, id)
	if err != nil {
		return err
	}
	writes, err := step(b, found)
	if err != nil {
		return err
	}
	for _, w := range writes {
		if w.Rec == nil {
			err = m.storeDelete(ctx, w.ID)
		} else {
			err = m.storeSave(ctx, w)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// storeLoad, storeSave and storeDelete reach the store with the request's context when
// the store takes one.
func (m *Manager) storeLoad(ctx context.Context, id string) (rec []byte, found bool, err error) {
	if m.observe != nil {
		defer m.observed("load", time.Now(), &err)
	}
	if s, ok := m.store.(ContextStore); ok {
		return s.LoadContext(ctx, id)
	}
	return m.store.Load(id)
}

func (m *Manager) storeSave(ctx context.Context, w Write) (err error) {
	if m.observe != nil {
		defer m.observed("save", time.Now(), &err)
	}
	if s, ok := m.store.(EphemeralSaver); ok && w.Ephemeral {
		return s.SaveEphemeral(w.ID, w.Rec, w.Expiry)
	}
	if s, ok := m.store.(ContextStore); ok {
		return s.SaveContext(ctx, w.ID, w.Rec, w.Expiry)
	}
	return m.store.Save(w.ID, w.Rec, w.Expiry)
}

func (m *Manager) storeDelete(ctx context.Context, id string) (err error) {
	if m.observe != nil {
		defer m.observed("delete", time.Now(), &err)
	}
	if s, ok := m.store.(ContextStore); ok {
		return s.DeleteContext(ctx, id)
	}
	return m.store.Delete(id)
}

// observed tells Options.Observe of an operation that started at start
// and ended with *err. It is deferred, so that it sees the error the
// operation returned.
func (m *Manager) observed(op string, start time.Time, err *error) {
	m.observe(op, time.Since(start), *err)
}

// setCookie sends the session cookie. It has no Expires or Max-Age, so the
// browser forgets it when it closes (a session cookie); the server-side
// timeouts bound its life in any case. HttpOnly keeps it from scripts;
// SameSite=Lax keeps it off cross-site subrequests and POSTs while still
// sending it on the top-level navigation back from the provider, which the
// login needs (RFC 6265bis §4.1.2.7).
func (m *Manager) setCookie(w http.ResponseWriter, id string) {
	m.writeCookie(w, &http.Cookie{
		Name:     m.cookieName,
		Value:    id,
		Path:     "/",
		Secure:   m.secure,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	})
}

// expireCookie tells the browser to drop the cookie: the same name and Path
// (a browser removes a cookie only when they match), and Max-Age=0.
func (m *Manager) expireCookie(w http.ResponseWriter) {
	m.writeCookie(w, &http.Cookie{
		Name:     m.cookieName,
		Value:    "",
		Path:     "/",
		MaxAge:   -1,
		Secure:   m.secure,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	})
}

// writeCookie sets c in place of any session cookie this response already
// carries: when one request first empties a session and then starts a new
// one (a login callback does), the browser should get one clear
// instruction, not two that contradict each other.
func (m *Manager) writeCookie(w http.ResponseWriter, c *http.Cookie) {
	h := w.Header()
	prefix := m.cookieName + "="
	kept := h["Set-Cookie"][:0]
	for _, v := range h["Set-Cookie"] {
		if !strings.HasPrefix(v, prefix) {
			kept = append(kept, v)
		}
	}
	if len(kept) == 0 {
		h.Del("Set-Cookie")
	} else {
		h["Set-Cookie"] = kept
	}
	http.SetCookie(w, c)
}
