package access

// A small application for the tests that go through the login: a
// session.Manager on a FileStore in a directory, an oauth.Login whose
// Admit is the Rules under test, and the provider of package oauthtest,
// whose sign-in form lets each test choose the person's address and
// groups. The provider's /user speaks OpenID Connect's claim names, so the
// rules read it as UserInfo. The app's requests are served in process;
// the app reaches the provider over loopback. An app can be started again
// on the same directory with other rules, as a restart would.

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"oauthlogin/oauth"
	"oauthlogin/oauth/oauthtest"
	"oauthlogin/session"
)

const (
	appOrigin   = "https://app.example"
	callbackURL = appOrigin + "/oauth/callback"
)

var testKey = []byte("test key that names sessions in files and logs")

// provider is the oauthtest provider behind a front server that notes
// the access tokens it issues, for the tests to look for where they must
// never be.
type provider struct {
	as    *oauthtest.Provider
	front *httptest.Server

	mu     sync.Mutex
	tokens []string
}

// newProvider starts a provider that shows its sign-in form.
func newProvider(t *testing.T) *provider {
	t.Helper()
	p := &provider{}
	p.front = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/token" {
			p.as.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		p.as.ServeHTTP(rec, r)
		var token struct {
			AccessToken string `json:"access_token"`
		}
		if json.Unmarshal(rec.Body.Bytes(), &token) == nil && token.AccessToken != "" {
			p.mu.Lock()
			p.tokens = append(p.tokens, token.AccessToken)
			p.mu.Unlock()
		}
		maps.Copy(w.Header(), rec.Header())
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	}))
	t.Cleanup(p.front.Close)
	p.as = oauthtest.New(oauthtest.Config{ClientID: "app", ClientSecret: "secret", RedirectURL: callbackURL})
	return p
}

// issuedTokens are the access tokens the provider has issued so far.
func (p *provider) issuedTokens() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.tokens)
}

type testApp struct {
	provider *provider
	sessions *session.Manager
	logs     *oauthtest.LogBuffer
	app      http.Handler
}

// startApp starts an app that logs in at provider, keeps its sessions in
// dir, and admits whom cfg says; cfg's Issuer is filled in, and its Facts
// when nil. Without any list in cfg it has no rules, as main.go does then.
func startApp(t *testing.T, provider *provider, dir string, cfg Config) *testApp {
	t.Helper()
	a := &testApp{provider: provider, logs: &oauthtest.LogBuffer{}}
	logger := slog.New(slog.NewJSONHandler(a.logs, nil))
	store, err := session.NewFileStore(dir, testKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.sessions, err = session.NewManager(store, session.Options{HashKey: testKey, Logger: logger}); err != nil {
		t.Fatal(err)
	}
	client := oauth.NewClient(oauth.Config{
		ClientID:     "app",
		ClientSecret: "secret",
		AuthorizeURL: provider.front.URL + "/authorize",
		TokenURL:     provider.front.URL + "/token",
		UserURL:      provider.front.URL + "/user",
		RedirectURL:  callbackURL,
	}, provider.front.Client())
	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := oauth.UserFromRequest(r)
		io.WriteString(w, "hello "+u.Username)
	})
	opts := oauth.LoginOptions{Logger: logger}
	var rules *Rules
	if len(cfg.Users)+len(cfg.EmailDomains)+len(cfg.Groups) > 0 {
		cfg.Issuer, cfg.Logger = client.IssuerName(), logger
		if cfg.Facts == nil {
			cfg.Facts = Claims{UserinfoURL: provider.front.URL + "/user"}
		}
		if rules, err = New(cfg); err != nil {
			t.Fatal(err)
		}
		opts.Admit = rules.Admit
	}
	login := oauth.NewLogin(client, writeFailure, opts)
	protected := login.Require(hello)
	if rules != nil {
		protected = rules.Require(login, hello)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /private", a.sessions.Middleware(protected))
	mux.Handle("GET /oauth/callback", a.sessions.Middleware(http.HandlerFunc(login.Callback)))
	a.app = mux
	return a
}

// writeFailure is the app's failure page: the status, a title, a message,
// and the account the provider logged in, when a rule refused it.
func writeFailure(w http.ResponseWriter, _ *http.Request, f oauth.Failure) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(f.Status)
	fmt.Fprintf(w, "%s\n%s\n", f.Title, f.Message)
	if f.User != nil {
		fmt.Fprintf(w, "account %s at %s, id %s\n", f.User.Username, f.User.Issuer, f.User.Subject)
	}
}

// response is one answer of the app.
type response struct {
	Status int
	Header http.Header
	Body   string
}

func (r *response) String() string {
	return fmt.Sprintf("HTTP %d to %q: %s", r.Status, r.Header.Get("Location"), r.Body)
}

// browser is one visitor's browser: it keeps the session cookie.
type browser struct {
	app    *testApp
	cookie string
}

func (a *testApp) newBrowser() *browser { return &browser{app: a} }

func (b *browser) get(target string) *response {
	if strings.HasPrefix(target, "/") {
		target = appOrigin + target
	}
	r := httptest.NewRequest(http.MethodGet, target, nil)
	if b.cookie != "" {
		r.AddCookie(&http.Cookie{Name: b.app.sessions.CookieName(), Value: b.cookie})
	}
	rec := httptest.NewRecorder()
	b.app.app.ServeHTTP(rec, r)
	resp := &response{Status: rec.Code, Header: rec.Result().Header, Body: rec.Body.String()}
	for _, line := range resp.Header.Values("Set-Cookie") {
		if c, err := http.ParseSetCookie(line); err == nil && c.Name == b.app.sessions.CookieName() {
			b.cookie = c.Value
			if c.MaxAge < 0 {
				b.cookie = ""
			}
		}
	}
	return resp
}

var hiddenField = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)

// signIn opens the protected page, signs in at the provider as user with
// choices (the sign-in form's email, email_unverified and groups), and
// returns the callback's answer.
func (b *browser) signIn(t *testing.T, user string, choices url.Values) *response {
	t.Helper()
	start := b.get("/private")
	if start.Status != http.StatusFound {
		t.Fatalf("GET /private: %v; want a 302 to the provider", start)
	}
	noRedirects := *b.app.provider.front.Client()
	noRedirects.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	page, err := noRedirects.Get(start.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(page.Body)
	page.Body.Close()
	form := url.Values{}
	for _, m := range hiddenField.FindAllStringSubmatch(string(body), -1) {
		form.Set(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	for name, values := range choices {
		form[name] = values
	}
	form.Set("username", user)
	form.Set("action", "approve")
	answer, err := noRedirects.PostForm(b.app.provider.front.URL+"/authorize", form)
	if err != nil {
		t.Fatal(err)
	}
	answer.Body.Close()
	back := answer.Header.Get("Location")
	if answer.StatusCode != http.StatusSeeOther || !strings.HasPrefix(back, callbackURL+"?") {
		t.Fatalf("provider: HTTP %d to %q; want a 303 to the callback", answer.StatusCode, back)
	}
	return b.get(back)
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

// sessionDir is a fresh directory for an app's sessions.
func sessionDir(t *testing.T) string {
	return filepath.Join(t.TempDir(), "sessions")
}
