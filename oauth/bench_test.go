package oauth_test

// Benchmarks of the two paths every visitor pays for (issue 5): a page view
// by a logged-in user, and a whole login against a provider on loopback.
//
//	go test -run '^$' -bench . -benchmem ./oauth/
//
// The stack is built the way main.go builds it: session.Manager.Middleware
// → Login.Require → a home page from html/template, shaped like the app's
// (package templates is the app's, and a copy of oauth/ goes without it;
// oauth/e2e measures the real pages). Request logging
// and the security headers are left out, as they are the same for every
// page. The page-view benchmarks call the handler directly, so they measure
// the handler's own time and allocations; oauth/e2e's TestPerformanceReport
// measures the same pages over loopback.

import (
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"oauthlogin/oauth"
	"oauthlogin/oauth/oauthtest"
	"oauthlogin/session"
)

// homePage stands for the app's home page: a layout, three escaped values
// and a form.
var homePage = template.Must(template.New("home").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Hello, {{.Username}}</title></head>
<body><main><h1>Hello, {{.Username}}</h1>
<dl><dt>Name</dt><dd>{{.Name}}</dd><dt>E-mail</dt><dd>{{.Email}}</dd></dl>
<form method="post" action="/logout"><button type="submit">Log out</button></form>
</main></body></html>`))

// countingStore counts the calls that reach the session store.
type countingStore struct {
	session.Store
	loads, saves, deletes atomic.Int64
}

func (s *countingStore) Load(id string) ([]byte, bool, error) {
	s.loads.Add(1)
	return s.Store.Load(id)
}

func (s *countingStore) Save(id string, rec []byte, expiry time.Time) error {
	s.saves.Add(1)
	return s.Store.Save(id, rec, expiry)
}

func (s *countingStore) Delete(id string) error {
	s.deletes.Add(1)
	return s.Store.Delete(id)
}

// benchStack is the application on loopback with an oauthtest provider that
// approves at once.
type benchStack struct {
	provider *oauthtest.Server
	server   *httptest.Server
	app      http.Handler // GET / (protected home) and GET /oauth/callback
	bare     http.Handler // the same home page for a fixed user, no session
	store    *countingStore
}

func newBenchStack(b *testing.B) *benchStack {
	b.Helper()
	secret := []byte("bench key that names sessions, at least 32 bytes")
	files, err := session.NewFileStore(filepath.Join(b.TempDir(), "sessions"), secret, nil)
	if err != nil {
		b.Fatal(err)
	}
	s := &benchStack{store: &countingStore{Store: files}}
	s.server = httptest.NewUnstartedServer(nil)
	redirectURL := "http://" + s.server.Listener.Addr().String() + "/oauth/callback"
	s.provider = oauthtest.NewServer(oauthtest.Config{
		ClientID: "bench-client", ClientSecret: "bench-secret", RedirectURL: redirectURL, AutoApprove: "ada",
	})
	b.Cleanup(s.provider.Close)

	showError := func(w http.ResponseWriter, _ *http.Request, f oauth.Failure) {
		http.Error(w, f.Title, f.Status)
	}
	logger := slog.New(slog.DiscardHandler)
	sessions, err := session.NewManager(s.store, session.Options{HashKey: secret, Logger: logger})
	if err != nil {
		b.Fatal(err)
	}
	client := oauth.NewClient(oauth.Config{
		ClientID: "bench-client", ClientSecret: "bench-secret",
		AuthorizeURL: s.provider.AuthorizeURL(), TokenURL: s.provider.TokenURL(), UserURL: s.provider.UserURL(),
		RedirectURL: redirectURL, Scope: "read",
	}, nil)
	login := oauth.NewLogin(client, showError, oauth.LoginOptions{Logger: logger})
	home := func(w http.ResponseWriter, r *http.Request) {
		u, _ := oauth.UserFromRequest(r)
		homePage.Execute(w, u)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", sessions.Middleware(login.Require(http.HandlerFunc(home))))
	mux.Handle("GET /oauth/callback", sessions.Middleware(http.HandlerFunc(login.Callback)))
	s.app = mux
	s.bare = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		homePage.Execute(w, oauth.User{Username: "ada", Name: "Ada (dev)", Email: "ada@example.test"})
	})

	s.server.Config.Handler = s.app
	s.server.Start()
	b.Cleanup(s.server.Close)
	return s
}

// login logs a new visitor in, following every redirect, and returns the
// session cookie it ends with.
func (s *benchStack) login(b *testing.B, transport http.RoundTripper) *http.Cookie {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Transport: transport}
	resp, err := c.Get(s.server.URL + "/")
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body) // so that the connection is kept alive
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/" {
		b.Fatalf("login ended at %s with HTTP %d", resp.Request.URL, resp.StatusCode)
	}
	for _, c := range jar.Cookies(resp.Request.URL) {
		if c.Name == "__Host-session" {
			return c
		}
	}
	b.Fatal("no session cookie after the login")
	return nil
}

// discardWriter is the cheapest http.ResponseWriter, so that the benchmarks
// count the handler's work only.
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header    { return w.h }
func (w *discardWriter) WriteHeader(status int) { w.status = status }

// Write without WriteHeader means 200, as with net/http's own writer.
func (w *discardWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return len(p), nil
}

func benchPage(b *testing.B, h http.Handler, cookie *http.Cookie) {
	req := httptest.NewRequest(http.MethodGet, "http://app.example/", nil)
	req.AddCookie(cookie)
	w := &discardWriter{h: make(http.Header)}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		w.status = 0
		h.ServeHTTP(w, req)
		if w.status != http.StatusOK {
			b.Fatalf("HTTP %d", w.status)
		}
	}
}

// BenchmarkPageView is the home page of a logged-in user: bare is the page
// rendered for a fixed user with no session at all, session is the
// application's stack (cookie → session file → user → page).
func BenchmarkPageView(b *testing.B) {
	s := newBenchStack(b)
	cookie := s.login(b, nil)
	b.Run("bare", func(b *testing.B) { benchPage(b, s.bare, cookie) })
	b.Run("session", func(b *testing.B) {
		saves, deletes := s.store.saves.Load(), s.store.deletes.Load()
		benchPage(b, s.app, cookie)
		if s.store.saves.Load() != saves || s.store.deletes.Load() != deletes {
			b.Errorf("page views wrote to the store")
		}
	})
}

// BenchmarkLogin is the whole login, GET / → authorize → callback → token →
// user → home, by 8 visitors at once, each with a new cookie jar per login.
// It reports logins/s, the p50 and p99 of one login, and the session-store
// writes and removals per login.
func BenchmarkLogin(b *testing.B) {
	s := newBenchStack(b)
	transport := &http.Transport{MaxIdleConnsPerHost: 64}
	defer transport.CloseIdleConnections()
	s.login(b, transport) // warm the connections

	// Eight visitors, each logging in again and again until b.N logins
	// are done between them.
	const visitors = 8
	took := make([]time.Duration, b.N)
	var next atomic.Int64
	var wg sync.WaitGroup
	saves, deletes := s.store.saves.Load(), s.store.deletes.Load()
	start := time.Now()
	b.ResetTimer()
	for range visitors {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(b.N); i = next.Add(1) - 1 {
				t0 := time.Now()
				s.login(b, transport)
				took[i] = time.Since(t0)
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	elapsed := time.Since(start)
	slices.Sort(took)
	n := float64(len(took))
	b.ReportMetric(n/elapsed.Seconds(), "logins/s")
	b.ReportMetric(float64(took[len(took)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds()), "p99-µs")
	b.ReportMetric(float64(s.store.saves.Load()-saves)/n, "writes/login")
	b.ReportMetric(float64(s.store.deletes.Load()-deletes)/n, "removals/login")
}
