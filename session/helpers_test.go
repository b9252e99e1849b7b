package session

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Two different keys, so that a test can tell which one named a file.
var (
	testStoreKey   = []byte("file-name key for tests, 32 byte")
	testManagerKey = []byte("log-name key for tests, 32 bytes")
)

// fakeClock is the injectable clock of the tests: time moves only when a
// test calls Advance.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2030, time.March, 4, 5, 6, 7, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// countingStore wraps a Store, counts the calls made to it, and can be told
// to fail.
type countingStore struct {
	Store
	loads, saves, deletes atomic.Int64
	loadErr, saveErr      error
}

func (s *countingStore) Load(id string) ([]byte, bool, error) {
	s.loads.Add(1)
	if s.loadErr != nil {
		return nil, false, s.loadErr
	}
	return s.Store.Load(id)
}

func (s *countingStore) Save(id string, rec []byte, expiry time.Time) error {
	s.saves.Add(1)
	if s.saveErr != nil {
		return s.saveErr
	}
	return s.Store.Save(id, rec, expiry)
}

func (s *countingStore) Delete(id string) error {
	s.deletes.Add(1)
	return s.Store.Delete(id)
}

func (s *countingStore) calls() int64 { return s.loads.Load() + s.saves.Load() + s.deletes.Load() }

func (s *countingStore) reset() {
	s.loads.Store(0)
	s.saves.Store(0)
	s.deletes.Store(0)
}

// mapStore is an in-memory Store that keeps a record until it is deleted,
// even past its expiry (Save: "The store may drop the record", so it need
// not). With it, the timeouts are left entirely to the Manager.
type mapStore struct {
	mu sync.Mutex
	m  map[string][]byte
}

func newMapStore() *mapStore { return &mapStore{m: make(map[string][]byte)} }

func (s *mapStore) Load(id string) ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.m[id]
	return slices.Clone(b), ok, nil
}

func (s *mapStore) Save(id string, rec []byte, _ time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[id] = slices.Clone(rec)
	return nil
}

func (s *mapStore) Delete(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
	return nil
}

func (s *mapStore) has(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.m[id]
	return ok
}

// logEntry is one log record, flattened.
type logEntry struct {
	level slog.Level
	msg   string
	attrs map[string]string
	text  string // the message and every attribute, as one string
}

// logRecorder is a slog.Handler that keeps every record, at every level.
// If notify is set, each record is also offered on it without blocking.
type logRecorder struct {
	mu      *sync.Mutex
	entries *[]logEntry
	attrs   []slog.Attr
	notify  chan logEntry
}

func newLogRecorder() *logRecorder {
	return &logRecorder{mu: new(sync.Mutex), entries: new([]logEntry)}
}

func (h *logRecorder) logger() *slog.Logger { return slog.New(h) }

func (h *logRecorder) Enabled(context.Context, slog.Level) bool { return true }

func (h *logRecorder) Handle(_ context.Context, r slog.Record) error {
	e := logEntry{level: r.Level, msg: r.Message, attrs: make(map[string]string)}
	var text strings.Builder
	text.WriteString(r.Message)
	add := func(a slog.Attr) bool {
		v := a.Value.Resolve().String()
		e.attrs[a.Key] = v
		fmt.Fprintf(&text, " %s=%s", a.Key, v)
		return true
	}
	for _, a := range h.attrs {
		add(a)
	}
	r.Attrs(add)
	e.text = text.String()

	h.mu.Lock()
	*h.entries = append(*h.entries, e)
	h.mu.Unlock()
	if h.notify != nil {
		select {
		case h.notify <- e:
		default:
		}
	}
	return nil
}

func (h *logRecorder) WithAttrs(as []slog.Attr) slog.Handler {
	h2 := *h
	h2.attrs = append(slices.Clone(h.attrs), as...)
	return &h2
}

// WithGroup is not used by the package; groups are flattened.
func (h *logRecorder) WithGroup(string) slog.Handler { return h }

// events returns the entries whose "event" attribute is event.
func (h *logRecorder) events(event string) []logEntry {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []logEntry
	for _, e := range *h.entries {
		if e.attrs["event"] == event {
			out = append(out, e)
		}
	}
	return out
}

func (h *logRecorder) all() []logEntry {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(*h.entries)
}

// storeKind picks the Store behind a testApp.
type storeKind string

const (
	fileKind storeKind = "FileStore"
	mapKind  storeKind = "mapStore"
)

