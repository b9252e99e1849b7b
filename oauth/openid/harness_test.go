package openid

// The test harness: an application that logs in with OpenID Connect
// through this package, as main.go wires it, against the provider of
// package oauthtest.
//
//   - The provider serves OpenID Connect on a TLS server. The app reaches
//     it through a second TLS server, the "front", which is the issuer:
//     discovery, keys, tokens, userinfo and logout all pass it. It notes
//     each access token and ID token the provider issues, and a test can
//     put a handler of its own there to make the provider answer
//     otherwise. Both servers use httptest's certificate, the only one the
//     app's HTTP client trusts.
//   - The app: a session.Manager on a FileStore in a temporary directory,
//     a Provider from Discover, an oauth.Client and an oauth.Login with
//     its OnLogin and OnLogout, all on one fake clock. ID tokens are
//     checked by package oidc's verifier against the provider's keys.
//     Requests are served in process with httptest.NewRecorder.
//   - Canaries: the client secret is SECRET-CANARY-1; the codes, states,
//     verifiers, nonces, access tokens, ID tokens and session IDs are
//     collected as they go by. Every response and log line is kept, and
//     at the end of each test the canary sweep (oauth/SECURITY.md #49,
//     #58) checks that none of them shows any of those values, but for a
//     state or nonce in the redirect to the provider, an ID token in the
//     redirect to its logout endpoint and a session ID in its cookie.

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"oauthlogin/oauth"
	"oauthlogin/oauth/oauthtest"
	"oauthlogin/session"
)

const (
	canarySecret    = "SECRET-CANARY-1"
	testClientID    = "app-client"
	appOrigin       = "https://app.example"
	testRedirectURL = appOrigin + "/oauth/callback"
	testUser        = "ada"
	testHashKey     = "test key that names sessions in files and logs"
)

// logRecord is one decoded log line.
type logRecord map[string]any

func (r logRecord) str(key string) string {
	s, _ := r[key].(string)
	return s
}

// isLoginEvent reports whether event is one that the login or this
// package logs.
func isLoginEvent(event string) bool {
	switch event {
	case "login_started", "callback_rejected", "token_exchange_failed", "user_fetch_failed",
		"identity_refused", "login_succeeded", "logout", "session_store_error",
		"session_record_too_large", "id_token_not_kept":
		return true
	}
	return false
}

// eventsSince returns the records with a login event logged since offset
// from. Every line must be one JSON object.
func (h *harness) eventsSince(t *testing.T, from int) []logRecord {
	t.Helper()
	var events []logRecord
	for line := range strings.Lines(h.logs.String()[from:]) {
		var r logRecord
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("log line is not a JSON object: %v\n%s", err, line)
		}
		if isLoginEvent(r.str("event")) {
			events = append(events, r)
		}
	}
	return events
}

type harnessOptions struct {
	// provider, when set, answers the app's requests to the provider in
	// place of the provider itself, which it gets as as.
	provider func(w http.ResponseWriter, r *http.Request, as http.Handler)

	// as changes the provider's configuration before it starts.
	as func(*oauthtest.Config)

	// options changes the Options passed to Discover.
	options func(*Options)

	// discovered changes the Provider after discovery, before it
	// configures the client: a stand-in verifier, say.
	discovered func(*Provider)
}

type harness struct {
	as       *oauthtest.Server
	front    *httptest.Server // the provider as the app sees it, and its issuer
	provider *Provider
	cfg      oauth.Config
	clock    *oauthtest.Clock
	dir      string // the session directory
	sessions *session.Manager
	app      http.Handler
	logs     *oauthtest.LogBuffer
	browser  *http.Client // for the browser's visits to the provider; follows no redirect

	mu        sync.Mutex
	responses []*response
	secrets   map[string]string // canary value → what it is
	lastID    string            // the latest ID token the provider issued
}

