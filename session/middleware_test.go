package session

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestChecklist38_CookieAttributes parses every Set-Cookie the package
// emits and checks each attribute: the __Host- name, Secure, HttpOnly,
// Path=/, no Domain, SameSite=Lax, and no lifetime except Max-Age=0 when
// the cookie is dropped (#36).
func TestChecklist38_CookieAttributes(t *testing.T) {
	modes := []struct {
		name       string
		insecure   bool
		cookieName string // Options.CookieName
		wantName   string
	}{
		{"default", false, "", "__Host-session"},
		{"custom name", false, "sid", "__Host-sid"},
		{"InsecureCookieOverHTTP", true, "", "session"},
	}
	actions := []struct {
		name     string
		loggedIn bool // start from a stored session
		do       func(*Session) error
		expires  bool // the cookie is dropped rather than set
	}{
		{"first Update", false, func(s *Session) error { return s.Update(put("k", 1)) }, false},
		{"Renew", true, func(s *Session) error { return s.Renew(keepAll) }, false},
		{"Update removing the last value", true, func(s *Session) error { return s.Update(del("user")) }, true},
		{"Destroy", true, func(s *Session) error { return s.Destroy() }, true},
	}
	for _, mode := range modes {
		for _, act := range actions {
			t.Run(mode.name+"/"+act.name, func(t *testing.T) {
				a := newApp(t, fileKind, func(o *Options) {
					o.InsecureCookieOverHTTP = mode.insecure
					o.CookieName = mode.cookieName
				})
				if got := a.mgr.CookieName(); got != mode.wantName {
					t.Errorf("CookieName() = %q, want %q", got, mode.wantName)
				}
				var cookie *http.Cookie
				if act.loggedIn {
					cookie = a.login()
				}
				rec := a.serve(cookie, func(s *Session) {
					if err := act.do(s); err != nil {
						t.Errorf("%s: %v", act.name, err)
					}
				})

				raws := rec.Header().Values("Set-Cookie")
				if len(raws) != 1 {
					t.Fatalf("got %d Set-Cookie headers, want 1: %q", len(raws), raws)
				}
				raw := raws[0]
				c, err := http.ParseSetCookie(raw)
				if err != nil {
					t.Fatalf("ParseSetCookie(%q): %v", raw, err)
				}
				if c.Name != mode.wantName {
					t.Errorf("name %q, want %q", c.Name, mode.wantName)
				}
				if c.Secure == mode.insecure {
					t.Errorf("Secure = %v, want %v: %q", c.Secure, !mode.insecure, raw)
				}
				if !c.HttpOnly {
					t.Errorf("no HttpOnly: %q", raw)
				}
				if c.Path != "/" {
					t.Errorf("Path %q, want /: %q", c.Path, raw)
				}
				if c.Domain != "" || strings.Contains(strings.ToLower(raw), "domain") {
					t.Errorf("has a Domain: %q", raw)
				}
				if c.SameSite != http.SameSiteLaxMode {
					t.Errorf("SameSite %v, want Lax: %q", c.SameSite, raw)
				}
				if strings.Contains(strings.ToLower(raw), "expires") {
					t.Errorf("has Expires: %q", raw)
				}
				if act.expires {
					if c.Value != "" || c.MaxAge >= 0 || !strings.Contains(raw, "Max-Age=0") {
						t.Errorf("cookie not dropped with an empty value and Max-Age=0: %q", raw)
					}
				} else {
					if !validID(c.Value) {
						t.Errorf("value %q is not a session ID", c.Value)
					}
					if c.MaxAge != 0 || strings.Contains(raw, "Max-Age") {
						t.Errorf("session cookie is persistent: %q", raw)
					}
				}
			})
		}
	}
}

