package oauth

// The test harness behind the TestChecklist tests (oauth/SECURITY.md):
//
//   - AS: the provider of package oauthtest on a TLS server, approving at
//     once as "ada". The app reaches it through a second TLS server, the
//     "front", which passes every request on and notes each access token the
//     provider issues; a test can put its own handler there to make the
//     provider misbehave in ways oauthtest does not offer. Both servers use
//     httptest's certificate, the only one the app's HTTP client trusts.
//   - app: a session.Manager on a FileStore in a temporary directory, a
//     Client and a Login, wired as main.go wires them, all on one fake
//     clock. Requests are served in process with httptest.NewRecorder.
//   - OpenID Connect (harnessOptions.openID): the provider serves it with
//     the front's URL as its issuer, so discovery, userinfo and logout all
//     pass the front too, and the app's Config is built from discovery as
//     main.go builds it, with a stand-in for oidc's verifier (discover).
//   - Canaries: the client secret is SECRET-CANARY-1; the codes, states,
//     verifiers, nonces, tokens, ID tokens and session IDs are random and
//     collected as they go by. Every response the app gives and every log
//     line it writes is kept, and at the end of each test the canary sweep
//     (#49, #58) checks that none of them shows any of those values.

import (
	"bytes"
	"cmp"
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
	"maps"
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

	"oauthlogin/oauth/oauthtest"
	"oauthlogin/session"
)

const (
	canarySecret    = "SECRET-CANARY-1"
	testClientID    = "app-client"
	appOrigin       = "https://app.example"
	testRedirectURL = appOrigin + "/oauth/callback"
	testUser        = "ada"
	testScope       = "read:user"
)

var testHashKey = []byte("test key that names sessions in files and logs")

// newFakeClock is the one clock of the app, its sessions and the provider.
func newFakeClock() *oauthtest.Clock {
	return oauthtest.NewClock(time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC))
}

// logBuffer is where the app's JSON log handler writes.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// Len is an offset to pass to recordsSince later.
func (l *logBuffer) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Len()
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// logRecord is one decoded log line.
type logRecord map[string]any

func (r logRecord) str(key string) string {
	s, _ := r[key].(string)
	return s
}

// recordsSince decodes the log lines written since offset from. Every line
// must be one JSON object.
func (l *logBuffer) recordsSince(t *testing.T, from int) []logRecord {
	t.Helper()
	var records []logRecord
	for line := range strings.Lines(l.String()[from:]) {
		var r logRecord
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("log line is not a JSON object: %v\n%s", err, line)
		}
		records = append(records, r)
	}
	return records
}

// loginEvents are the values of "event" that the oauth package logs.
var loginEvents = map[string]bool{
	"login_started": true, "callback_rejected": true, "token_exchange_failed": true,
	"user_fetch_failed": true, "login_succeeded": true, "logout": true, "session_store_error": true,
	"identity_refused": true, "session_record_too_large": true,
}

// eventsSince returns the records with a login event logged since offset from.
func (h *harness) eventsSince(t *testing.T, from int) []logRecord {
	t.Helper()
	var events []logRecord
	for _, r := range h.logs.recordsSince(t, from) {
		if loginEvents[r.str("event")] {
			events = append(events, r)
		}
	}
	return events
}

type harnessOptions struct {
	configure func(*Config) // changes the app's client configuration
	issuer    string        // the provider's issuer, sent as iss; also the app's Config.Issuer
	clientID  string        // default testClientID
	secret    string        // default canarySecret

	// provider, when set, answers the app's requests to the provider in
	// place of the provider itself, which it gets as as.
	provider func(w http.ResponseWriter, r *http.Request, as http.Handler)

	// as changes the provider's configuration before it starts: its
	// Shape, IDTokenAlg, PostLogoutRedirectURL and so on.
	as func(*oauthtest.Config)

	// limit, when set, is the Login's Limit.
	limit Limit
}

