package limit

// A small application for the tests that go through the login: a
// session.Manager on a FileStore in a temporary directory, an oauth.Login
// with the Limits under test, and the provider of package oauthtest, all
// on one fake clock. The app's requests are served in process; the app
// reaches the provider over loopback.

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"oauthlogin/oauth"
	"oauthlogin/oauth/oauthtest"
	"oauthlogin/session"
)

const (
	appOrigin   = "https://app.example"
	callbackURL = appOrigin + "/oauth/callback"
	// sweepInterval is the sweep interval the tests' windows allow for;
	// they run the sweep themselves before counting records.
	sweepInterval = 5 * time.Minute
)

var testKey = []byte("test key that names sessions in files and logs")

type testApp struct {
	clock    *oauthtest.Clock
	dir      string
	store    *session.FileStore
	sessions *session.Manager
	provider *oauthtest.Server
	logs     *oauthtest.LogBuffer
	app      http.Handler

	// beforeStart and beforeCallback, when set, run in a request to
	// GET /private or to the callback once its session is loaded and
	// before the login looks at it, so that a test can hold a request
	// there while others go on. Set them while no request is served.
	beforeStart, beforeCallback func(r *http.Request)
}

// newTestApp starts an app whose Limits have the bounds rate and pending,
// either of which may be nil.
func newTestApp(t *testing.T, rate *RateLimit, pending *PendingLimit) *testApp {
	t.Helper()
	a := &testApp{
		clock: oauthtest.NewClock(time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)),
		dir:   filepath.Join(t.TempDir(), "sessions"),
		logs:  &oauthtest.LogBuffer{},
	}
	a.provider = oauthtest.NewServer(oauthtest.Config{
		ClientID:     "app",
		ClientSecret: "secret",
		RedirectURL:  callbackURL,
		AutoApprove:  "ada",
		Now:          a.clock.Now,
	})
	t.Cleanup(a.provider.Close)

	logger := slog.New(slog.NewJSONHandler(a.logs, nil))
	var err error
	a.store, err = session.NewFileStore(a.dir, testKey, a.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	a.sessions, err = session.NewManager(a.store, session.Options{HashKey: testKey, Now: a.clock.Now, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	client := oauth.NewClient(oauth.Config{
		ClientID:     "app",
		ClientSecret: "secret",
		AuthorizeURL: a.provider.AuthorizeURL(),
		TokenURL:     a.provider.TokenURL(),
		UserURL:      a.provider.UserURL(),
		RedirectURL:  callbackURL,
	}, a.provider.HTTP.Client())
	limits := &Limits{Rate: rate, Pending: pending, Now: a.clock.Now, Logger: logger}
	login := oauth.NewLogin(client, writeFailure, oauth.LoginOptions{Logger: logger, Now: a.clock.Now, Limit: limits})

	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := oauth.UserFromRequest(r)
		io.WriteString(w, "hello "+u.Username)
	})
	held := func(hook *func(*http.Request), next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if *hook != nil {
				(*hook)(r)
			}
			next.ServeHTTP(w, r)
		})
	}
	signedOut := func(w http.ResponseWriter, _ *http.Request, _ *oauth.User) { io.WriteString(w, "signed out") }
	mux := http.NewServeMux()
	mux.Handle("GET /private", a.sessions.Middleware(held(&a.beforeStart, login.Require(hello))))
	mux.Handle("GET /oauth/callback", a.sessions.Middleware(held(&a.beforeCallback, http.HandlerFunc(login.Callback))))
	mux.Handle("GET "+oauth.SignedOutPath, a.sessions.Middleware(login.SignedOut(signedOut)))
	a.app = mux
	return a
}

func writeFailure(w http.ResponseWriter, _ *http.Request, f oauth.Failure) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(f.Status)
	io.WriteString(w, f.Title+"\n"+f.Message+"\n")
}

// response is one answer of the app.
type response struct {
	Status int
	Header http.Header
	Body   string
}

func (r *response) String() string {
	return r.Header.Get("Location") + " " + http.StatusText(r.Status) + ": " + r.Body
}

// state is the state of the redirect to the provider, "" for none.
func (r *response) state() string {
	if r.Status != http.StatusFound {
		return ""
	}
	u, err := url.Parse(r.Header.Get("Location"))
	if err != nil {
		return ""
	}
	return u.Query().Get("state")
}