// testApp is a Manager with a counted store, a fake clock and a log
// recorder, driven through Manager.Middleware as a real server would be.
type testApp struct {
	t     *testing.T
	clock *fakeClock
	store *countingStore
	dir   string    // the FileStore's directory
	mem   *mapStore // set for mapKind
	logs  *logRecorder
	mgr   *Manager
}

// newApp builds a testApp; tweak, if not nil, adjusts the Options.
func newApp(t *testing.T, kind storeKind, tweak func(*Options)) *testApp {
	t.Helper()
	a := &testApp{t: t, clock: newFakeClock(), logs: newLogRecorder()}
	switch kind {
	case fileKind:
		a.dir = filepath.Join(t.TempDir(), "sessions")
		fs, err := NewFileStore(a.dir, testStoreKey, a.clock.Now)
		if err != nil {
			t.Fatal(err)
		}
		a.store = &countingStore{Store: fs}
	case mapKind:
		a.mem = newMapStore()
		a.store = &countingStore{Store: a.mem}
	default:
		t.Fatalf("unknown store kind %q", kind)
	}
	opts := Options{HashKey: testManagerKey, Now: a.clock.Now, Logger: a.logs.logger()}
	if tweak != nil {
		tweak(&opts)
	}
	m, err := NewManager(a.store, opts)
	if err != nil {
		t.Fatal(err)
	}
	a.mgr = m
	return a
}

// serve runs one request through the middleware to a handler that calls fn
// with the request's session. cookie may be nil.
func (a *testApp) serve(cookie *http.Cookie, fn func(s *Session)) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, "https://app.example/", nil)
	if cookie != nil {
		req.AddCookie(cookie)
	}
	return a.serveRequest(req, fn)
}

func (a *testApp) serveRequest(req *http.Request, fn func(s *Session)) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	a.mgr.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fn(FromRequest(r))
	})).ServeHTTP(rec, req)
	return rec
}

// login starts a session holding user=alice and returns its cookie.
func (a *testApp) login() *http.Cookie {
	a.t.Helper()
	rec := a.serve(nil, func(s *Session) {
		if err := s.Update(func(v *Values) error { return v.Put("user", "alice") }); err != nil {
			a.t.Errorf("Update: %v", err)
		}
	})
	c := a.setCookie(rec)
	if c == nil || c.Value == "" {
		a.t.Fatalf("login set no session cookie; headers %v", rec.Header())
	}
	return c
}

// visit makes a request with cookie and reports whether it had a session,
// and which user that session holds.
func (a *testApp) visit(cookie *http.Cookie) (exists bool, user string) {
	a.t.Helper()
	rec := a.serve(cookie, func(s *Session) {
		exists = s.Exists()
		if _, err := s.Get("user", &user); err != nil {
			a.t.Errorf("Get user: %v", err)
		}
	})
	if rec.Code != http.StatusOK {
		a.t.Fatalf("status %d, want 200", rec.Code)
	}
	return exists, user
}

// setCookie returns the last session cookie that rec sets, or nil.
func (a *testApp) setCookie(rec *httptest.ResponseRecorder) *http.Cookie {
	var found *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == a.mgr.CookieName() {
			found = c
		}
	}
	return found
}

// hasRecord reports whether the store holds anything for id, expired or
// not, looking behind the Store interface.
func (a *testApp) hasRecord(id string) bool {
	a.t.Helper()
	if a.mem != nil {
		return a.mem.has(id)
	}
	_, err := os.Lstat(a.recordPath(id))
	if err != nil && !os.IsNotExist(err) {
		a.t.Fatal(err)
	}
	return err == nil
}

func (a *testApp) recordPath(id string) string {
	return filepath.Join(a.dir, hmacHex(testStoreKey, id))
}

// hmacHex is hex(HMAC-SHA-256(key, id)), computed independently of the
// package's namer.
func hmacHex(key []byte, id string) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id))
	return hex.EncodeToString(mac.Sum(nil))
}

// dirNames lists the names in dir.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// put, del and renewKeep are Update and Renew functions used by many tests.
func put(key string, value any) func(*Values) error {
	return func(v *Values) error { return v.Put(key, value) }
}

func del(key string) func(*Values) error {
	return func(v *Values) error { v.Delete(key); return nil }
}

func keepAll(*Values) error { return nil }

// setFS puts fsys in the place of s's file system, as reopen does, so that
// a flush running meanwhile sees one or the other.
func (s *FileStore) setFS(fsys fileSystem) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fs = fsys
}