type harness struct {
	as       *oauthtest.Server
	front    *httptest.Server // the provider as the app sees it
	cfg      Config
	clock    *oauthtest.Clock
	dir      string // the session directory
	sessions *session.Manager
	login    *Login
	app      http.Handler // the routes, as main.go has them
	// protected is the handler behind GET /private, for requests that the
	// mux would clean or redirect before they reach it.
	protected http.Handler
	logs      *logBuffer
	browser   *http.Client // for the browser's visit to the provider; follows no redirect

	mu         sync.Mutex
	responses  []*response
	codes      map[string]bool
	tokens     map[string]bool
	states     map[string]bool
	verifiers  map[string]bool
	sessionIDs map[string]bool
	nonces     map[string]bool
	idTokens   map[string]bool
}

func newHarness(t *testing.T, opts harnessOptions) *harness {
	t.Helper()
	h := &harness{
		clock:      newFakeClock(),
		dir:        filepath.Join(t.TempDir(), "sessions"),
		logs:       &logBuffer{},
		codes:      map[string]bool{},
		tokens:     map[string]bool{},
		states:     map[string]bool{},
		verifiers:  map[string]bool{},
		sessionIDs: map[string]bool{},
		nonces:     map[string]bool{},
		idTokens:   map[string]bool{},
	}
	clientID, secret := cmp.Or(opts.clientID, testClientID), cmp.Or(opts.secret, canarySecret)
	// The front starts first, so that an OpenID provider can name it as
	// its issuer; it passes nothing on before h.as is set.
	h.front = httptest.NewTLSServer(h.tap(opts.provider))
	asConfig := oauthtest.Config{
		ClientID:     clientID,
		ClientSecret: secret,
		RedirectURL:  testRedirectURL,
		Issuer:       opts.issuer,
		AutoApprove:  testUser,
		Now:          h.clock.Now,
	}
	if opts.as != nil {
		opts.as(&asConfig)
	}
	h.as = oauthtest.NewTLSServer(asConfig)
	// Cleanups run last first: the servers close, then the sweep runs.
	// Cutting the front server's connections first ends the requests that
	// TokenHang holds, which Close would otherwise wait for.
	t.Cleanup(func() {
		for _, leak := range h.leaks() {
			t.Errorf("canary sweep (oauth/SECURITY.md #49, #58): %s", leak)
		}
	})
	t.Cleanup(func() {
		h.front.CloseClientConnections()
		h.front.Close()
		h.as.Close()
	})

	logger := slog.New(slog.NewJSONHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	store, err := session.NewFileStore(h.dir, testHashKey, h.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	h.sessions, err = session.NewManager(store, session.Options{HashKey: testHashKey, Now: h.clock.Now, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	h.cfg = Config{
		ClientID:     clientID,
		ClientSecret: secret,
		AuthorizeURL: h.front.URL + "/authorize",
		TokenURL:     h.front.URL + "/token",
		UserURL:      h.front.URL + "/user",
		RedirectURL:  testRedirectURL,
		Scope:        testScope,
		Issuer:       opts.issuer,
	}
	if opts.configure != nil {
		opts.configure(&h.cfg)
	}
	h.login = NewLogin(NewClient(h.cfg, h.as.HTTP.Client()), writeFailure,
		LoginOptions{Logger: logger, Now: h.clock.Now, Limit: opts.limit})

	browser := *h.as.HTTP.Client()
	browser.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	h.browser = &browser

	h.protected = h.sessions.Middleware(h.login.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := UserFromRequest(r)
		io.WriteString(w, "hello "+u.Username)
	})))
	mux := http.NewServeMux()
	mux.Handle("GET /private", h.protected)
	mux.Handle("GET /private/", h.protected)
	mux.Handle("POST /private", h.protected) // a protected form's target
	mux.Handle("GET /oauth/callback", h.sessions.Middleware(http.HandlerFunc(h.login.Callback)))
	mux.Handle("POST /logout", http.NewCrossOriginProtection().Handler(h.sessions.Middleware(http.HandlerFunc(h.login.Logout))))
	h.app = mux
	return h
}

// answerAt makes a harnessOptions.provider that answers requests for path
// with h, and passes every other request to the provider.
func answerAt(path string, h http.HandlerFunc) func(http.ResponseWriter, *http.Request, http.Handler) {
	return func(w http.ResponseWriter, r *http.Request, as http.Handler) {
		if r.URL.Path != path {
			as.ServeHTTP(w, r)
			return
		}
		h(w, r)
	}
}

// writeFailure is the app's failure page: the status, a title and a message.
func writeFailure(w http.ResponseWriter, _ *http.Request, f Failure) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(f.Status)
	fmt.Fprintf(w, "%s\n%s\n", f.Title, f.Message)
}