func newHarness(t *testing.T, opts harnessOptions) *harness {
	t.Helper()
	h := &harness{
		clock:   oauthtest.NewClock(time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)),
		dir:     filepath.Join(t.TempDir(), "sessions"),
		logs:    &oauthtest.LogBuffer{},
		secrets: map[string]string{canarySecret: "the client secret"},
	}
	// The front starts first, so that the provider can name it as its
	// issuer; it passes nothing on before h.as is set.
	h.front = httptest.NewTLSServer(h.tap(opts.provider))
	asConfig := oauthtest.Config{
		ClientID:     testClientID,
		ClientSecret: canarySecret,
		RedirectURL:  testRedirectURL,
		OpenID:       true,
		Issuer:       h.front.URL,
		AutoApprove:  testUser,
		Now:          h.clock.Now,
	}
	if opts.as != nil {
		opts.as(&asConfig)
	}
	h.as = oauthtest.NewTLSServer(asConfig)
	// Cleanups run last first: the servers close, then the sweep runs.
	t.Cleanup(func() {
		for _, leak := range h.leaks() {
			t.Errorf("canary sweep (oauth/SECURITY.md #49, #58): %s", leak)
		}
	})
	t.Cleanup(func() {
		h.front.Close()
		h.as.Close()
	})

	logger := slog.New(slog.NewJSONHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	store, err := session.NewFileStore(h.dir, []byte(testHashKey), h.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	h.sessions, err = session.NewManager(store, session.Options{HashKey: []byte(testHashKey), Now: h.clock.Now, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}

	httpClient := h.as.HTTP.Client()
	discoverOpts := Options{ClientID: testClientID, Logger: logger, Now: h.clock.Now}
	if opts.options != nil {
		opts.options(&discoverOpts)
	}
	h.provider, err = Discover(context.Background(), httpClient, h.front.URL, discoverOpts)
	if err != nil {
		t.Fatal(err)
	}
	if opts.discovered != nil {
		opts.discovered(h.provider)
	}
	h.cfg = oauth.Config{
		ClientID:     testClientID,
		ClientSecret: canarySecret,
		RedirectURL:  testRedirectURL,
		Scope:        "openid profile email",
	}
	h.provider.Configure(&h.cfg)
	login := oauth.NewLogin(oauth.NewClient(h.cfg, httpClient), writeFailure, oauth.LoginOptions{
		Logger:   logger,
		Now:      h.clock.Now,
		OnLogin:  h.provider.OnLogin,
		OnLogout: h.provider.OnLogout,
	})

	browser := *httpClient
	browser.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	h.browser = &browser

	protected := h.sessions.Middleware(login.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := oauth.UserFromRequest(r)
		io.WriteString(w, "hello "+u.Username)
	})))
	mux := http.NewServeMux()
	mux.Handle("GET /private", protected)
	mux.Handle("GET /oauth/callback", h.sessions.Middleware(http.HandlerFunc(login.Callback)))
	mux.Handle("POST /logout", http.NewCrossOriginProtection().Handler(h.sessions.Middleware(http.HandlerFunc(login.Logout))))
	h.app = mux
	return h
}

// writeFailure is the app's failure page: the status, a title and a message.
func writeFailure(w http.ResponseWriter, _ *http.Request, f oauth.Failure) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(f.Status)
	fmt.Fprintf(w, "%s\n%s\n", f.Title, f.Message)
}

// rewrite makes a harnessOptions.provider that passes requests for path
// to the provider and hands its answer, decoded, to edit, which changes
// it; every other request goes to the provider as it is. It panics if
// the answer is not a JSON object.
func rewrite(path string, edit func(body map[string]any)) func(http.ResponseWriter, *http.Request, http.Handler) {
	return func(w http.ResponseWriter, r *http.Request, as http.Handler) {
		if r.URL.Path != path {
			as.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		as.ServeHTTP(rec, r)
		var body map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			panic(fmt.Sprintf("the provider's answer at %s is not JSON: %s", path, rec.Body))
		}
		edit(body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rec.Code)
		json.NewEncoder(w).Encode(body)
	}
}

// tap passes a request to the provider, or to override, and notes the
// access token and ID token of a token response.
func (h *harness) tap(override func(http.ResponseWriter, *http.Request, http.Handler)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tw := &teeWriter{ResponseWriter: w}
		if override != nil {
			override(tw, r, h.as.Provider)
		} else {
			h.as.Provider.ServeHTTP(tw, r)
		}
		if r.URL.Path != "/token" {
			return
		}
		var body struct {
			AccessToken string `json:"access_token"`
			IDToken     string `json:"id_token"`
		}
		if json.Unmarshal(tw.body.Bytes(), &body) != nil {
			return
		}
		h.note("an access token", body.AccessToken)
		if body.IDToken != "" {
			h.note("an ID token", body.IDToken)
			h.mu.Lock()
			h.lastID = body.IDToken
			h.mu.Unlock()
		}
	})
}

// teeWriter keeps a copy of a response body.
type teeWriter struct {
	http.ResponseWriter
	body bytes.Buffer
}

func (w *teeWriter) Write(p []byte) (int, error) {
	w.body.Write(p)
	return w.ResponseWriter.Write(p)
}

// note adds value to the canaries, as kind.
func (h *harness) note(kind, value string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	// Values the tests make up are not secrets; real ones are 43
	// characters or more.
	if len(value) >= 16 {
		h.secrets[value] = kind
	}
}

// lastIDToken is the latest ID token the provider issued, "" for none.
func (h *harness) lastIDToken() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lastID
}

// response is one response of the app, as the browser got it.
type response struct {
	Status int
	Header http.Header
	Body   string
}

