package redisstore

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"oauthlogin/session"
)

// Two different keys, so that a test can tell which one named a key.
var (
	testStoreKey   = []byte("file-name key for tests, 32 byte")
	testManagerKey = []byte("log-name key for tests, 32 bytes")
)

// mustID returns a new session ID of the shape the Manager makes, and
// accepts in a cookie: 32 random bytes in unpadded base64url.
func mustID(t testing.TB) string {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// hmacHex is hex(HMAC-SHA-256(key, id)), computed independently of the
// store.
func hmacHex(key []byte, id string) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id))
	return hex.EncodeToString(mac.Sum(nil))
}

// frozenClock is a clock stopped at the real time of the call. Redis
// counts time to live on its own clock, so the store's must be close to
// the real one; stopped, it keeps the Manager from recording activity
// (touching sessions) in the middle of a test.
func frozenClock() func() time.Time {
	now := time.Now()
	return func() time.Time { return now }
}

// instance is one instance of an application that keeps its sessions in
// a store: a Manager driven through its Middleware, as a server drives
// it, with nothing but the session package's API.
type instance struct {
	t   *testing.T
	mgr *session.Manager
}

func newInstance(t *testing.T, store session.Store, now func() time.Time) *instance {
	t.Helper()
	m, err := session.NewManager(store, session.Options{HashKey: testManagerKey, Now: now, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return &instance{t: t, mgr: m}
}

// serve runs one request with cookie (which may be nil) through the
// middleware to a handler that calls fn with the request's session.
func (in *instance) serve(cookie *http.Cookie, fn func(s *session.Session)) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, "https://app.example/", nil)
	if cookie != nil {
		req.AddCookie(cookie)
	}
	rec := httptest.NewRecorder()
	in.mgr.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fn(session.FromRequest(r))
	})).ServeHTTP(rec, req)
	return rec
}

// login starts a session holding user=alice and returns its cookie.
func (in *instance) login() *http.Cookie {
	in.t.Helper()
	rec := in.serve(nil, func(s *session.Session) {
		if err := s.Update(put("user", "alice")); err != nil {
			in.t.Errorf("Update: %v", err)
		}
	})
	c := in.setCookie(rec)
	if c == nil || c.Value == "" {
		in.t.Fatalf("login set no session cookie; headers %v", rec.Header())
	}
	return c
}

// visit makes a request with cookie and reports whether it had a session,
// and which user that session holds.
func (in *instance) visit(cookie *http.Cookie) (exists bool, user string) {
	in.t.Helper()
	rec := in.serve(cookie, func(s *session.Session) {
		exists = s.Exists()
		if _, err := s.Get("user", &user); err != nil {
			in.t.Errorf("Get user: %v", err)
		}
	})
	if rec.Code != http.StatusOK {
		in.t.Fatalf("status %d, want 200", rec.Code)
	}
	return exists, user
}

// cookie is a session cookie that names id.
func (in *instance) cookie(id string) *http.Cookie {
	return &http.Cookie{Name: in.mgr.CookieName(), Value: id}
}

// setCookie returns the last session cookie that rec sets, or nil.
func (in *instance) setCookie(rec *httptest.ResponseRecorder) *http.Cookie {
	var found *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == in.mgr.CookieName() {
			found = c
		}
	}
	return found
}

// put and keepAll are Update and Renew functions used by many tests.
func put(key string, value any) func(*session.Values) error {
	return func(v *session.Values) error { return v.Put(key, value) }
}

func keepAll(*session.Values) error { return nil }