// tap passes a request to the provider, or to override, and notes the
// access token of a token response.
func (h *harness) tap(override func(http.ResponseWriter, *http.Request, http.Handler)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tw := &teeWriter{ResponseWriter: w}
		if override != nil {
			override(tw, r, h.as.Provider)
		} else {
			h.as.Provider.ServeHTTP(tw, r)
		}
		if r.URL.Path == "/token" {
			var body struct {
				AccessToken string `json:"access_token"`
				IDToken     string `json:"id_token"`
			}
			if json.Unmarshal(tw.body.Bytes(), &body) != nil {
				form, _ := url.ParseQuery(tw.body.String())
				body.AccessToken = form.Get("access_token")
			}
			h.note(h.tokens, body.AccessToken)
			if body.IDToken != "" {
				h.note(h.idTokens, body.IDToken)
			}
		}
	})
}

// teeWriter keeps the first 64 KiB of a response body.
type teeWriter struct {
	http.ResponseWriter
	body bytes.Buffer
}

func (w *teeWriter) Write(p []byte) (int, error) {
	if room := 64<<10 - w.body.Len(); room > 0 {
		w.body.Write(p[:min(room, len(p))])
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController flush through to the real writer.
func (w *teeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (h *harness) note(set map[string]bool, value string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	// Values the tests make up ("a", "x") are not secrets; real ones are
	// 43 characters.
	if len(value) >= 16 {
		set[value] = true
	}
}

// issuedTokens are the access tokens the provider has issued so far.
func (h *harness) issuedTokens() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Collect(maps.Keys(h.tokens))
}

func (h *harness) tokenCalls() int { return h.as.TokenCalls() }
func (h *harness) userCalls() int  { return h.as.UserCalls() }

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

// serve runs one request through handler and keeps the response for the
// canary sweep.
func (h *harness) serve(handler http.Handler, r *http.Request) *response {
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, r)
	res := rec.Result()
	resp := &response{Status: res.StatusCode, Header: res.Header, Body: rec.Body.String()}
	h.mu.Lock()
	h.responses = append(h.responses, resp)
	h.mu.Unlock()
	return resp
}

// browser is one web browser: it keeps the session cookie the app sets.
type browser struct {
	h      *harness
	cookie string // the session cookie's value; "" for none
}

func (h *harness) newBrowser() *browser { return &browser{h: h} }

// do sends a request for target (a path, or an absolute URL) with the
// browser's cookie. edit, if not nil, changes the request before it goes.
func (b *browser) do(method, target string, edit func(*http.Request)) *response {
	if strings.HasPrefix(target, "/") {
		target = appOrigin + target
	}
	return b.send(b.h.app, httptest.NewRequest(method, target, nil), edit)
}

func (b *browser) get(target string) *response { return b.do(http.MethodGet, target, nil) }

// send is do for a request made elsewhere, to handler.
func (b *browser) send(handler http.Handler, r *http.Request, edit func(*http.Request)) *response {
	if b.cookie != "" {
		r.AddCookie(&http.Cookie{Name: b.h.sessions.CookieName(), Value: b.cookie})
	}
	if edit != nil {
		edit(r)
	}
	resp := b.h.serve(handler, r)
	for _, line := range resp.Header.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err != nil || c.Name != b.h.sessions.CookieName() {
			continue
		}
		if c.MaxAge < 0 {
			b.cookie = ""
		} else {
			b.cookie = c.Value
			b.h.note(b.h.sessionIDs, c.Value)
		}
	}
	// Note the pending logins' states and verifiers, which must not leak
	// either.
	if rec, ok := b.h.readRecord(b.cookie); ok {
		for _, p := range rec.Values.Pending {
			b.h.note(b.h.states, p.State)
			b.h.note(b.h.verifiers, p.Verifier)
			b.h.note(b.h.nonces, p.Nonce)
		}
	}
	return resp
}