func (r *response) location(t *testing.T) *url.URL {
	t.Helper()
	u, err := url.Parse(r.Header.Get("Location"))
	if err != nil {
		t.Fatalf("Location %q: %v", r.Header.Get("Location"), err)
	}
	return u
}

func (r *response) String() string {
	return fmt.Sprintf("HTTP %d, Location %q, body %q", r.Status, r.Header.Get("Location"), r.Body)
}

// browser is one web browser: it keeps the session cookie the app sets.
type browser struct {
	h      *harness
	cookie string // the session cookie's value; "" for none
}

func (h *harness) newBrowser() *browser { return &browser{h: h} }

// do sends a request for target (a path, or an absolute URL) to the app
// with the browser's cookie, and keeps the response for the canary sweep.
// edit, if not nil, changes the request before it goes.
func (b *browser) do(method, target string, edit func(*http.Request)) *response {
	if strings.HasPrefix(target, "/") {
		target = appOrigin + target
	}
	r := httptest.NewRequest(method, target, nil)
	if b.cookie != "" {
		r.AddCookie(&http.Cookie{Name: b.h.sessions.CookieName(), Value: b.cookie})
	}
	if edit != nil {
		edit(r)
	}
	rec := httptest.NewRecorder()
	b.h.app.ServeHTTP(rec, r)
	resp := &response{Status: rec.Code, Header: rec.Result().Header, Body: rec.Body.String()}
	b.h.mu.Lock()
	b.h.responses = append(b.h.responses, resp)
	b.h.mu.Unlock()
	for _, line := range resp.Header.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err != nil || c.Name != b.h.sessions.CookieName() {
			continue
		}
		if c.MaxAge < 0 {
			b.cookie = ""
		} else {
			b.cookie = c.Value
			b.h.note("a session ID", c.Value)
		}
	}
	// The pending logins' secrets must not leak either.
	if rec, ok := b.h.readRecord(b.cookie); ok {
		for _, p := range rec.Values.Pending {
			b.h.note("a state", p.State)
			b.h.note("a PKCE verifier", p.Verifier)
			b.h.note("a nonce", p.Nonce)
		}
	}
	return resp
}

func (b *browser) get(target string) *response { return b.do(http.MethodGet, target, nil) }

// sameOrigin marks a request as a browser's same-origin form post.
func sameOrigin(r *http.Request) {
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	r.Header.Set("Origin", appOrigin)
}

// logout posts the logout form.
func (b *browser) logout() *response { return b.do(http.MethodPost, "/logout", sameOrigin) }

// startLogin opens target and expects to be sent to the provider. It
// returns the authorization URL.
func (b *browser) startLogin(t *testing.T, target string) *url.URL {
	t.Helper()
	resp := b.get(target)
	authURL := resp.location(t)
	if resp.Status != http.StatusFound || !strings.HasPrefix(authURL.String(), b.h.cfg.AuthorizeURL+"?") {
		t.Fatalf("GET %s: %v; want a 302 to the provider", target, resp)
	}
	return authURL
}

// approve takes the browser to the provider's authorization URL, where
// "ada" approves at once, and returns the callback URL the provider sends
// it back to.
func (h *harness) approve(t *testing.T, authURL *url.URL) string {
	t.Helper()
	resp, err := h.browser.Get(authURL.String())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	callback := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(callback, testRedirectURL+"?") {
		t.Fatalf("provider: HTTP %d, Location %q, body %q; want a 303 to the callback", resp.StatusCode, callback, body)
	}
	u, err := url.Parse(callback)
	if err != nil {
		t.Fatal(err)
	}
	h.note("a code", u.Query().Get("code"))
	return callback
}

// login runs the whole login from target and expects the callback to
// succeed with a 303.
func (b *browser) login(t *testing.T, target string) {
	t.Helper()
	callback := b.h.approve(t, b.startLogin(t, target))
	if resp := b.get(callback); resp.Status != http.StatusSeeOther {
		t.Fatalf("callback: %v; want a 303", resp)
	}
}

// assertAnonymous checks that a browser with cookie ("" for none) is not
// logged in: GET /private sends it to the provider.
func (h *harness) assertAnonymous(t *testing.T, cookie string) {
	t.Helper()
	resp := (&browser{h: h, cookie: cookie}).get("/private")
	if resp.Status != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), h.cfg.AuthorizeURL+"?") {
		t.Errorf("GET /private with cookie %q: %v; want anonymous, a 302 to the provider", cookie, resp)
	}
}

// assertLoggedIn checks that cookie is ada's session.
func (h *harness) assertLoggedIn(t *testing.T, cookie string) {
	t.Helper()
	resp := (&browser{h: h, cookie: cookie}).get("/private")
	if resp.Status != http.StatusOK || resp.Body != "hello "+testUser {
		t.Errorf("GET /private: %v; want 200 hello %s", resp, testUser)
	}
}