// TestChecklist32_UnknownIDIsNotAdopted: a well-formed ID the server never
// issued (session fixation) is an anonymous visitor, and the session that
// the visitor then gets has a different, server-made ID.
func TestChecklist32_UnknownIDIsNotAdopted(t *testing.T) {
	a := newApp(t, fileKind, nil)
	planted, err := newID()
	if err != nil {
		t.Fatal(err)
	}
	rec := a.serve(&http.Cookie{Name: a.mgr.CookieName(), Value: planted}, func(s *Session) {
		if s.Exists() {
			t.Error("the planted ID was adopted as a session")
		}
		if err := s.Update(put("user", "alice")); err != nil {
			t.Error(err)
		}
	})
	c := a.setCookie(rec)
	if c == nil {
		t.Fatal("Update set no cookie")
	}
	if c.Value == planted {
		t.Fatal("the new session took the planted ID")
	}
	if a.hasRecord(planted) {
		t.Error("a record exists for the planted ID")
	}
	if !a.hasRecord(c.Value) {
		t.Error("no record for the issued ID")
	}
	if got := dirNames(t, a.dir); len(got) != 1 {
		t.Errorf("session dir holds %q, want exactly the new record", got)
	}
}

// TestChecklist32_IDIsTakenOnlyFromTheCookie: a live ID in a query
// parameter, a header or a cookie of another name is ignored.
func TestChecklist32_IDIsTakenOnlyFromTheCookie(t *testing.T) {
	a := newApp(t, fileKind, nil)
	live := a.login()
	if exists, _ := a.visit(live); !exists {
		t.Fatal("control: the live cookie should name a session")
	}
	id := live.Value
	tests := []struct {
		name  string
		setup func(r *http.Request)
	}{
		{"query session", func(r *http.Request) { r.URL.RawQuery = "session=" + id }},
		{"query cookie name", func(r *http.Request) { r.URL.RawQuery = a.mgr.CookieName() + "=" + id }},
		{"query sid", func(r *http.Request) { r.URL.RawQuery = "sid=" + id }},
		{"X-Session-ID header", func(r *http.Request) { r.Header.Set("X-Session-ID", id) }},
		{"Authorization header", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+id) }},
		// A cookie without the prefix could be planted by a sibling host.
		{"unprefixed cookie", func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "session", Value: id}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "https://app.example/private", nil)
			tt.setup(req)
			var exists bool
			a.serveRequest(req, func(s *Session) { exists = s.Exists() })
			if exists {
				t.Error("the ID was accepted from outside the session cookie")
			}
		})
	}
}

// TestChecklist39_MalformedCookieNeverReachesStore: a cookie value that is
// not the exact shape of an ID makes an anonymous visitor without a single
// store call, logs session_cookie_malformed without the value, and leaves
// the file system outside the session directory untouched.
func TestChecklist39_MalformedCookieNeverReachesStore(t *testing.T) {
	parent := t.TempDir()
	sentinel := filepath.Join(parent, "sentinel")
	sentinelData := []byte("do not touch")
	if err := os.WriteFile(sentinel, sentinelData, 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	if err := os.Chtimes(sentinel, old, old); err != nil {
		t.Fatal(err)
	}

	clock := newFakeClock()
	fs, err := NewFileStore(filepath.Join(parent, "sessions"), testStoreKey, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	store := &countingStore{Store: fs}
	logs := newLogRecorder()
	m, err := NewManager(store, Options{HashKey: testManagerKey, Now: clock.Now, Logger: logs.logger()})
	if err != nil {
		t.Fatal(err)
	}

	values := []string{
		"",
		"../../etc/passwd",
		"..%2F..%2Fx",
		"a/b",
		".",
		"..",
		"%00",
		"\x00",
		`C:\x`,
		strings.Repeat("A", 4000),
		nonCanonicalID(t),
		"../" + strings.Repeat("A", 40),
		"../sentinel",
	}
	for _, value := range values {
		t.Run(value[:min(len(value), 20)], func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "https://app.example/private", nil)
			req.Header.Set("Cookie", m.CookieName()+"="+value)
			// Go's cookie parser drops some values (NUL, backslash) itself;
			// those never reach the middleware, so they cannot be logged.
			parsed, perr := req.Cookie(m.CookieName())
			reaches := perr == nil && parsed.Value == value

			before := len(logs.events("session_cookie_malformed"))
			rec := httptest.NewRecorder()
			var exists, called bool
			m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				called = true
				exists = FromRequest(r).Exists()
			})).ServeHTTP(rec, req)

			if rec.Code != http.StatusOK || !called {
				t.Fatalf("status %d, handler called %v; want 200 and called", rec.Code, called)
			}
			if exists {
				t.Error("the malformed cookie named a session")
			}
			if n := store.calls(); n != 0 {
				t.Errorf("%d store calls, want 0", n)
			}
			if !reaches {
				return
			}
			logged := logs.events("session_cookie_malformed")
			if len(logged) != before+1 {
				t.Fatalf("%d session_cookie_malformed records, want %d", len(logged), before+1)
			}
			// Shorter strings occur in ordinary words of the record.
			if text := logged[len(logged)-1].text; len(value) >= 3 && strings.Contains(text, value) {
				t.Errorf("log record contains the cookie value: %q", text)
			}
		})
	}

	got, err := os.ReadFile(sentinel)
	if err != nil || !bytes.Equal(got, sentinelData) {
		t.Errorf("sentinel now %q (err %v)", got, err)
	}
	if info, err := os.Stat(sentinel); err != nil || !info.ModTime().Equal(old) {
		t.Errorf("sentinel touched: %v, %v", info.ModTime(), err)
	}
	if names := dirNames(t, parent); !slices.Equal(names, []string{"sentinel", "sessions"}) {
		t.Errorf("parent dir holds %q", names)
	}
	if names := dirNames(t, filepath.Join(parent, "sessions")); len(names) != 0 {
		t.Errorf("session dir holds %q", names)
	}
}