// startLogin opens target and expects to be sent to the provider. It
// returns the authorization URL and its state.
func (b *browser) startLogin(t *testing.T, target string) (*url.URL, string) {
	t.Helper()
	resp := b.get(target)
	authURL := resp.location(t)
	if resp.Status != http.StatusFound || !strings.HasPrefix(authURL.String(), b.h.cfg.AuthorizeURL+"?") {
		t.Fatalf("GET %s: %v; want a 302 to the provider", target, resp)
	}
	state := authURL.Query().Get("state")
	b.h.note(b.h.states, state)
	return authURL, state
}

// approve takes the browser to the provider's authorization URL, where
// "ada" approves at once, and returns the callback URL the provider sends
// it back to, and the code in it.
func (h *harness) approve(t *testing.T, authURL *url.URL) (callback, code string) {
	t.Helper()
	resp, err := h.browser.Get(authURL.String())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	callback = resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(callback, testRedirectURL+"?") {
		t.Fatalf("provider: HTTP %d, Location %q, body %q; want a 303 to the callback", resp.StatusCode, callback, body)
	}
	u, err := url.Parse(callback)
	if err != nil {
		t.Fatal(err)
	}
	code = u.Query().Get("code")
	h.note(h.codes, code)
	return callback, code
}

// login runs the whole login from target: the redirect to the provider,
// the approval and the callback, which it expects to succeed with a 303.
// It returns the callback's response.
func (b *browser) login(t *testing.T, target string) *response {
	t.Helper()
	authURL, _ := b.startLogin(t, target)
	callback, _ := b.h.approve(t, authURL)
	resp := b.get(callback)
	if resp.Status != http.StatusSeeOther {
		t.Fatalf("callback: %v; want a 303", resp)
	}
	return resp
}

// callbackURL builds a callback URL with the given key, value pairs, in
// order and repeated as given.
func callbackURL(pairs ...string) string {
	var q []string
	for i := 0; i+1 < len(pairs); i += 2 {
		q = append(q, url.QueryEscape(pairs[i])+"="+url.QueryEscape(pairs[i+1]))
	}
	return testRedirectURL + "?" + strings.Join(q, "&")
}

// assertRefused checks what a refused callback must leave behind: no
// token request, exactly one log record since mark that names reason, and
// each of cookies still anonymous (oauth/SECURITY.md #8, #57).
func (h *harness) assertRefused(t *testing.T, mark int, reason string, cookies ...string) {
	t.Helper()
	if n := h.tokenCalls(); n != 0 {
		t.Errorf("%d token calls, want 0", n)
	}
	if events := h.eventsSince(t, mark); len(events) != 1 || events[0].str("reason") != reason {
		t.Errorf("logged %v, want one record with reason %s", events, reason)
	}
	h.assertAnonymous(t, cookies...)
}

// assertAnonymous checks that a browser with each of cookies ("" for none)
// is not logged in: GET /private sends it to the provider.
func (h *harness) assertAnonymous(t *testing.T, cookies ...string) {
	t.Helper()
	for _, c := range cookies {
		resp := (&browser{h: h, cookie: c}).get("/private")
		if resp.Status != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), h.cfg.AuthorizeURL+"?") {
			t.Errorf("GET /private with cookie %q: %v; want anonymous, a 302 to the provider", c, resp)
		}
	}
}

// assertLoggedIn checks that the cookie is ada's session.
func (h *harness) assertLoggedIn(t *testing.T, cookie string) {
	t.Helper()
	resp := (&browser{h: h, cookie: cookie}).get("/private")
	if resp.Status != http.StatusOK || resp.Body != "hello "+testUser {
		t.Errorf("GET /private: %v; want 200 hello %s", resp, testUser)
	}
}

// testRecord is a session file as this package leaves it.
type testRecord struct {
	Created int64 `json:"created"`
	Values  struct {
		Pending []testPending `json:"oauth_pending"`
		User    *User         `json:"user"`
		IDToken string        `json:"id_token"`
	} `json:"values"`
}