// assertRefused checks what a refused callback must leave behind: no
// token request, exactly one log record since mark that names reason, and
// the browser's cookie still anonymous (oauth/SECURITY.md #8, #57).
func (h *harness) assertRefused(t *testing.T, mark int, reason, cookie string) {
	t.Helper()
	if n := h.as.TokenCalls(); n != 0 {
		t.Errorf("%d token calls, want 0", n)
	}
	if events := h.eventsSince(t, mark); len(events) != 1 || events[0].str("reason") != reason {
		t.Errorf("logged %v, want one record with reason %s", events, reason)
	}
	h.assertAnonymous(t, cookie)
}

// testRecord is a session file as the login leaves it.
type testRecord struct {
	Values struct {
		Pending []struct {
			State    string `json:"state"`
			Verifier string `json:"verifier"`
			Nonce    string `json:"nonce"`
		} `json:"oauth_pending"`
		User    *oauth.User `json:"user"`
		IDToken string      `json:"id_token"`
	} `json:"values"`
}

// sessionFileName is the name of session id's file: the HMAC-SHA-256 of
// the ID under the test key, in hex (see package session).
func sessionFileName(id string) string {
	mac := hmac.New(sha256.New, []byte(testHashKey))
	mac.Write([]byte(id))
	return hex.EncodeToString(mac.Sum(nil))
}

// recordPath is the file of session id.
func (h *harness) recordPath(id string) string { return filepath.Join(h.dir, sessionFileName(id)) }

// readRecord reads the session file of id, and reports whether there is one.
func (h *harness) readRecord(id string) (testRecord, bool) {
	var rec testRecord
	if id == "" {
		return rec, false
	}
	b, err := os.ReadFile(h.recordPath(id))
	if errors.Is(err, fs.ErrNotExist) {
		return rec, false
	}
	if err != nil {
		panic(err) // a test directory that cannot be read: nothing to test
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		panic(fmt.Sprintf("session file: %v: %s", err, b))
	}
	return rec, true
}

// leaks runs the canary sweep: no log line and no response may hold a
// canary, except for a state or nonce in the redirect to the provider, an
// ID token in the redirect to the provider's logout endpoint, and a
// session ID as the value of the session cookie.
func (h *harness) leaks() []string {
	// The provider saw them all: whatever the app sent it is a canary.
	for _, req := range h.as.TokenRequests() {
		h.note("a code", req.Form.Get("code"))
		h.note("a PKCE verifier", req.Form.Get("code_verifier"))
	}
	for _, req := range h.as.UserinfoRequests() {
		_, token, _ := strings.Cut(req.Header.Get("Authorization"), " ")
		h.note("an access token", token)
	}
	logs := h.logs.String()
	h.mu.Lock()
	defer h.mu.Unlock()
	var found []string
	for value, kind := range h.secrets {
		if strings.Contains(logs, value) {
			found = append(found, kind+" is in the log")
		}
		for _, resp := range h.responses {
			if strings.Contains(resp.Body, value) && !h.redirectNote(resp, kind) {
				found = append(found, fmt.Sprintf("%s is in the body of %v", kind, resp))
			}
			for name, lines := range resp.Header {
				for _, line := range lines {
					if strings.Contains(line, value) && !h.allowedIn(name, line, value, kind) {
						found = append(found, fmt.Sprintf("%s is in the header %s: %s", kind, name, line))
					}
				}
			}
		}
	}
	slices.Sort(found)
	if len(found) > 10 {
		found = append(found[:10], fmt.Sprintf("and %d more", len(found)-10))
	}
	return found
}

// redirectNote reports whether resp is a redirect that may carry a canary
// of kind, with the short HTML note that http.Redirect writes, which
// repeats the Location.
func (h *harness) redirectNote(resp *response, kind string) bool {
	loc := resp.Header.Get("Location")
	return h.allowedIn("Location", loc, "", kind) &&
		resp.Body == "<a href=\""+html.EscapeString(loc)+"\">"+http.StatusText(resp.Status)+"</a>.\n\n"
}

func (h *harness) allowedIn(header, line, value, kind string) bool {
	switch {
	case (kind == "a state" || kind == "a nonce") && header == "Location":
		return strings.HasPrefix(line, h.cfg.AuthorizeURL+"?")
	case kind == "an ID token" && header == "Location":
		end := h.provider.EndSessionURL()
		return end != "" && strings.HasPrefix(line, end+"?")
	case kind == "a session ID" && header == "Set-Cookie":
		c, err := http.ParseSetCookie(line)
		return err == nil && c.Name == h.sessions.CookieName() && c.Value == value
	}
	return false
}