// TestStoreLoadErrorCallsOnError: when the store fails, the request is not
// served as anonymous (which would hide an outage as a logout): OnError
// answers it and the handler never runs.
func TestStoreLoadErrorCallsOnError(t *testing.T) {
	errDisk := errors.New("disk on fire")
	id, err := newID()
	if err != nil {
		t.Fatal(err)
	}
	t.Run("default 503", func(t *testing.T) {
		a := newApp(t, mapKind, nil)
		a.store.loadErr = errDisk
		called := false
		rec := a.serve(&http.Cookie{Name: a.mgr.CookieName(), Value: id}, func(*Session) { called = true })
		if called {
			t.Error("handler called despite the store error")
		}
		if rec.Code != http.StatusServiceUnavailable {
			t.Errorf("status %d, want 503", rec.Code)
		}
		if len(a.logs.events("session_store_error")) != 1 {
			t.Error("no session_store_error log record")
		}
	})
	t.Run("custom OnError", func(t *testing.T) {
		var gotErr error
		a := newApp(t, mapKind, func(o *Options) {
			o.OnError = func(w http.ResponseWriter, _ *http.Request, err error) {
				gotErr = err
				w.WriteHeader(http.StatusTeapot)
			}
		})
		a.store.loadErr = errDisk
		called := false
		rec := a.serve(&http.Cookie{Name: a.mgr.CookieName(), Value: id}, func(*Session) { called = true })
		if called {
			t.Error("handler called despite the store error")
		}
		if rec.Code != http.StatusTeapot || !errors.Is(gotErr, errDisk) {
			t.Errorf("status %d, OnError got %v; want 418 and the store's error", rec.Code, gotErr)
		}
	})
}

// TestTouchFailureDoesNotFailRequest: recording activity is bookkeeping; if
// that write fails, the visit goes on with its session.
func TestTouchFailureDoesNotFailRequest(t *testing.T) {
	a := newApp(t, mapKind, nil)
	c := a.login()
	a.clock.Advance(2 * time.Minute)
	a.store.saveErr = errors.New("disk full")
	exists, user := a.visit(c)
	if !exists || user != "alice" {
		t.Errorf("session lost after a failed touch: exists %v, user %q", exists, user)
	}
	if a.store.saves.Load() != 2 {
		t.Errorf("%d saves, want 2 (login and the failed touch)", a.store.saves.Load())
	}
}

func TestFromRequestPanicsOutsideMiddleware(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("FromRequest did not panic")
		}
	}()
	FromRequest(httptest.NewRequest(http.MethodGet, "/", nil))
}