type testPending struct {
	State    string `json:"state"`
	Verifier string `json:"verifier"`
	Nonce    string `json:"nonce"`
	ReturnTo string `json:"return_to"`
	Created  int64  `json:"created"`
}

// keyedHashOf is the HMAC-SHA-256 of a session ID under the test key, in hex.
func keyedHashOf(id string) string {
	mac := hmac.New(sha256.New, testHashKey)
	mac.Write([]byte(id))
	return hex.EncodeToString(mac.Sum(nil))
}

// logName is how the log names session id: a prefix of its keyed hash.
func logName(id string) string { return keyedHashOf(id)[:16] }

// recordPath is the file of session id: named by its keyed hash.
func (h *harness) recordPath(id string) string { return filepath.Join(h.dir, keyedHashOf(id)) }

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

// fileCount is the number of files in the session directory.
func (h *harness) fileCount(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir(h.dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return len(entries)
}

// secrets are the canaries of this harness so far, each with its kind.
func (h *harness) secrets() map[string]string {
	// The provider saw them all: whatever the app sent it is a canary.
	for _, req := range h.as.TokenRequests() {
		h.note(h.codes, req.Form.Get("code"))
		h.note(h.verifiers, req.Form.Get("code_verifier"))
	}
	for _, req := range slices.Concat(h.as.UserRequests(), h.as.EmailsRequests(), h.as.UserinfoRequests()) {
		_, token, _ := strings.Cut(req.Header.Get("Authorization"), " ")
		h.note(h.tokens, token)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string]string{canarySecret: "the client secret"}
	for kind, set := range map[string]map[string]bool{
		"a code": h.codes, "an access token": h.tokens, "a state": h.states,
		"a PKCE verifier": h.verifiers, "a session ID": h.sessionIDs,
		"a nonce": h.nonces, "an ID token": h.idTokens,
	} {
		for v := range set {
			out[v] = kind
		}
	}
	return out
}

// leaks runs the canary sweep: no log line and no response may hold a
// canary, except for a state or nonce in the redirect to the provider, an
// ID token in the redirect to the provider's logout endpoint, and a
// session ID as the value of the session cookie.
func (h *harness) leaks() []string {
	var found []string
	logs := h.logs.String()
	secrets := h.secrets()
	h.mu.Lock()
	defer h.mu.Unlock()
	for value, kind := range secrets {
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
	if len(found) > 10 {
		found = append(found[:10], fmt.Sprintf("and %d more", len(found)-10))
	}
	return found
}

// redirectNote reports whether resp is the redirect to the provider, with
// the short HTML note that http.Redirect writes, which repeats the
// Location and so its state.
func (h *harness) redirectNote(resp *response, kind string) bool {
	loc := resp.Header.Get("Location")
	return (kind == "a state" || kind == "a nonce") && strings.HasPrefix(loc, h.cfg.AuthorizeURL+"?") &&
		resp.Body == "<a href=\""+html.EscapeString(loc)+"\">"+http.StatusText(resp.Status)+"</a>.\n\n"
}

func (h *harness) allowedIn(header, line, value, kind string) bool {
	switch {
	case (kind == "a state" || kind == "a nonce") && header == "Location":
		return strings.HasPrefix(line, h.cfg.AuthorizeURL+"?")
	case kind == "a session ID" && header == "Set-Cookie":
		c, err := http.ParseSetCookie(line)
		return err == nil && c.Name == h.sessions.CookieName() && c.Value == value
	}
	return false
}

// assertNotShown checks that value appears in no log line, and in no
// response except where the sweep allows it.
func (h *harness) assertNotShown(t *testing.T, what, value string) {
	t.Helper()
	if value == "" {
		t.Fatalf("no %s to look for", what)
	}
	if strings.Contains(h.logs.String(), value) {
		t.Errorf("the %s is in the log", what)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, resp := range h.responses {
		for name, lines := range resp.Header {
			for _, line := range lines {
				if strings.Contains(line, value) {
					t.Errorf("the %s is in the header %s: %s", what, name, line)
				}
			}
		}
		if strings.Contains(resp.Body, value) {
			t.Errorf("the %s is in the body of %v", what, resp)
		}
	}
}