// cookie is the session cookie that r sets: its value, "" when r ends
// the session, and set false when r leaves the cookie alone.
func (a *testApp) cookie(r *response) (value string, set bool) {
	for _, line := range r.Header.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err != nil || c.Name != a.sessions.CookieName() {
			continue
		}
		if c.MaxAge < 0 {
			return "", true
		}
		return c.Value, true
	}
	return "", false
}

// cookieOf is the session cookie that r carries, "" for none.
func (a *testApp) cookieOf(r *http.Request) string {
	c, err := r.Cookie(a.sessions.CookieName())
	if err != nil {
		return ""
	}
	return c.Value
}

// do sends a GET for target (a path, or a URL of the app) with the
// session cookie, "" for none, from the client address remote.
func (a *testApp) do(target, cookie, remote string) *response {
	if strings.HasPrefix(target, "/") {
		target = appOrigin + target
	}
	r := httptest.NewRequest(http.MethodGet, target, nil)
	r.RemoteAddr = remote
	if cookie != "" {
		r.AddCookie(&http.Cookie{Name: a.sessions.CookieName(), Value: cookie})
	}
	rec := httptest.NewRecorder()
	a.app.ServeHTTP(rec, r)
	return &response{Status: rec.Code, Header: rec.Result().Header, Body: rec.Body.String()}
}

// browser is one visitor's browser: it keeps the session cookie.
type browser struct {
	app    *testApp
	cookie string
	remote string
}

func (a *testApp) newBrowser() *browser {
	return &browser{app: a, remote: "192.0.2.1:1234"}
}

func (b *browser) get(target string) *response {
	resp := b.app.do(target, b.cookie, b.remote)
	if value, set := b.app.cookie(resp); set {
		b.cookie = value
	}
	return resp
}

// startLogin opens a protected page and expects the redirect to the
// provider; it returns the state.
func (b *browser) startLogin(t *testing.T) string {
	t.Helper()
	resp := b.get("/private")
	if resp.Status != http.StatusFound || resp.state() == "" {
		t.Fatalf("GET /private: %v; want a 302 to the provider", resp)
	}
	return resp.state()
}

// approve takes the redirect to the provider, where ada approves at once,
// and returns the callback URL the provider sends the browser back to.
func (a *testApp) approve(t *testing.T, toProvider *response) string {
	t.Helper()
	at := httptest.NewRecorder()
	a.provider.Provider.ServeHTTP(at, httptest.NewRequest(http.MethodGet, toProvider.Header.Get("Location"), nil))
	callback := at.Header().Get("Location")
	if at.Code != http.StatusSeeOther || !strings.HasPrefix(callback, callbackURL+"?") {
		t.Fatalf("provider: HTTP %d to %q; want a 303 to the callback", at.Code, callback)
	}
	return callback
}

// login logs the browser in, all the way.
func (b *browser) login(t *testing.T) {
	t.Helper()
	resp := b.get("/private")
	if resp.Status != http.StatusFound {
		t.Fatalf("GET /private: %v; want a 302 to the provider", resp)
	}
	if back := b.get(b.app.approve(t, resp)); back.Status != http.StatusSeeOther {
		t.Fatalf("callback: %v; want a 303", back)
	}
	if page := b.get("/private"); page.Body != "hello ada" {
		t.Fatalf("GET /private after the login: %v", page)
	}
}

// cancelURL is the callback of a login that the visitor cancelled at the
// provider (RFC 6749 §4.1.2.1).
func cancelURL(state string) string {
	return callbackURL + "?error=access_denied&state=" + url.QueryEscape(state)
}

// records runs the sweep, as the app's sweeper would, and counts the
// session records left.
func (a *testApp) records(t *testing.T) int {
	t.Helper()
	if _, err := a.store.Sweep(); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(a.dir)
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

// events returns the log records whose event is event.
func (a *testApp) events(t *testing.T, event string) []map[string]any {
	t.Helper()
	var found []map[string]any
	for line := range strings.Lines(a.logs.String()) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %v: %s", err, line)
		}
		if rec["event"] == event {
			found = append(found, rec)
		}
	}
	return found
}