func TestNewManagerRefusesIncompleteConfig(t *testing.T) {
	if _, err := NewManager(nil, Options{HashKey: testManagerKey}); err == nil {
		t.Error("nil store accepted")
	}
	if _, err := NewManager(newMapStore(), Options{}); err == nil {
		t.Error("empty HashKey accepted")
	}
}

// TestLogIDHidesTheID: the name used in logs is stable, short, and not the
// ID or a part of it.
func TestLogIDHidesTheID(t *testing.T) {
	a := newApp(t, mapKind, nil)
	c := a.login()
	var logID, anon string
	a.serve(c, func(s *Session) { logID = s.LogID() })
	a.serve(nil, func(s *Session) { anon = s.LogID() })
	if anon != "" {
		t.Errorf("anonymous LogID %q, want empty", anon)
	}
	if len(logID) != 16 || strings.Contains(c.Value, logID) || strings.Contains(logID, c.Value[:8]) {
		t.Errorf("LogID %q for ID %q", logID, c.Value)
	}
	if want := hmacHex(testManagerKey, c.Value)[:16]; logID != want {
		t.Errorf("LogID %q, want the keyed hash prefix %q", logID, want)
	}
}

// TestChecklist38_OneSessionCookiePerResponse: a response that changes the
// session twice (a logout and a new session, or two first Updates) tells the
// browser one thing, the final state, and keeps other cookies.
func TestChecklist38_OneSessionCookiePerResponse(t *testing.T) {
	tests := []struct {
		name     string
		loggedIn bool
		do       func(s *Session) error
	}{
		{"Destroy then Update", true, func(s *Session) error {
			if err := s.Destroy(); err != nil {
				return err
			}
			return s.Update(put("k", 1))
		}},
		{"two first Updates", false, func(s *Session) error {
			if err := s.Update(put("a", 1)); err != nil {
				return err
			}
			return s.Update(put("b", 2))
		}},
		{"Update then Renew", false, func(s *Session) error {
			if err := s.Update(put("a", 1)); err != nil {
				return err
			}
			return s.Renew(keepAll)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newApp(t, fileKind, nil)
			var old *http.Cookie
			if tt.loggedIn {
				old = a.login()
			}
			req := httptest.NewRequest(http.MethodGet, "https://app.example/", nil)
			if old != nil {
				req.AddCookie(old)
			}
			var finalID string
			rec := httptest.NewRecorder()
			a.mgr.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.SetCookie(w, &http.Cookie{Name: "theme", Value: "dark"})
				s := FromRequest(r)
				if err := tt.do(s); err != nil {
					t.Error(err)
				}
				finalID = s.id
			})).ServeHTTP(rec, req)

			var session []*http.Cookie
			theme := false
			for _, c := range rec.Result().Cookies() {
				switch c.Name {
				case a.mgr.CookieName():
					session = append(session, c)
				case "theme":
					theme = true
				}
			}
			if len(session) != 1 || session[0].Value != finalID || finalID == "" {
				t.Errorf("session cookies %v, want one carrying the final ID", session)
			}
			if !theme {
				t.Error("the handler's own cookie was dropped")
			}
		})
	}
}

// CookieSent tells a request without the session cookie from one whose
// cookie names nothing, or is not even an ID.
func TestCookieSent(t *testing.T) {
	a := newApp(t, mapKind, nil)
	for _, tt := range []struct {
		name   string
		cookie *http.Cookie
		sent   bool
	}{
		{"no cookie", nil, false},
		{"a malformed cookie", &http.Cookie{Name: a.mgr.CookieName(), Value: "x"}, true},
		{"a cookie that names no session", &http.Cookie{Name: a.mgr.CookieName(), Value: mustID(t)}, true},
		{"a live session", a.login(), true},
	} {
		a.serve(tt.cookie, func(s *Session) {
			if s.CookieSent() != tt.sent {
				t.Errorf("%s: CookieSent() = %v, want %v", tt.name, s.CookieSent(), tt.sent)
			}
		})
	}
}
